/**
 * Reading and writing plan files (DESIGN.md §5): `task import`, `task export` and the planner's
 * `.nightshift/plan.json`. The format and its tolerances are described in plan-schema.ts.
 * Parsing checks the shape only; whether the tasks make sense is the audit's job (audit.ts), which
 * runs when they enter the queue.
 */
import type { z } from 'zod';
import { UserError } from '../errors.js';
import { templatesDir } from '../paths.js';
import type { LearningEntry, State } from '../store/schema.js';
import { jsonErrorOffset, lineAndColumn } from './json-location.js';
import { executionSchema } from './model.js';
import type { Completion, Epic, Execution, Task, TaskInput, TaskStatus } from './model.js';
import { DIRECTION_ALIASES, PRIORITY_WORDS, planFileSchema } from './plan-schema.js';
import type { PlanCompletion, PlanFile, PlanTask } from './plan-schema.js';

/** A plan file turned into the task model, ready for `addTasks`. */
export interface ParsedPlan {
  /** The project name, or '' when the file has none. */
  readonly project: string;
  readonly source?: string;
  readonly epics: Epic[];
  readonly tasks: TaskInput[];
  /** The project's learning journal the file carries (autodev's `learning_journal`). */
  readonly learning: LearningEntry[];
}

/** Most schema problems listed in one error; the rest are counted. */
const MAX_LISTED_ISSUES = 20;

/**
 * Parses a plan file. Errors name the file and either the line and column (JSON syntax) or the
 * JSON path and task id (`tasks[3].verification.validate_commands (task "api-2")`).
 */
export function parsePlanFile(text: string, file: string): ParsedPlan {
  const raw = parseJson(text.replace(/^\uFEFF/, ''), file);
  const result = planFileSchema.safeParse(raw);
  if (!result.success) throw planFileError(result.error.issues, raw, file);
  const plan = result.data;
  return {
    project: plan.project ?? '',
    ...(plan.source === undefined ? {} : { source: plan.source }),
    epics: (plan.epics ?? []).map((epic) => ({
      id: String(epic.id),
      title: epic.title,
      description: epic.description ?? '',
    })),
    tasks: plan.tasks.map(toTaskInput),
    learning: (plan.learning_journal ?? []).flatMap((entry): LearningEntry[] => {
      const text = (entry.summary ?? entry.text ?? '').trim();
      if (text === '') return [];
      return [
        {
          at: entry.at ?? new Date(0).toISOString(),
          ...(entry.task_id === undefined ? {} : { taskId: String(entry.task_id) }),
          text,
        },
      ];
    }),
  };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Node 20 gives a position for some syntax errors only; find the spot ourselves every time,
    // and keep V8's words without its position or its quote of the text.
    const { line, column } = lineAndColumn(text, jsonErrorOffset(text));
    const reason = message
      .replace(/^(Unexpected token .+?), (\.\.\.)?".*" is not valid JSON$/s, '$1')
      .replace(/\s*(in JSON )?at position \d+.*$/s, '');
    throw new UserError(
      `${file}:${line}:${column}: not valid JSON: ${reason} (line ${line}, column ${column})`,
      {
        hint: `fix the JSON syntax; ${PLAN_SCHEMA_FILE} describes the format`,
      },
    );
  }
}

/** `tasks[3].verification.validate_commands`: how a JSON path reads in messages. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text === '' ? '(top level)' : text;
}

/** The plan file's JSON Schema, in the installed package (a file every user has). */
const PLAN_SCHEMA_FILE = `${templatesDir}/plan.schema.json`;

function planFileError(issues: readonly z.core.$ZodIssue[], raw: unknown, file: string): UserError {
  const lines = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    const where = formatJsonPath(issue.path);
    const id = taskIdAt(raw, issue.path);
    return `  ${where}${id === undefined ? '' : ` (task "${id}")`}: ${issue.message}`;
  });
  if (issues.length > MAX_LISTED_ISSUES) lines.push(`  … and ${issues.length - MAX_LISTED_ISSUES} more`);
  return new UserError(`${file} is not a valid plan file:\n${lines.join('\n')}`, {
    hint: `${PLAN_SCHEMA_FILE} describes the format`,
  });
}

/** The id of the task an issue path points into (`tasks[3]…`), when that task has one. */
function taskIdAt(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'tasks' || typeof path[1] !== 'number' || typeof raw !== 'object' || raw === null)
    return undefined;
  const tasks: unknown = (raw as { tasks?: unknown }).tasks;
  const task: unknown = Array.isArray(tasks) ? tasks[path[1]] : undefined;
  if (typeof task !== 'object' || task === null) return undefined;
  const id: unknown = (task as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

function truthy(flag: PlanTask['passes']): boolean {
  if (typeof flag === 'string') return /^(true|yes|y|1|on)$/i.test(flag.trim());
  if (typeof flag === 'number') return flag !== 0;
  return flag === true;
}

function nonBlank(text: string | null | undefined): string | undefined {
  return typeof text === 'string' && text.trim() !== '' ? text : undefined;
}

/** `status` wins; else autodev's `passes`/`blocked` (passed wins over blocked); else unset. */
function statusOf(raw: PlanTask): { status?: TaskStatus; blockReason?: string } {
  const reason = nonBlank(raw.block_reason) ?? nonBlank(raw.blocked_reason);
  let status: TaskStatus | undefined = raw.status;
  if (status === 'running' || status === 'verifying') status = 'pending'; // no engine holds it now
  if (status === undefined && (raw.passes !== undefined || raw.blocked !== undefined)) {
    status = truthy(raw.passes) ? 'done' : truthy(raw.blocked) ? 'blocked' : 'pending';
  }
  if (status === undefined) return {};
  return status === 'blocked' && reason !== undefined ? { status, blockReason: reason } : { status };
}

/** Strings of a list that may hold anything; autodev's note objects keep their text. */
function noteTexts(list: readonly unknown[] | undefined): string[] {
  const texts: string[] = [];
  for (const item of list ?? []) {
    if (typeof item === 'string') texts.push(item);
    else if (typeof item === 'object' && item !== null) {
      const { summary, text, note } = item as { summary?: unknown; text?: unknown; note?: unknown };
      const found = [summary, text, note].find((value): value is string => typeof value === 'string');
      if (found !== undefined) texts.push(found);
    }
  }
  return texts.filter((text) => text.trim() !== '');
}

function toCompletion(completion: PlanCompletion | undefined): Completion {
  if (completion === undefined || (completion.kind ?? completion.type) !== 'numeric')
    return { kind: 'boolean' };
  const numeric: Completion = {
    kind: 'numeric',
    source: 'json_stdout',
    jsonPath: (completion.json_path ?? '').trim().replace(/^\$\.?/, ''),
    direction: DIRECTION_ALIASES[completion.direction ?? 'maximize'],
    minImprovement: completion.min_improvement ?? 0,
  };
  return completion.target === undefined ? numeric : { ...numeric, target: completion.target };
}

function toExecution(raw: PlanTask): Execution {
  const execution = raw.execution;
  if (execution !== undefined) {
    if (execution.strategy === 'single_pass') return { strategy: 'single_pass' };
    return executionSchema.parse({
      strategy: 'iterative',
      maxIterations: execution.max_iterations,
      rollbackOnRegression: execution.rollback_on_regression ?? execution.rollback_on_failure,
      keepOnEqual: execution.keep_on_equal,
      stopAfterNoImprovement: execution.stop_after_no_improvement,
    });
  }
  if (raw.execution_mode === 'experiment' && raw.experiment !== undefined) {
    return executionSchema.parse({
      strategy: 'iterative',
      maxIterations: raw.experiment.max_iterations,
      rollbackOnRegression: raw.experiment.rollback_on_regression,
      keepOnEqual: raw.experiment.keep_on_equal,
      stopAfterNoImprovement: raw.experiment.no_improvement_threshold,
    });
  }
  return { strategy: 'single_pass' };
}

function toTaskInput(raw: PlanTask): TaskInput {
  const verification = raw.verification ?? {};
  const env = Object.fromEntries(
    Object.entries(verification.validate_environment ?? {}).map(([key, value]) => [key, String(value)]),
  );
  const legacyMetric =
    raw.completion === undefined && raw.execution_mode === 'experiment'
      ? raw.experiment?.goal_metric
      : undefined;
  const metric = legacyMetric === undefined ? raw.completion : { ...legacyMetric, kind: 'numeric' as const };
  const notes = [
    ...(typeof raw.notes === 'string' ? [raw.notes] : (raw.notes ?? [])),
    ...noteTexts(raw.implementation_notes),
  ];
  return {
    id: String(raw.id),
    title: raw.title,
    description: raw.description ?? '',
    ...(raw.epic === undefined ? {} : { epic: String(raw.epic) }),
    priority: typeof raw.priority === 'string' ? PRIORITY_WORDS[raw.priority] : (raw.priority ?? 0),
    steps: raw.steps ?? [],
    dependsOn: [...new Set([...(raw.depends_on ?? []), ...(raw.dependencies ?? [])].map(String))],
    docs: raw.docs ?? [],
    ...statusOf(raw),
    verification: {
      pathPatterns: verification.path_patterns ?? [],
      commands: verification.validate_commands ?? [],
      ...(verification.validate_timeout_seconds === undefined
        ? {}
        : { timeoutSeconds: verification.validate_timeout_seconds }),
      ...(verification.validate_working_directory === undefined
        ? {}
        : { cwd: verification.validate_working_directory }),
      env,
    },
    completion: toCompletion(metric),
    execution: toExecution(raw),
    notes: notes.filter((note) => note.trim() !== '').join('\n'),
    learning: [...(raw.learning ?? []), ...noteTexts(raw.learning_notes)],
    ...(nonBlank(raw.backend) === undefined ? {} : { backend: raw.backend?.trim() }),
    ...(nonBlank(raw.model) === undefined ? {} : { model: raw.model?.trim() }),
  };
}

/** The queue as a plan file (`task export`); `parsePlanFile` reads it back to the same tasks. */
export function toPlanFile(
  state: Pick<State, 'project' | 'epics' | 'tasks' | 'plan'> & {
    readonly learning?: readonly LearningEntry[];
  },
): PlanFile {
  const journal = state.learning ?? [];
  return {
    project: state.project,
    ...(state.plan === undefined ? {} : { source: state.plan.source }),
    ...(state.epics.length === 0 ? {} : { epics: state.epics.map((epic) => ({ ...epic })) }),
    ...(journal.length === 0
      ? {}
      : {
          learning_journal: journal.map((entry) => ({
            ...(entry.taskId === undefined ? {} : { task_id: entry.taskId }),
            summary: entry.text,
            at: entry.at,
          })),
        }),
    tasks: state.tasks.map(toPlanTask),
  };
}

/** `toPlanFile` as the text of a file: two-space JSON with a final newline. */
export function formatPlanFile(state: Pick<State, 'project' | 'epics' | 'tasks' | 'plan'>): string {
  return `${JSON.stringify(toPlanFile(state), null, 2)}\n`;
}

function toPlanTask(task: Task): PlanFile['tasks'][number] {
  // An attempt in flight is not part of the plan: it exports (and re-imports) as pending.
  const status = task.status === 'running' || task.status === 'verifying' ? 'pending' : task.status;
  const { verification, completion, execution } = task;
  return {
    id: task.id,
    title: task.title,
    description: task.description,
    ...(task.epic === undefined ? {} : { epic: task.epic }),
    ...(task.priority === 0 ? {} : { priority: task.priority }),
    ...(task.dependsOn.length === 0 ? {} : { depends_on: [...task.dependsOn] }),
    steps: [...task.steps],
    ...(task.docs.length === 0 ? {} : { docs: [...task.docs] }),
    verification: {
      ...(verification.pathPatterns.length === 0 ? {} : { path_patterns: [...verification.pathPatterns] }),
      validate_commands: [...verification.commands],
      ...(verification.timeoutSeconds === undefined
        ? {}
        : { validate_timeout_seconds: verification.timeoutSeconds }),
      ...(verification.cwd === undefined ? {} : { validate_working_directory: verification.cwd }),
      ...(Object.keys(verification.env).length === 0
        ? {}
        : { validate_environment: { ...verification.env } }),
    },
    ...(completion.kind === 'boolean'
      ? {}
      : {
          completion: {
            kind: 'numeric',
            source: completion.source,
            json_path: completion.jsonPath,
            direction: completion.direction,
            min_improvement: completion.minImprovement,
            ...(completion.target === undefined ? {} : { target: completion.target }),
          },
        }),
    ...(execution.strategy === 'single_pass'
      ? {}
      : {
          execution: {
            strategy: 'iterative',
            max_iterations: execution.maxIterations,
            rollback_on_regression: execution.rollbackOnRegression,
            keep_on_equal: execution.keepOnEqual,
            stop_after_no_improvement: execution.stopAfterNoImprovement,
          },
        }),
    // Both forms, so autodev can read an export too; `status` wins when nightshift reads it back.
    status,
    passes: status === 'done',
    blocked: status === 'blocked',
    ...(status === 'blocked' && task.blockReason !== undefined ? { block_reason: task.blockReason } : {}),
    ...(task.notes === '' ? {} : { notes: task.notes }),
    ...(task.learning.length === 0 ? {} : { learning: [...task.learning] }),
    ...(task.backend === undefined ? {} : { backend: task.backend }),
    ...(task.model === undefined ? {} : { model: task.model }),
  };
}
