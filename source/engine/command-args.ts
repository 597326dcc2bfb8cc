/**
 * The arguments of each command a client sends to a running engine, checked with zod before use:
 * a client on the socket (or at the end of an ssh channel) may be another nightshift version, a
 * script, or broken, so nothing it sends is trusted by type alone. A bad command is refused with
 * the command's name, the field and what was wrong, and changes nothing.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import type { CommandName } from '../protocol/types.js';
import { learningEntrySchema } from '../store/schema.js';
import { epicSchema, taskSchema } from '../tasks/model.js';
import { EDITABLE_FIELDS } from '../tasks/task-edit.js';

const id = z.string().min(1);
const ids = z.array(id);

/** A task as a client supplies it: the task model, timestamps optional. */
const taskInputSchema = taskSchema.extend({
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});

const editableShape = Object.fromEntries(
  EDITABLE_FIELDS.map((field) => [field, taskSchema.shape[field].nullable().optional()]),
) as { [K in (typeof EDITABLE_FIELDS)[number]]: z.ZodOptional<z.ZodNullable<(typeof taskSchema.shape)[K]>> };

/** Every write a client may ask of the queue (tasks/task-write.ts). */
export const taskWriteSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('add'),
    tasks: z.array(taskInputSchema),
    epics: z.array(epicSchema.required()).optional(),
    replace: z.boolean().optional(),
    learning: z.array(learningEntrySchema).optional(),
  }),
  z.object({ op: z.literal('reset'), ids: ids.optional() }),
  z.object({ op: z.literal('retry'), ids: ids.optional() }),
  z.object({ op: z.literal('block'), id, reason: z.string() }),
  z.object({ op: z.literal('dep-add'), taskId: id, dependsOn: id }),
  z.object({ op: z.literal('dep-rm'), taskId: id, dependsOn: id }),
  z.object({
    op: z.literal('edit'),
    id,
    changes: z.strictObject(editableShape),
    force: z.boolean().optional(),
  }),
  z.object({ op: z.literal('rm'), ids: ids.min(1), cascade: z.boolean().optional() }),
  z.object({ op: z.literal('learn'), taskId: id.optional(), text: z.string().min(1) }),
]);

const agentId = z.object({ agentId: id });
const none = z.object({});
const size = z.number().int().min(1).max(10_000);

/** The arguments of each command. */
export const commandArgsSchemas = {
  pause: none,
  resume: none,
  stop: none,
  'stop-agent': agentId,
  retry: z.object({ ids: ids.optional() }),
  reset: z.object({ ids: ids.optional() }),
  block: z.object({ id, reason: z.string().min(1) }),
  'add-task': z.object({ task: taskInputSchema }),
  'set-parallel': z.object({
    parallel: z
      .number({ error: 'parallel must be an integer from 1 to 64' })
      .int('parallel must be an integer from 1 to 64')
      .min(1, 'parallel must be an integer from 1 to 64')
      .max(64, 'parallel must be an integer from 1 to 64'),
  }),
  'pty-input': agentId.extend({ data: z.string() }),
  'pty-resize': agentId.extend({ cols: size, rows: size }),
  'subscribe-pty': agentId,
  'unsubscribe-pty': agentId,
  'watch-output': z.object({ agentIds: z.array(z.string()).nullable() }),
  'task-write': z.object({ write: taskWriteSchema }),
  'task-diff': z.object({ id }),
  // Strict: a client asking for more than counts (the queue itself) is told it cannot.
  status: z.strictObject({}),
} satisfies Record<CommandName, z.ZodType>;

/** The checked arguments of command `name`. */
export type CommandArgs<N extends CommandName> = z.input<(typeof commandArgsSchemas)[N]>;

/**
 * Checks `args` against command `name`'s schema; throws a UserError naming the command, the field
 * and the problem. The values are the client's own (no defaults filled in), now known to fit.
 */
export function checkCommandArgs<N extends CommandName>(
  name: N,
  args: Readonly<Record<string, unknown>>,
): CommandArgs<N> {
  const schema: z.ZodType = commandArgsSchemas[name];
  const checked = schema.safeParse(args);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new UserError(`command "${name}" refused: ${field}${issue?.message ?? 'invalid arguments'}`);
  }
  // The client's own values go on, now known to fit (the input side of the schema): the defaults
  // the schemas know (a task's status, its empty lists) are the queue's to apply.
  return args as CommandArgs<N>;
}
