/**
 * The dependency graph of the queue: cycles, topological order, the ready set, critical paths, and
 * the tasks that can never run. Edges point from a task to what it depends on (`a.dependsOn` holds
 * `b` means "a depends on b": b must be done before a starts).
 *
 * Priority convention (used everywhere in nightshift): a HIGHER number is MORE urgent and runs
 * first; the default is 0, so `priority: -1` means "later" and `priority: 5` means "sooner". Plan
 * files may also say critical/high/medium/low (see plan-file.ts), which map to 2/1/0/-1.
 *
 * Ids named in `dependsOn` that are not in the given list are ignored by the ordering functions (the
 * audit reports them); a task waiting on one is never ready and shows in `unrunnableTasks`.
 */
import { UserError } from '../errors.js';
import type { TaskStatus } from './model.js';

/** The slice of a task the graph needs; both `Task` and `TaskInput` fit. */
export interface GraphTask {
  readonly id: string;
  readonly dependsOn?: readonly string[] | undefined;
  readonly status?: TaskStatus | undefined;
  readonly priority?: number | undefined;
  /** Verified work waiting to land: not ready for an agent, though pending. */
  readonly landing?: unknown;
}

/** Weight of one task for critical paths, e.g. its estimated minutes; the default is 1. */
export type TaskWeight<T extends GraphTask> = (task: T) => number;

/**
 * Id order by code unit, not localeCompare: the same on every machine and locale, and an order of
 * magnitude faster in the scheduler's hot path.
 */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const statusOf = (task: GraphTask): TaskStatus => task.status ?? 'pending';
const priorityOf = (task: GraphTask): number => task.priority ?? 0;

/** Unique dependency ids of a task, in the order written. */
function depsOf(task: GraphTask): string[] {
  return [...new Set(task.dependsOn ?? [])];
}

/** id → task; with duplicate ids the first wins (the audit reports duplicates). */
function indexById<T extends GraphTask>(tasks: readonly T[]): Map<string, T> {
  const byId = new Map<string, T>();
  for (const task of tasks) if (!byId.has(task.id)) byId.set(task.id, task);
  return byId;
}

/** id → ids of the tasks that depend on it directly (only ids present in the list). */
function dependentsIndex(tasks: readonly GraphTask[]): Map<string, string[]> {
  const byId = indexById(tasks);
  const index = new Map<string, string[]>();
  for (const task of byId.values()) index.set(task.id, []);
  for (const task of byId.values()) {
    for (const dep of depsOf(task)) index.get(dep)?.push(task.id);
  }
  return index;
}

/** `a → b → c → a`: how every message prints a cycle. */
export function formatCycle(cycle: readonly string[]): string {
  return [...cycle, cycle[0] ?? ''].join(' → ');
}

/**
 * Every dependency cycle, one per strongly connected component, each as ids in dependency order
 * (`[a, b]` means a depends on b and b on a) starting at the component's smallest id. Iterative
 * Tarjan, so a 10,000-task chain does not overflow the stack.
 */
export function findCycles(tasks: readonly GraphTask[]): string[][] {
  const byId = indexById(tasks);
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const root of byId.keys()) {
    if (order.has(root)) continue;
    const frames: { id: string; deps: string[]; next: number }[] = [];
    const enter = (id: string): void => {
      order.set(id, counter);
      low.set(id, counter);
      counter++;
      stack.push(id);
      onStack.add(id);
      const deps = depsOf(byId.get(id) ?? { id }).filter((dep) => byId.has(dep));
      frames.push({ id, deps, next: 0 });
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame === undefined) break;
      const dep = frame.deps[frame.next];
      if (dep !== undefined) {
        frame.next++;
        if (!order.has(dep)) enter(dep);
        else if (onStack.has(dep)) low.set(frame.id, Math.min(low.get(frame.id) ?? 0, order.get(dep) ?? 0));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) low.set(parent.id, Math.min(low.get(parent.id) ?? 0, low.get(frame.id) ?? 0));
      if (low.get(frame.id) === order.get(frame.id)) {
        const component: string[] = [];
        for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
          onStack.delete(id);
          component.push(id);
          if (id === frame.id) break;
        }
        components.push(component);
      }
    }
  }

  const cycles: string[][] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = [...component].sort()[0];
    if (start === undefined) continue;
    const selfLoop = depsOf(byId.get(start) ?? { id: start }).includes(start);
    if (component.length === 1 && !selfLoop) continue;
    cycles.push(shortestCycleThrough(start, members, byId));
  }
  return cycles.sort((a, b) => compareIds(a[0] ?? '', b[0] ?? ''));
}

/** Breadth-first search from `start` back to itself inside one component: the shortest cycle. */
function shortestCycleThrough(start: string, members: Set<string>, byId: Map<string, GraphTask>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head] ?? start;
    for (const dep of depsOf(byId.get(id) ?? { id })) {
      if (!members.has(dep)) continue;
      if (dep === start) {
        const path = [id];
        for (let at = id; at !== start;) {
          at = cameFrom.get(at) ?? start;
          path.push(at);
        }
        return path.reverse();
      }
      if (!cameFrom.has(dep)) {
        cameFrom.set(dep, id);
        queue.push(dep);
      }
    }
  }
  return [start];
}

/** One dependency cycle as ids (see `findCycles`), or null when the graph is acyclic. */
export function findCycle(tasks: readonly GraphTask[]): string[] | null {
  return findCycles(tasks)[0] ?? null;
}

/** Sorts a copy by priority (higher first), then id, the tie-break every ordering here shares. */
function byPriorityThenId<T extends GraphTask>(a: T, b: T): number {
  return priorityOf(b) - priorityOf(a) || compareIds(a.id, b.id);
}

/** A binary heap: the free set of a 2,000-task queue would cost a quadratic scan otherwise. */
class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly compare: (a: T, b: T) => number) {}

  push(item: T): void {
    const items = this.items;
    items.push(item);
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (this.compare(items[i] as T, items[parent] as T) >= 0) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && this.compare(items[left] as T, items[smallest] as T) < 0) smallest = left;
      if (right < items.length && this.compare(items[right] as T, items[smallest] as T) < 0) smallest = right;
      if (smallest === i) break;
      [items[i], items[smallest]] = [items[smallest] as T, items[i] as T];
      i = smallest;
    }
    return top;
  }
}

/**
 * Every task after all of its dependencies. Among tasks free to go at the same point, higher
 * priority first, then id, so the order is stable across runs. Throws a UserError naming a cycle.
 */
export function topologicalOrder<T extends GraphTask>(tasks: readonly T[]): T[] {
  const byId = indexById(tasks);
  const dependents = dependentsIndex(tasks);
  const waiting = new Map<string, number>();
  for (const task of byId.values()) waiting.set(task.id, depsOf(task).filter((dep) => byId.has(dep)).length);
  const free = new MinHeap<T>(byPriorityThenId);
  for (const task of byId.values()) if (waiting.get(task.id) === 0) free.push(task);
  const order: T[] = [];
  for (let task = free.pop(); task !== undefined; task = free.pop()) {
    order.push(task);
    for (const dependentId of dependents.get(task.id) ?? []) {
      const left = (waiting.get(dependentId) ?? 0) - 1;
      waiting.set(dependentId, left);
      const dependent = byId.get(dependentId);
      if (left === 0 && dependent !== undefined) free.push(dependent);
    }
  }
  if (order.length < byId.size) {
    const cycle = findCycle(tasks) ?? [];
    throw new UserError(`dependency cycle: ${formatCycle(cycle)}`, {
      hint: `remove one of these dependencies, e.g. nightshift task dep rm ${cycle[0] ?? ''} ${cycle[1] ?? cycle[0] ?? ''}`,
    });
  }
  return order;
}

/**
 * For every task, the length of the longest chain of not-done work that starts at it and runs
 * through the tasks waiting on it: its own weight (0 when done, else `weight(task)`, default 1)
 * plus the longest such chain among its dependents. Scheduling long chains first shortens the run
 * (DESIGN.md §6). Edges inside a cycle are ignored rather than looping.
 */
export function criticalPathLength<T extends GraphTask>(
  tasks: readonly T[],
  weight?: TaskWeight<T>,
): Map<string, number> {
  const byId = indexById(tasks);
  const dependents = dependentsIndex(tasks);
  const lengths = new Map<string, number>();
  const visiting = new Set<string>();
  const own = (task: T): number => (statusOf(task) === 'done' ? 0 : (weight?.(task) ?? 1));

  for (const root of byId.keys()) {
    if (lengths.has(root)) continue;
    // Iterative post-order walk: a node's length is known once all its dependents' are.
    const frames: { id: string; next: number; longest: number }[] = [{ id: root, next: 0, longest: 0 }];
    visiting.add(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame === undefined) break;
      const children = dependents.get(frame.id) ?? [];
      const child = children[frame.next];
      if (child !== undefined) {
        frame.next++;
        const known = lengths.get(child);
        if (known !== undefined) frame.longest = Math.max(frame.longest, known);
        else if (!visiting.has(child)) {
          visiting.add(child);
          frames.push({ id: child, next: 0, longest: 0 });
        }
        continue;
      }
      frames.pop();
      visiting.delete(frame.id);
      const task = byId.get(frame.id);
      const length = (task === undefined ? 0 : own(task)) + frame.longest;
      lengths.set(frame.id, length);
      const parent = frames[frames.length - 1];
      if (parent !== undefined) parent.longest = Math.max(parent.longest, length);
    }
  }
  return lengths;
}

/**
 * Pending tasks whose dependencies are all done, best first: higher priority, then longer critical
 * path, then id. This is the order in which the scheduler hands tasks to free agents.
 */
export function readyTasks<T extends GraphTask>(tasks: readonly T[], weight?: TaskWeight<T>): T[] {
  const byId = indexById(tasks);
  const ready = [...byId.values()].filter(
    (task) =>
      statusOf(task) === 'pending' &&
      task.landing === undefined &&
      depsOf(task).every((dep) => byId.get(dep)?.status === 'done'),
  );
  const paths = criticalPathLength(tasks, weight);
  return ready.sort(
    (a, b) =>
      priorityOf(b) - priorityOf(a) ||
      (paths.get(b.id) ?? 0) - (paths.get(a.id) ?? 0) ||
      compareIds(a.id, b.id),
  );
}

/**
 * The tasks that depend on `id`: directly, or with `transitive` also through other tasks.
 * In the order of the given list.
 */
export function dependents<T extends GraphTask>(
  tasks: readonly T[],
  id: string,
  options: { transitive?: boolean } = {},
): T[] {
  const index = dependentsIndex(tasks);
  const found = new Set<string>();
  const queue = [...(index.get(id) ?? [])];
  for (let head = 0; head < queue.length; head++) {
    const next = queue[head];
    if (next === undefined || found.has(next)) continue;
    found.add(next);
    if (options.transitive === true) queue.push(...(index.get(next) ?? []));
  }
  found.delete(id);
  return tasks.filter((task) => found.has(task.id));
}

/**
 * Pending tasks that can never run, with the reason: a dependency is blocked or unknown, the task
 * sits in a dependency cycle, or it waits (at any depth) on another task that can never run.
 * The engine ends a run when nothing is running and nothing else is ready.
 */
export function unrunnableTasks(tasks: readonly GraphTask[]): Map<string, string> {
  const byId = indexById(tasks);
  const reasons = new Map<string, string>();
  const pending = (id: string): boolean => {
    const task = byId.get(id);
    return task !== undefined && statusOf(task) === 'pending';
  };
  for (const task of byId.values()) {
    if (!pending(task.id)) continue;
    for (const dep of depsOf(task)) {
      const target = byId.get(dep);
      if (target === undefined) reasons.set(task.id, `depends on unknown task "${dep}"`);
      else if (statusOf(target) === 'blocked') reasons.set(task.id, `depends on blocked task "${dep}"`);
      if (reasons.has(task.id)) break;
    }
  }
  for (const cycle of findCycles(tasks)) {
    for (const id of cycle) {
      if (pending(id) && !reasons.has(id)) reasons.set(id, `in a dependency cycle: ${formatCycle(cycle)}`);
    }
  }
  const dependentsOf = dependentsIndex(tasks);
  const queue = [...reasons.keys()];
  for (let head = 0; head < queue.length; head++) {
    const stuck = queue[head] ?? '';
    for (const dependent of dependentsOf.get(stuck) ?? []) {
      if (!pending(dependent) || reasons.has(dependent)) continue;
      reasons.set(dependent, `depends on "${stuck}", which can never run`);
      queue.push(dependent);
    }
  }
  return reasons;
}
