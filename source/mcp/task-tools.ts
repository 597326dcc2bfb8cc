/**
 * What each tool of the task tool server does, apart from the MCP plumbing (server.ts): reading the
 * current task and the queue, adding a follow-up task or a dependency (audited like `task add`,
 * cycles refused), and leaving a learning note. Answers are JSON text an agent can read; refusals
 * are tool errors whose text names the task and the field (the audit's own words).
 */
import { errorMessage, UserError } from '../errors.js';
import type { Task, TaskInput, TaskStatus } from '../tasks/model.js';
import type { TaskSource } from './task-source.js';
import { slugifyTitle, uniqueTaskId } from '../tasks/task-id.js';

/** A tool's answer: text for the agent, and whether it is an error. */
export interface ToolAnswer {
  readonly text: string;
  readonly isError: boolean;
}

/** Who is calling: the task and attempt of the agent the server was started for. */
export interface ToolCaller {
  /** NIGHTSHIFT_TASK_ID; absent for a planner or a person running the server by hand. */
  readonly taskId?: string;
  readonly attempt?: string;
}

/** Arguments of `add_task` (snake_case, as agents see them). */
export interface AddTaskArgs {
  readonly title: string;
  readonly description?: string;
  readonly steps?: readonly string[];
  readonly verify?: readonly string[];
  readonly path_patterns?: readonly string[];
  readonly depends_on?: readonly string[];
  readonly priority?: number;
  readonly id?: string;
}

/** Attempts shown by `current_task` (the newest). */
const ATTEMPTS_SHOWN = 5;

/** Runs a tool body, turning a refusal into a tool error with nightshift's message and hint. */
export async function answer(body: () => Promise<unknown>): Promise<ToolAnswer> {
  try {
    const value = await body();
    return { text: typeof value === 'string' ? value : JSON.stringify(value, null, 2), isError: false };
  } catch (error) {
    const hint = error instanceof UserError && error.hint ? `\n${error.hint}` : '';
    return { text: `${errorMessage(error)}${hint}`, isError: true };
  }
}

/** `current_task`: the caller's task (or `taskId`) with what an agent needs to work on it. */
export async function currentTask(source: TaskSource, caller: ToolCaller, taskId?: string): Promise<unknown> {
  const id = taskId ?? caller.taskId;
  if (id === undefined || id === '') {
    throw new UserError(
      'no current task: this server was not started for a task (NIGHTSHIFT_TASK_ID is not set); pass task_id',
    );
  }
  const task = findIn(await source.tasks(), id);
  return {
    id: task.id,
    title: task.title,
    status: task.status,
    description: task.description,
    steps: task.steps,
    depends_on: task.dependsOn,
    verification: { commands: task.verification.commands, path_patterns: task.verification.pathPatterns },
    notes: task.notes,
    attempts: task.attempts.slice(-ATTEMPTS_SHOWN).map((attempt) => ({
      n: attempt.n,
      outcome: attempt.outcome,
      summary: attempt.summary,
      ...(attempt.reflection !== undefined && { reflection: attempt.reflection }),
      ...(attempt.quality !== undefined && { quality: attempt.quality.score }),
    })),
    learning: task.learning,
    ...(caller.attempt !== undefined && id === caller.taskId && { this_attempt: Number(caller.attempt) }),
  };
}

/** `list_tasks`: id, title, status and dependencies of every task (optionally one status). */
export async function listTasks(source: TaskSource, status?: TaskStatus): Promise<unknown> {
  const tasks = await source.tasks();
  return tasks
    .filter((task) => status === undefined || task.status === status)
    .map((task) => ({
      id: task.id,
      title: task.title,
      status: task.status,
      depends_on: task.dependsOn,
      priority: task.priority,
    }));
}

/** `add_task`: a follow-up task, audited before it enters the queue; resolves to its id. */
export async function addTask(source: TaskSource, caller: ToolCaller, args: AddTaskArgs): Promise<unknown> {
  const tasks = await source.tasks();
  const id =
    args.id ??
    uniqueTaskId(
      slugifyTitle(args.title),
      tasks.map((task) => task.id),
    );
  const input: TaskInput = {
    id,
    title: args.title,
    description: args.description ?? '',
    steps: [...(args.steps ?? [])],
    dependsOn: [...(args.depends_on ?? [])],
    priority: args.priority ?? 0,
    verification: {
      commands: [...(args.verify ?? [])],
      pathPatterns: [...(args.path_patterns ?? [])],
      env: {},
    },
    // Where a task came from matters when a person reads the queue later.
    notes: caller.taskId
      ? `added by the agent working on ${caller.taskId}${caller.attempt ? ` (attempt ${caller.attempt})` : ''}`
      : 'added through the task tool server',
  };
  const summary = await source.write({ op: 'add', tasks: [input] });
  return { added: id, summary };
}

/** `add_dependency`: `taskId` waits for `dependsOn`; a cycle is refused with the cycle named. */
export async function addDependency(source: TaskSource, taskId: string, dependsOn: string): Promise<unknown> {
  return { summary: await source.write({ op: 'dep-add', taskId, dependsOn }) };
}

/** `add_learning`: a note in the task's learning (the caller's by default) and the project journal. */
export async function addLearning(
  source: TaskSource,
  caller: ToolCaller,
  text: string,
  taskId?: string,
): Promise<unknown> {
  const id = taskId ?? (caller.taskId || undefined);
  return { summary: await source.write({ op: 'learn', text, ...(id !== undefined && { taskId: id }) }) };
}

function findIn(tasks: readonly Task[], id: string): Task {
  const task = tasks.find((candidate) => candidate.id === id);
  if (!task) throw new UserError(`no task "${id}"; list_tasks shows the ids`);
  return task;
}
