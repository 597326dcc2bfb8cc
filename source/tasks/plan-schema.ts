/**
 * The plan file format of DESIGN.md §5, as written on disk: snake_case JSON, a superset of autodev's
 * task.json. This schema describes the file only; plan-file.ts turns it into the task model.
 *
 * Tolerance is deliberate, so that queues written by autodev (and similar tools) import unchanged:
 * - unknown keys are accepted everywhere (loose objects) and ignored;
 * - ids and dependency ids may be numbers (they become strings);
 * - `passes` / `blocked` may be booleans or "true"/"yes"/"1"-style strings;
 * - completion: `kind` or `type`; `direction` maximize|minimize or the aliases
 *   higher_is_better|higher|max (→ maximize) and lower_is_better|lower|min (→ minimize);
 *   `json_path` may start with `$.`; `source` is informational (the metric is always read from the
 *   JSON printed by the last validate command, as in autodev);
 * - execution: `rollback_on_failure` is an alias of `rollback_on_regression`;
 * - autodev's older `execution_mode: "experiment"` with an `experiment.goal_metric` block is read as
 *   numeric completion with iterative execution;
 * - priority: an integer (higher runs first) or critical|high|medium|low (2|1|0|-1).
 */
import { z } from 'zod';
import { TASK_STATUSES } from './model.js';

/** Direction words accepted in `completion.direction`, and what each means. */
export const DIRECTION_ALIASES = {
  maximize: 'maximize',
  higher_is_better: 'maximize',
  higher: 'maximize',
  max: 'maximize',
  minimize: 'minimize',
  lower_is_better: 'minimize',
  lower: 'minimize',
  min: 'minimize',
} as const;

/** Priority words accepted in `priority`, and the number each stands for (higher runs first). */
export const PRIORITY_WORDS = { critical: 2, high: 1, medium: 0, low: -1 } as const;

const directionNames = Object.keys(DIRECTION_ALIASES) as [
  keyof typeof DIRECTION_ALIASES,
  ...(keyof typeof DIRECTION_ALIASES)[],
];
const priorityNames = Object.keys(PRIORITY_WORDS) as [
  keyof typeof PRIORITY_WORDS,
  ...(keyof typeof PRIORITY_WORDS)[],
];

const idSchema = z
  .union([z.string().min(1), z.number().int()])
  .meta({ description: 'A task or epic id (numbers become strings).' });
const flagSchema = z
  .union([z.boolean(), z.string(), z.number(), z.null()])
  .meta({ description: 'true, or "true"/"yes"/"1"; anything else is false.' });
const strings = z.array(z.string());

const verificationSchema = z
  .looseObject({
    path_patterns: strings.optional().meta({ description: 'Globs every changed file must match.' }),
    validate_commands: strings
      .optional()
      .meta({ description: 'Shell commands that must all exit 0; at least one.' }),
    validate_timeout_seconds: z.number().positive().optional(),
    validate_working_directory: z
      .string()
      .optional()
      .meta({ description: 'Relative to the repository root.' }),
    validate_environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .meta({ description: 'How the gate checks the work after each attempt.' });

const completionKind = z.enum(['boolean', 'numeric']);

const metricFields = {
  kind: completionKind.optional(),
  type: completionKind.optional().meta({ description: 'Alias of kind.' }),
  source: z
    .string()
    .optional()
    .meta({ description: 'Informational: the metric is read from the JSON stdout of the last command.' }),
  name: z.string().optional().meta({ description: 'A name for the metric, for people.' }),
  json_path: z
    .string()
    .optional()
    .meta({ description: 'Dotted path of the metric in that JSON, e.g. metrics.score ($. prefix allowed).' }),
  direction: z.enum(directionNames).optional(),
  min_improvement: z.number().nonnegative().optional(),
  target: z.number().optional().meta({ description: 'A value that counts as done.' }),
};

type MetricBlock = { kind?: string | undefined; type?: string | undefined; direction?: string | undefined };

/** Checks zod cannot say structurally; `kindImplied` for autodev's goal_metric, numeric by nature. */
function checkMetric(kindImplied: boolean) {
  return (completion: MetricBlock, context: z.RefinementCtx): void => {
    const kind = completion.kind ?? completion.type ?? (kindImplied ? 'numeric' : undefined);
    if (kind === undefined) {
      context.addIssue({ code: 'custom', path: ['kind'], message: 'missing: boolean or numeric' });
    } else if (
      completion.kind !== undefined &&
      completion.type !== undefined &&
      completion.kind !== completion.type
    ) {
      context.addIssue({
        code: 'custom',
        path: ['type'],
        message: `says ${completion.type} but kind says ${completion.kind}`,
      });
    }
    if (kind === 'numeric' && completion.direction === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['direction'],
        message: 'missing: numeric completion needs maximize or minimize',
      });
    }
  };
}

const completionSchema = z
  .looseObject(metricFields)
  .superRefine(checkMetric(false))
  .meta({ description: 'When the task is done: the gate passing (boolean) or a metric (numeric).' });

const executionSchema = z
  .looseObject({
    strategy: z.enum(['single_pass', 'iterative']),
    max_iterations: z.number().int().positive().optional(),
    rollback_on_regression: z.boolean().optional(),
    rollback_on_failure: z.boolean().optional().meta({ description: 'Alias of rollback_on_regression.' }),
    keep_on_equal: z.boolean().optional(),
    stop_after_no_improvement: z.number().int().positive().optional(),
  })
  .meta({ description: 'One pass, or keep/revert iterations on a numeric metric.' });

const legacyExperimentSchema = z
  .looseObject({
    max_iterations: z.number().int().positive().optional(),
    rollback_on_regression: z.boolean().optional(),
    keep_on_equal: z.boolean().optional(),
    no_improvement_threshold: z.number().int().positive().optional(),
    goal_metric: z.looseObject(metricFields).superRefine(checkMetric(true)).optional(),
  })
  .meta({ description: 'Deprecated (older autodev): use completion and execution.' });

const planTaskSchema = z.looseObject({
  id: idSchema,
  title: z.string().min(1),
  description: z.string().optional(),
  epic: z.union([z.string(), z.number()]).optional(),
  priority: z
    .union([z.number().int(), z.enum(priorityNames)])
    .optional()
    .meta({ description: 'Higher runs first; default 0.' }),
  depends_on: z.array(idSchema).optional().meta({ description: 'Ids of tasks that must be done first.' }),
  dependencies: z.array(idSchema).optional().meta({ description: 'Alias of depends_on.' }),
  steps: strings.optional(),
  docs: strings.optional().meta({ description: 'Files or URLs the agent should read.' }),
  verification: verificationSchema.optional(),
  completion: completionSchema.optional(),
  execution: executionSchema.optional(),
  execution_mode: z
    .string()
    .optional()
    .meta({ description: 'Deprecated (older autodev): "experiment" or "delivery".' }),
  experiment: legacyExperimentSchema.optional(),
  status: z
    .enum(TASK_STATUSES)
    .optional()
    .meta({ description: 'Wins over passes/blocked; running/verifying import as pending.' }),
  passes: flagSchema.optional().meta({ description: 'autodev: true means done.' }),
  blocked: flagSchema.optional().meta({ description: 'autodev: true means blocked.' }),
  block_reason: z.string().nullable().optional(),
  blocked_reason: z.string().nullable().optional().meta({ description: 'Alias of block_reason.' }),
  notes: z.union([z.string(), strings]).optional(),
  implementation_notes: z
    .array(z.unknown())
    .optional()
    .meta({ description: 'autodev: strings are added to notes.' }),
  learning: strings.optional().meta({ description: 'Lessons from earlier attempts.' }),
  backend: z.string().optional().meta({
    description: "The backend for this task (claude, codex, gemini, opencode, sim) instead of the run's.",
  }),
  model: z
    .string()
    .optional()
    .meta({ description: "The model for this task's agent instead of the backend's." }),
  learning_notes: z
    .array(z.unknown())
    .optional()
    .meta({ description: 'autodev: strings are added to learning.' }),
});

const planEpicSchema = z.looseObject({
  id: idSchema,
  title: z.string().min(1),
  description: z.string().optional(),
});

/** The whole plan file. */
export const planFileSchema = z
  .looseObject({
    $schema: z.string().optional(),
    project: z.string().optional(),
    source: z
      .string()
      .optional()
      .meta({ description: 'Where the plan came from: an intent or a document path.' }),
    epics: z.array(planEpicSchema).optional(),
    learning_journal: z
      .array(
        z.looseObject({
          task_id: idSchema.optional(),
          summary: z.string().optional(),
          text: z.string().optional(),
          at: z.string().optional(),
        }),
      )
      .optional()
      .meta({ description: "autodev: the project's learning journal; kept as nightshift's journal." }),
    tasks: z.array(planTaskSchema),
  })
  .meta({
    title: 'nightshift plan file',
    description: 'Tasks for the nightshift queue (the plan file format); a superset of autodev task.json.',
  });

/** A plan file as written on disk (what `toPlanFile` produces and `parsePlanFile` reads). */
export type PlanFile = z.input<typeof planFileSchema>;
/** One task of a plan file, after validation. */
export type PlanTask = z.output<typeof planTaskSchema>;
/** The completion block of a plan file task, after validation. */
export type PlanCompletion = z.output<typeof completionSchema>;

/** The JSON Schema (draft 2020-12) of the plan file; templates/plan.schema.json is this, committed. */
export function planJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(planFileSchema, { target: 'draft-2020-12', io: 'input' });
}
