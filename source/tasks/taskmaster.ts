/**
 * Task Master's tasks.json (claude-task-master) as nightshift tasks, for `task import`.
 *
 * Formats read: the legacy `{tasks: [...], metadata?}` and the tagged `{"master": {tasks, metadata}, "<tag>": …}`
 * (the `master` tag, the tag chosen with `--tag`, or the only tag; other tags are reported, not
 * imported). Each task:
 * `{id: number, title, description, details, testStrategy, status, dependencies: number[],
 * priority: high|medium|low, subtasks: [{id, title, description, details, status, dependencies}]}`.
 *
 * Mapping, decided:
 * - Ids: task 3 → `tm-3`; its subtask 2 → `tm-3.2`.
 * - A task with subtasks becomes an epic (`tm-3`: its title; description, details and test strategy
 *   as the epic's description) and its subtasks the tasks, since the subtasks are the units of work
 *   and the parent is their sum. A dependency on such a task becomes a dependency on all its
 *   subtasks; its own dependencies are inherited by each subtask.
 * - Subtask dependencies: a number is a sibling subtask when the parent has one with that id, else
 *   a top-level task (Task Master writes both); `"3.2"` is subtask 2 of task 3.
 * - `details` joins the description; `testStrategy` is prose, not commands, so it goes into the
 *   task's notes as guidance and the gate runs the commands given with `--verify` (required: a
 *   placeholder command would pass without checking anything, and the audit demands a check).
 * - Status: done → done; deferred/cancelled → blocked (reason names the status); blocked → blocked;
 *   pending, in-progress, review and anything else → pending.
 * - Priority: critical/high/medium/low → 2/1/0/-1.
 * Anything else that cannot be mapped is listed in `unmapped` for the user.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import type { Epic, TaskInput, TaskStatus } from './model.js';

const tmId = z.union([z.number().int(), z.string().min(1)]);

const tmSubtaskSchema = z.looseObject({
  id: tmId,
  title: z.string().min(1),
  description: z.string().optional(),
  details: z.string().optional(),
  testStrategy: z.string().optional(),
  status: z.string().optional(),
  dependencies: z.array(tmId).optional(),
  priority: z.string().optional(),
});

const tmTaskSchema = tmSubtaskSchema.extend({ subtasks: z.array(tmSubtaskSchema).optional() });
const tmFileSchema = z.looseObject({ tasks: z.array(tmTaskSchema) });

type TmTask = z.output<typeof tmTaskSchema>;
type TmSubtask = z.output<typeof tmSubtaskSchema>;

/** Task Master tasks turned into the queue's model. */
export interface TaskMasterImport {
  readonly project: string;
  readonly epics: Epic[];
  readonly tasks: TaskInput[];
  /** One line per thing that could not be mapped as it was. */
  readonly unmapped: string[];
}

const KNOWN_FIELDS = new Set([
  'id',
  'title',
  'description',
  'details',
  'testStrategy',
  'status',
  'dependencies',
  'priority',
  'subtasks',
]);
const PRIORITIES: Readonly<Record<string, number>> = { critical: 2, high: 1, medium: 0, low: -1 };
/** Keys that mark a plan-file (DESIGN §5) task rather than a Task Master one. */
const PLAN_FILE_KEYS = ['steps', 'verification', 'depends_on', 'validate_commands', 'passes'];
const TASK_MASTER_KEYS = ['testStrategy', 'details', 'subtasks'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function looksLikeTaskMasterTasks(tasks: unknown): boolean {
  if (!Array.isArray(tasks) || tasks.length === 0) return false;
  const objects = tasks.filter(isObject);
  return (
    objects.some((task) => TASK_MASTER_KEYS.some((key) => key in task)) &&
    !objects.some((task) => PLAN_FILE_KEYS.some((key) => key in task))
  );
}

/** The `tasks` list and which tag it came from, or undefined when `raw` is not a Task Master file. */
function locateTasks(
  raw: unknown,
  file: string,
  unmapped: string[],
  wantedTag?: string,
): { tasks: unknown; tag?: string } | undefined {
  if (!isObject(raw)) return undefined;
  if ('tasks' in raw) return looksLikeTaskMasterTasks(raw['tasks']) ? { tasks: raw['tasks'] } : undefined;
  const tags = Object.entries(raw).filter(
    ([, value]) => isObject(value) && looksLikeTaskMasterTasks(value['tasks']),
  );
  if (tags.length === 0) return undefined;
  if (wantedTag !== undefined && !tags.some(([name]) => name === wantedTag)) {
    throw new UserError(
      `${file}: no Task Master tag "${wantedTag}"; its tags are ${tags.map(([name]) => `"${name}"`).join(', ')}`,
    );
  }
  const chosen =
    tags.find(([name]) => name === (wantedTag ?? 'master')) ?? (tags.length === 1 ? tags[0] : undefined);
  if (chosen === undefined) {
    throw new UserError(
      `${file}: a Task Master file with several tags and no "master" tag (${tags.map(([name]) => name).join(', ')})`,
      {
        hint: `choose one with --tag, e.g. --tag ${tags[0]?.[0] ?? 'NAME'}`,
      },
    );
  }
  for (const [name, value] of tags) {
    if (name !== chosen[0])
      unmapped.push(
        `tag "${name}" (${(value as { tasks: unknown[] }).tasks.length} tasks) was not imported: only "${chosen[0]}" is`,
      );
  }
  return { tasks: (chosen[1] as { tasks: unknown }).tasks, tag: chosen[0] };
}

/** Choices for a Task Master import beyond the commands every task runs. */
export interface TaskMasterOptions {
  /** The tag to import (default `master`, or the only tag). */
  readonly tag?: string;
  /**
   * Per-task verification commands, by Task Master id (`3`, `3.2`) or nightshift id (`tm-3`,
   * `tm-3.2`); a parent's entry applies to its subtasks. Tasks not in the map run `verify`.
   */
  readonly verifyMap?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The tasks of a Task Master file, or undefined when `raw` (parsed JSON) is not one. `verify` are
 * the commands every task's gate runs unless the map gives its own; a task with neither is a
 * UserError that explains `--verify` and `--verify-map`.
 */
export function fromTaskMaster(
  raw: unknown,
  file: string,
  verify: readonly string[],
  options: TaskMasterOptions = {},
): TaskMasterImport | undefined {
  const unmapped: string[] = [];
  const located = locateTasks(raw, file, unmapped, options.tag);
  if (located === undefined) return undefined;
  const parsed = tmFileSchema.safeParse({ tasks: located.tasks });
  if (!parsed.success) {
    const lines = parsed.error.issues
      .slice(0, 10)
      .map(
        (issue) =>
          `  ${[located.tag, ...issue.path.map(String)].filter(Boolean).join('.')}: ${issue.message}`,
      );
    throw new UserError(
      `${file} looks like a Task Master tasks.json but does not fit its format:\n${lines.join('\n')}`,
    );
  }
  const source = parsed.data.tasks;
  const count = source.reduce((sum, task) => sum + Math.max(1, task.subtasks?.length ?? 0), 0);
  const map = options.verifyMap ?? {};
  const mapped = (tmId: string, parentId?: string): readonly string[] | undefined =>
    map[tmId] ??
    map[`tm-${tmId}`] ??
    (parentId === undefined ? undefined : (map[parentId] ?? map[`tm-${parentId}`]));
  const usedKeys = new Set<string>();
  const checksFor = (tmId: string, parentId?: string): readonly string[] => {
    for (const key of [tmId, `tm-${tmId}`, ...(parentId === undefined ? [] : [parentId, `tm-${parentId}`])])
      if (map[key] !== undefined) usedKeys.add(key);
    const own = mapped(tmId, parentId)?.filter((command) => command.trim() !== '');
    return own !== undefined && own.length > 0 ? own : verify;
  };
  const unchecked = source.flatMap((task) =>
    task.subtasks && task.subtasks.length > 0
      ? task.subtasks
          .map((sub) => `${task.id}.${sub.id}`)
          .filter((id) => checksFor(id, String(task.id)).length === 0)
      : checksFor(String(task.id)).length === 0
        ? [String(task.id)]
        : [],
  );
  usedKeys.clear();
  if (unchecked.length > 0 && Object.keys(map).length > 0) {
    throw new UserError(
      `${file}: Task Master task${unchecked.length === 1 ? '' : 's'} ${unchecked.slice(0, 10).join(', ')} ha${unchecked.length === 1 ? 's' : 've'} no check in the verify map and no --verify default; nothing was imported`,
      { hint: 'add them to the map, or give a default for the rest: --verify "npm test"' },
    );
  }
  if (unchecked.length > 0) {
    throw new UserError(
      `${file} is a Task Master file: its testStrategy is prose, not commands, so nothing would verify its ${count} task${count === 1 ? '' : 's'}; nothing was imported`,
      {
        hint: 'give the commands every imported task must pass: nightshift task import tasks.json --verify "npm test" (repeatable), or per task with --verify-map FILE ({"3": ["npm test -- api"]}); each testStrategy is kept in the task\'s notes',
      },
    );
  }

  const byId = new Map(source.map((task) => [String(task.id), task]));
  /** The nightshift ids a dependency on top-level task `id` stands for. */
  const resolveTop = (id: string, from: string): string[] => {
    const target = byId.get(id);
    if (target === undefined) {
      unmapped.push(`${from}: dependency on unknown Task Master task ${id} dropped`);
      return [];
    }
    return target.subtasks && target.subtasks.length > 0
      ? target.subtasks.map((sub) => `tm-${id}.${sub.id}`)
      : [`tm-${id}`];
  };

  const epics: Epic[] = [];
  const tasks: TaskInput[] = [];
  const extraFields = new Set<string>();
  for (const task of source) {
    for (const key of Object.keys(task)) if (!KNOWN_FIELDS.has(key)) extraFields.add(key);
    const id = String(task.id);
    const parentDeps = (task.dependencies ?? []).flatMap((dep) => resolveTop(String(dep), `tm-${id}`));
    if (!task.subtasks || task.subtasks.length === 0) {
      tasks.push(toTask(`tm-${id}`, task, parentDeps, task.status, unmapped, checksFor(id)));
      continue;
    }
    epics.push({
      id: `tm-${id}`,
      title: task.title,
      description: joinText([
        task.description,
        task.details,
        task.testStrategy ? `Test strategy: ${task.testStrategy}` : undefined,
      ]),
    });
    const siblings = new Set(task.subtasks.map((sub) => String(sub.id)));
    for (const sub of task.subtasks) {
      for (const key of Object.keys(sub)) if (!KNOWN_FIELDS.has(key)) extraFields.add(`subtasks[].${key}`);
      const subId = `tm-${id}.${sub.id}`;
      const own = (sub.dependencies ?? []).flatMap((dep) => {
        const text = String(dep);
        if (text.includes('.')) {
          const [parent, child] = text.split('.');
          if (byId.get(parent ?? '')?.subtasks?.some((candidate) => String(candidate.id) === child))
            return [`tm-${text}`];
          unmapped.push(`${subId}: dependency on unknown Task Master subtask ${text} dropped`);
          return [];
        }
        return siblings.has(text) ? [`tm-${id}.${text}`] : resolveTop(text, subId);
      });
      const input = toTask(
        subId,
        { ...sub, priority: sub.priority ?? task.priority },
        [...new Set([...parentDeps, ...own])],
        sub.status ?? task.status,
        unmapped,
        checksFor(`${id}.${sub.id}`, id),
      );
      tasks.push({
        ...input,
        epic: `tm-${id}`,
        notes: joinText([`Part of Task Master task ${id}: ${task.title}.`, input.notes]),
      });
    }
  }
  for (const key of Object.keys(map))
    if (!usedKeys.has(key)) unmapped.push(`verify map entry "${key}" matches no imported task`);
  if (extraFields.size > 0) unmapped.push(`fields not imported: ${[...extraFields].sort().join(', ')}`);
  if (source.some((task) => task.testStrategy || task.subtasks?.some((sub) => sub.testStrategy))) {
    unmapped.push(
      "testStrategy is prose, not a check: kept in each task's notes; the gate runs the --verify commands",
    );
  }
  return { project: '', epics, tasks, unmapped };
}

function toTask(
  id: string,
  task: TmSubtask | TmTask,
  dependsOn: string[],
  status: string | undefined,
  unmapped: string[],
  verify: readonly string[],
): TaskInput {
  const priorityWord = task.priority?.toLowerCase();
  const priority = priorityWord === undefined ? 0 : PRIORITIES[priorityWord];
  if (priority === undefined)
    unmapped.push(`${id}: priority "${task.priority}" is not critical/high/medium/low; imported as 0`);
  return {
    id,
    title: task.title,
    // The audit wants something to act on; Task Master allows a title alone.
    description: joinText([task.description, task.details]) || task.title,
    priority: priority ?? 0,
    steps: [],
    dependsOn,
    ...statusOf(id, status, unmapped),
    verification: { commands: [...verify], pathPatterns: [], env: {} },
    notes: task.testStrategy
      ? `Test strategy (from Task Master; guidance, the gate runs the verification commands): ${task.testStrategy}`
      : '',
  };
}

function statusOf(
  id: string,
  status: string | undefined,
  unmapped: string[],
): { status: TaskStatus; blockReason?: string } {
  switch ((status ?? 'pending').toLowerCase()) {
    case 'done':
    case 'completed':
      return { status: 'done' };
    case 'deferred':
    case 'cancelled':
    case 'canceled':
      return { status: 'blocked', blockReason: `${status} in Task Master` };
    case 'blocked':
      return { status: 'blocked', blockReason: 'blocked in Task Master' };
    case 'pending':
    case 'in-progress':
    case 'review':
      return { status: 'pending' };
    default:
      unmapped.push(`${id}: status "${status}" is unknown; imported as pending`);
      return { status: 'pending' };
  }
}

function joinText(parts: readonly (string | undefined)[]): string {
  return parts
    .map((part) => part?.trim() ?? '')
    .filter((part) => part !== '')
    .join('\n\n');
}

/** {@link fromTaskMaster} on a file's text; undefined when it is not JSON or not a Task Master file. */
export function taskMasterFromText(
  text: string,
  file: string,
  verify: readonly string[],
  options: TaskMasterOptions = {},
): TaskMasterImport | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return undefined; // the plan-file parser reports the syntax error with its line and column
  }
  return fromTaskMaster(raw, file, verify, options);
}

/**
 * Reads a `--verify-map` file: JSON `{ "<task id>": "command" | ["command", …] }`. Errors name the
 * file and the entry.
 */
export function parseVerifyMap(text: string, file: string): Record<string, string[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`, {
      hint: 'the verify map is JSON: {"3": ["npm test -- api"], "3.2": "pytest tests/test_db.py"}',
    });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new UserError(`${file}: the verify map must be a JSON object of task id → commands`);
  const map: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const commands: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [0];
    const texts = commands.filter((command): command is string => typeof command === 'string');
    if (texts.length !== commands.length)
      throw new UserError(`${file}: entry "${key}" must be a command or a list of commands`);
    map[key] = texts;
  }
  return map;
}
