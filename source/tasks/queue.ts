/**
 * Operations on the queue, used by the CLI (without an engine, under the lock) and by the engine
 * itself. Each one edits the `State` it is given in place (a draft: lowdb's `db.data`, or a copy the
 * caller commits), validates everything before the first change so a failure leaves the state
 * untouched, and throws a UserError that names the task and what to do.
 */
import { UserError } from '../errors.js';
import type { State } from '../store/schema.js';
import { auditTasks, formatAuditIssues, hasAuditErrors } from './audit.js';
import type { AuditIssue } from './audit.js';
import { findCycle, formatCycle, readyTasks } from './graph.js';
import { taskSchema } from './model.js';
import type { Task, TaskInput } from './model.js';
import { didYouMean } from './suggest.js';
import { moveTask } from './lifecycle.js';

/** The current time as an ISO string; injectable so tests get fixed timestamps. */
export type Clock = () => string;

/** The wall clock. */
export const systemClock: Clock = () => new Date().toISOString();

/** How `addTasks` treats tasks already in the queue. */
export interface AddTasksOptions {
  /**
   * An incoming task whose id is in the queue replaces it (its attempts, learning, creation time
   * and, unless the input sets one, its status are kept) instead of being an error.
   */
  readonly replace?: boolean;
  /** With `replace`: tasks not among the inputs leave the queue (`import --replace`, re-plan). */
  readonly prune?: boolean;
  /** Let a replacement drop verification commands or path patterns (reported as warnings). */
  readonly allowWeakerVerification?: boolean;
  readonly now?: Clock;
}

/** What `addTasks` did. */
export interface AddTasksResult {
  readonly added: string[];
  readonly replaced: string[];
  readonly removed: string[];
  /** Audit warnings: the tasks went in, but the user should hear about these. */
  readonly warnings: AuditIssue[];
}

/**
 * Audits the inputs and puts them in the queue, all or nothing: any audit error throws a UserError
 * listing every issue and the state is left as it was.
 */
export function addTasks(
  state: State,
  inputs: readonly TaskInput[],
  options: AddTasksOptions = {},
): AddTasksResult {
  const replace = options.replace === true || options.prune === true;
  const inputIds = new Set(inputs.map((input) => input.id));
  const leaving = options.prune === true ? state.tasks.filter((task) => !inputIds.has(task.id)) : [];
  const busy = leaving.filter((task) => task.status === 'running' || task.status === 'verifying');
  if (busy.length > 0) {
    const ids = busy.map((task) => `"${task.id}"`).join(', ');
    throw new UserError(`cannot replace the queue while task ${ids} is running`, {
      hint: 'stop the run first: nightshift stop',
    });
  }
  // With prune the queue becomes exactly the inputs, so only same-id tasks matter to the audit.
  const against = options.prune === true ? state.tasks.filter((task) => inputIds.has(task.id)) : state.tasks;
  const issues = auditTasks(inputs, against, {
    replace,
    allowWeakerVerification: options.allowWeakerVerification === true,
  });
  if (hasAuditErrors(issues)) {
    const errors = issues.filter((issue) => issue.severity === 'error');
    throw new UserError(
      `the tasks do not pass the audit (${errors.length} error${errors.length === 1 ? '' : 's'}):\n` +
        formatAuditIssues(issues)
          .map((line) => `  ${line}`)
          .join('\n'),
      { hint: 'fix the tasks and try again; nothing was added' },
    );
  }

  const now = (options.now ?? systemClock)();
  const previousById = new Map(state.tasks.map((task) => [task.id, task]));
  const built = inputs.map((input) => {
    const previous = previousById.get(input.id);
    const parsed = taskSchema.safeParse({
      ...input,
      status: input.status ?? previous?.status,
      blockReason: input.blockReason ?? (input.status === undefined ? previous?.blockReason : undefined),
      attempts: input.attempts ?? previous?.attempts,
      learning: input.learning ?? previous?.learning,
      bestMetric: input.bestMetric ?? previous?.bestMetric,
      createdAt: previous?.createdAt ?? input.createdAt ?? now,
      updatedAt: now,
    });
    // The audit checks meaning; this catches shapes it does not look at (a string where a list goes).
    if (!parsed.success) {
      const lines = parsed.error.issues.map(
        (issue) => `  task "${input.id}" field ${issue.path.map(String).join('.')}: ${issue.message}`,
      );
      throw new UserError(`the tasks do not fit the task model:\n${lines.join('\n')}`, {
        hint: 'fix the tasks and try again; nothing was added',
      });
    }
    return { task: parsed.data, replacing: previous !== undefined };
  });

  const builtById = new Map(built.map(({ task }) => [task.id, task]));
  const kept = state.tasks
    .filter((task) => !leaving.includes(task))
    .map((task) => builtById.get(task.id) ?? task);
  const fresh = built.filter(({ replacing }) => !replacing).map(({ task }) => task);
  state.tasks = [...kept, ...fresh];
  return {
    added: fresh.map((task) => task.id),
    replaced: built.filter(({ replacing }) => replacing).map(({ task }) => task.id),
    removed: leaving.map((task) => task.id),
    warnings: issues,
  };
}

/** The task with this id, or a UserError that suggests the closest id. */
export function findTask(state: State, id: string): Task {
  const task = state.tasks.find((candidate) => candidate.id === id);
  if (task === undefined) {
    const suggestion = didYouMean(
      id,
      state.tasks.map((candidate) => candidate.id),
    );
    throw new UserError(`no task "${id}"${suggestion}; run nightshift task list`);
  }
  return task;
}

function refuseIfActive(task: Task, action: string): void {
  if (task.status === 'running' || task.status === 'verifying') {
    throw new UserError(`cannot ${action} task "${task.id}" while it is ${task.status}`, {
      hint: `stop its agent first (x on the board, or nightshift stop)`,
    });
  }
}

/**
 * Puts tasks back to pending (all tasks that are not running when `ids` is omitted). Attempts and
 * learning are kept: they are the history the next prompt learns from. Returns the ids reset.
 */
export function resetTasks(state: State, ids?: readonly string[], now: Clock = systemClock): string[] {
  const targets =
    ids === undefined
      ? state.tasks.filter((task) => task.status !== 'running' && task.status !== 'verifying')
      : ids.map((id) => findTask(state, id));
  for (const task of targets) refuseIfActive(task, 'reset');
  return backToPending(targets, now());
}

/**
 * Gives blocked tasks another go: back to pending, history kept, block reason cleared. Without
 * `ids`, every blocked task; a named task that is not blocked is an error. Returns the ids retried.
 */
export function retryTasks(state: State, ids?: readonly string[], now: Clock = systemClock): string[] {
  const targets =
    ids === undefined
      ? state.tasks.filter((task) => task.status === 'blocked')
      : ids.map((id) => findTask(state, id));
  for (const task of targets) {
    if (task.status !== 'blocked') {
      throw new UserError(
        `task "${task.id}" is ${task.status}, not blocked; only blocked tasks can be retried`,
        {
          hint:
            task.status === 'done' ? `to run it again: nightshift task reset --ids ${task.id}` : undefined,
        },
      );
    }
  }
  return backToPending(targets, now());
}

/**
 * Marks a task blocked with a reason, so the run goes on without it. A running task may be blocked
 * (the engine stops its agent first); a done one must be reset instead.
 */
export function blockTask(state: State, id: string, reason: string, now: Clock = systemClock): Task {
  const task = findTask(state, id);
  if (reason.trim() === '')
    throw new UserError(`blocking task "${id}" needs a reason`, { hint: 'nightshift task block ID "why"' });
  if (task.status === 'done') {
    throw new UserError(`task "${id}" is done; reset it before blocking it`, {
      hint: `nightshift task reset --ids ${id}`,
    });
  }
  moveTask(task, 'blocked', { blockReason: reason.trim(), at: now() });
  return task;
}

/** Makes task `a` depend on task `b` (b must be done before a starts). */
export function addDependency(state: State, a: string, b: string, now: Clock = systemClock): Task {
  const task = findTask(state, a);
  findTask(state, b);
  if (a === b) throw new UserError(`task "${a}" cannot depend on itself`);
  if (task.dependsOn.includes(b)) throw new UserError(`task "${a}" already depends on "${b}"`);
  const cycle = findCycle(
    state.tasks.map((candidate) =>
      candidate.id === a ? { ...candidate, dependsOn: [...candidate.dependsOn, b] } : candidate,
    ),
  );
  if (cycle !== null) {
    throw new UserError(
      `making "${a}" depend on "${b}" would close a dependency cycle: ${formatCycle(cycle)}`,
    );
  }
  task.dependsOn.push(b);
  task.updatedAt = now();
  return task;
}

/** Removes the dependency of task `a` on task `b`. */
export function removeDependency(state: State, a: string, b: string, now: Clock = systemClock): Task {
  const task = findTask(state, a);
  if (!task.dependsOn.includes(b)) {
    const list = task.dependsOn.length === 0 ? 'nothing' : task.dependsOn.map((dep) => `"${dep}"`).join(', ');
    throw new UserError(`task "${a}" does not depend on "${b}"; it depends on ${list}`);
  }
  task.dependsOn = task.dependsOn.filter((dep) => dep !== b);
  task.updatedAt = now();
  return task;
}

/** The task a free agent should take next (see `readyTasks` for the order), if any. */
export function nextTask(state: State): Task | undefined {
  return readyTasks(state.tasks)[0];
}

/** Puts tasks back to pending (history kept, block reason cleared) and returns their ids. */
function backToPending(targets: readonly Task[], at: string): string[] {
  for (const task of targets) moveTask(task, 'pending', { at });
  return targets.map((task) => task.id);
}
