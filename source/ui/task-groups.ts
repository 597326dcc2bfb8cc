/**
 * How the board sees the queue: tasks grouped by status in the order a person scans them
 * (running first, done last), dependency marks, the filter, and the levels of the dependency graph.
 * Pure functions over Task, so the panes stay dumb and these stay testable.
 */
import type { Task } from '../tasks/model.js';

/** The task pane's groups, top to bottom. */
export type TaskGroupName = 'running' | 'pending' | 'blocked' | 'done';

/** One group with its tasks in display order. */
export interface TaskGroup {
  readonly name: TaskGroupName;
  readonly tasks: readonly Task[];
}

const GROUP_OF: Readonly<Record<Task['status'], TaskGroupName>> = {
  running: 'running',
  verifying: 'running',
  pending: 'pending',
  blocked: 'blocked',
  done: 'done',
};

const GROUP_ORDER: readonly TaskGroupName[] = ['running', 'pending', 'blocked', 'done'];

/** Ids of the dependencies of `task` that are not done yet (missing ones count as not done). */
export function openDependencies(task: Task, byId: ReadonlyMap<string, Task>): string[] {
  return task.dependsOn.filter((id) => byId.get(id)?.status !== 'done');
}

/** True when `task` matches the filter text (id, title, status or epic; case-insensitive). */
export function matchesFilter(task: Task, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle.length === 0) return true;
  return [task.id, task.title, task.status, task.epic ?? ''].some((field) =>
    field.toLowerCase().includes(needle),
  );
}

/**
 * Groups tasks for the task pane. Pending tasks that are ready come before those waiting on
 * dependencies; inside that, higher priority first, then queue order.
 */
export function groupTasks(tasks: readonly Task[], filter: string): TaskGroup[] {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const buckets = new Map<TaskGroupName, Task[]>(GROUP_ORDER.map((name) => [name, []]));
  for (const task of tasks) if (matchesFilter(task, filter)) buckets.get(GROUP_OF[task.status])?.push(task);
  const pending = buckets.get('pending') ?? [];
  const order = new Map(tasks.map((task, index) => [task.id, index]));
  pending.sort((a, b) => {
    const waitA = openDependencies(a, byId).length > 0 ? 1 : 0;
    const waitB = openDependencies(b, byId).length > 0 ? 1 : 0;
    return waitA - waitB || b.priority - a.priority || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0);
  });
  return GROUP_ORDER.map((name) => ({ name, tasks: buckets.get(name) ?? [] }));
}

/** The ids of the grouped tasks in display order (what j/k walks through). */
export function taskOrder(groups: readonly TaskGroup[]): string[] {
  return groups.flatMap((group) => group.tasks.map((task) => task.id));
}

/**
 * Levels of the dependency graph: level 0 has no dependencies, level n depends on level n-1 at
 * most. Tasks in a cycle or depending on missing tasks land in a last "unresolved" level.
 */
export function graphLevels(tasks: readonly Task[]): { levels: Task[][]; unresolved: Task[] } {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const level = new Map<string, number>();
  let changed = true;
  // Relaxation over at most |tasks| rounds: simple, cycle-safe, and queues are small (hundreds).
  for (let round = 0; changed && round <= tasks.length; round += 1) {
    changed = false;
    for (const task of tasks) {
      if (level.has(task.id)) continue;
      const deps = task.dependsOn.map((id) => (byId.has(id) ? level.get(id) : -2));
      if (deps.some((value) => value === undefined || value === -2)) continue;
      level.set(task.id, deps.length === 0 ? 0 : Math.max(...(deps as number[])) + 1);
      changed = true;
    }
  }
  const levels: Task[][] = [];
  const unresolved: Task[] = [];
  for (const task of tasks) {
    const value = level.get(task.id);
    if (value === undefined) unresolved.push(task);
    else (levels[value] ??= []).push(task);
  }
  return { levels, unresolved };
}

/** Milliseconds a task took, from its first attempt's start to its passing attempt's end. */
function taskDuration(task: Task): number | undefined {
  const first = task.attempts[0];
  const passed = [...task.attempts].reverse().find((attempt) => attempt.outcome === 'passed');
  if (!first || !passed?.endedAt) return undefined;
  const ms = Date.parse(passed.endedAt) - Date.parse(first.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Progress figures for the header. */
export interface QueueProgress {
  readonly total: number;
  readonly done: number;
  readonly blocked: number;
  readonly running: number;
  /** Estimated milliseconds left, from the average duration of done tasks; undefined when unknown. */
  readonly etaMs: number | undefined;
}

/** Counts and the ETA: remaining tasks × average task duration ÷ parallel agents. */
export function queueProgress(tasks: readonly Task[], parallel: number): QueueProgress {
  const durations = tasks.map(taskDuration).filter((ms): ms is number => ms !== undefined);
  const done = tasks.filter((task) => task.status === 'done').length;
  const blocked = tasks.filter((task) => task.status === 'blocked').length;
  const running = tasks.filter((task) => task.status === 'running' || task.status === 'verifying').length;
  const remaining = tasks.length - done - blocked;
  const average =
    durations.length > 0 ? durations.reduce((sum, ms) => sum + ms, 0) / durations.length : undefined;
  const etaMs = average === undefined ? undefined : (remaining * average) / Math.max(1, parallel);
  return { total: tasks.length, done, blocked, running, etaMs };
}
