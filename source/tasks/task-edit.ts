/**
 * Editing and removing queued tasks (`task edit`, `task rm`). An edit goes through the same audit as
 * any task entering the queue (an edited task is a replacement of itself), so it can never weaken the
 * verification unless the user says so (`--force`); a removal refuses to leave dangling dependencies.
 */
import { UserError } from '../errors.js';
import type { State } from '../store/schema.js';
import type { Task, TaskInput } from './model.js';
import { addTasks, findTask, systemClock, type AddTasksResult, type Clock } from './queue.js';

/** The fields a person may change; identity, status and history stay as they are. */
export const EDITABLE_FIELDS = [
  'title',
  'description',
  'epic',
  'priority',
  'steps',
  'dependsOn',
  'docs',
  'verification',
  'completion',
  'execution',
  'notes',
  'backend',
  'model',
] as const;

/** Changes to a task, in the task model's names; `null` clears an optional field (epic, backend, model). */
export type TaskChanges = {
  readonly [K in (typeof EDITABLE_FIELDS)[number]]?: TaskInput[K] | null;
};

/** What an edit did: the fields that changed and the audit's warnings. */
export interface EditResult {
  readonly changed: string[];
  readonly warnings: AddTasksResult['warnings'];
}

/**
 * Applies `changes` to task `id`, audited as a replacement of the task: all or nothing. A running
 * task cannot be edited (the audit refuses it), since its agent already has the old prompt.
 */
export function editTask(
  state: State,
  id: string,
  changes: TaskChanges,
  options: { readonly force?: boolean; readonly now?: Clock } = {},
): EditResult {
  const task = findTask(state, id);
  const input: TaskInput = editableCopy(task);
  const changed: string[] = [];
  for (const field of EDITABLE_FIELDS) {
    if (!(field in changes)) continue;
    const value = changes[field];
    const before = stableJson(task[field] ?? null);
    if (value === null || value === undefined) delete (input as Record<string, unknown>)[field];
    else (input as Record<string, unknown>)[field] = value;
    if (stableJson((input as Record<string, unknown>)[field] ?? null) !== before) changed.push(field);
  }
  if (changed.length === 0) return { changed, warnings: [] };
  const result = addTasks(state, [input], {
    replace: true,
    allowWeakerVerification: options.force === true,
    now: options.now ?? systemClock,
  });
  return { changed, warnings: result.warnings };
}

/** The editable part of a task, as an input for `addTasks` (history is kept by the replacement). */
export function editableCopy(task: Task): TaskInput {
  const copy: Record<string, unknown> = { id: task.id };
  for (const field of EDITABLE_FIELDS)
    if (task[field] !== undefined) copy[field] = structuredClone(task[field]);
  return copy as unknown as TaskInput;
}

/**
 * Removes tasks. A task that others depend on is refused, naming them, unless `cascade`, which
 * removes those dependents too (and theirs). Running tasks are never removed. Returns the ids removed,
 * the named ones first.
 */
export function removeTasks(state: State, ids: readonly string[], cascade: boolean): string[] {
  const named = ids.map((id) => findTask(state, id).id);
  const removing = new Set(named);
  const dependentsOf = (id: string): Task[] =>
    state.tasks.filter((task) => task.dependsOn.includes(id) && !removing.has(task.id));
  for (let queue = [...named]; queue.length > 0;) {
    const id = queue.shift() ?? '';
    const dependents = dependentsOf(id);
    if (dependents.length === 0) continue;
    if (!cascade) {
      const list = dependents.map((task) => `"${task.id}"`).join(', ');
      throw new UserError(
        `cannot remove task "${id}": ${list} depend${dependents.length === 1 ? 's' : ''} on it`,
        {
          hint: `remove them too with --cascade, or drop the dependency first: nightshift task dep rm ${dependents[0]?.id ?? ''} ${id}`,
        },
      );
    }
    for (const task of dependents) {
      removing.add(task.id);
      queue.push(task.id);
    }
  }
  const busy = state.tasks.filter(
    (task) => removing.has(task.id) && (task.status === 'running' || task.status === 'verifying'),
  );
  if (busy.length > 0) {
    throw new UserError(
      `cannot remove task "${busy[0]?.id ?? ''}" while it is ${busy[0]?.status ?? 'running'}`,
      {
        hint: 'stop its agent first (x on the board, or nightshift stop)',
      },
    );
  }
  state.tasks = state.tasks.filter((task) => !removing.has(task.id));
  return [...named, ...[...removing].filter((id) => !named.includes(id))];
}

/** JSON with object keys sorted, so two values compare equal whatever order their keys were built in. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}
