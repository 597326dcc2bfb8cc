/**
 * Every change `nightshift task …` can make to the queue, as data. The CLI applies it to the store
 * itself when no engine runs, or sends it to the engine (`task-write` command) when one does, so the
 * engine stays the only writer of state.json while it runs (DESIGN.md §3).
 */
import { appendLearning, appendTaskLearning } from './learning.js';
import type { LearningEntry, State } from '../store/schema.js';
import { UserError } from '../errors.js';
import type { Epic, TaskInput } from './model.js';
import { editTask, removeTasks, type TaskChanges } from './task-edit.js';
import {
  type Clock,
  systemClock,
  addDependency,
  addTasks,
  blockTask,
  findTask,
  removeDependency,
  resetTasks,
  retryTasks,
} from './queue.js';

/** A queue change. */
export type TaskWrite =
  | {
      readonly op: 'add';
      readonly tasks: readonly TaskInput[];
      readonly epics?: readonly Epic[];
      readonly replace?: boolean;
      /** Journal entries the import carries (autodev's learning journal), added to the project's. */
      readonly learning?: readonly LearningEntry[];
    }
  | { readonly op: 'reset'; readonly ids?: readonly string[] }
  | { readonly op: 'retry'; readonly ids?: readonly string[] }
  | { readonly op: 'block'; readonly id: string; readonly reason: string }
  | { readonly op: 'dep-add'; readonly taskId: string; readonly dependsOn: string }
  | { readonly op: 'dep-rm'; readonly taskId: string; readonly dependsOn: string }
  /** Changes to one task's fields (`task edit`), audited; `force` lets the verification get weaker. */
  | { readonly op: 'edit'; readonly id: string; readonly changes: TaskChanges; readonly force?: boolean }
  /** Removes tasks (`task rm`); `cascade` removes the tasks that depend on them too. */
  | { readonly op: 'rm'; readonly ids: readonly string[]; readonly cascade?: boolean }
  /** A learning note (an agent's, through the task tool server): the task's learning and the journal. */
  | { readonly op: 'learn'; readonly taskId?: string; readonly text: string };

/** True when the write changes tasks that already exist, so a backup must be taken first. */
export function changesExistingTasks(write: TaskWrite): boolean {
  // A learning note only appends to bounded lists; it is not worth a backup.
  if (write.op === 'learn') return false;
  return write.op !== 'add' || write.replace === true;
}

/**
 * Applies a write to a state draft and returns a one-line summary for the user.
 * Throws a UserError (and leaves the draft untouched) when the write is not allowed.
 */
export function applyTaskWrite(state: State, write: TaskWrite, now: Clock = systemClock): string {
  switch (write.op) {
    case 'add': {
      const replace = write.replace ?? false;
      // --replace makes the queue exactly the incoming tasks (import --replace, re-plan).
      const result = addTasks(state, [...write.tasks], { replace, prune: replace, now });
      mergeEpics(state, write.epics ?? [], replace);
      for (const entry of write.learning ?? []) state.learning = appendLearning(state.learning, entry);
      const parts = [
        `added ${plural(result.added.length, 'task')}${result.added.length > 0 && result.added.length <= 10 ? `: ${result.added.join(', ')}` : ''}`,
      ];
      if (result.replaced.length > 0) parts.push(`updated ${plural(result.replaced.length, 'task')}`);
      if (result.removed.length > 0) parts.push(`removed ${plural(result.removed.length, 'task')}`);
      const journal = write.learning?.length ?? 0;
      if (journal > 0) parts.push(`kept ${journal} learning journal ${journal === 1 ? 'entry' : 'entries'}`);
      const warnings = result.warnings.map(
        (issue) => `\n  warning: task "${issue.taskId}" ${issue.field}: ${issue.message}`,
      );
      return parts.join(', ') + warnings.join('');
    }
    case 'reset': {
      const ids = resetTasks(state, write.ids ? [...write.ids] : undefined, now);
      return `reset ${plural(ids.length, 'task')} to pending`;
    }
    case 'retry': {
      const ids = retryTasks(state, write.ids ? [...write.ids] : undefined, now);
      return ids.length === 0
        ? 'no blocked tasks to retry'
        : `${plural(ids.length, 'task')} back to pending: ${ids.join(', ')}`;
    }
    case 'block':
      blockTask(state, write.id, write.reason, now);
      return `blocked ${write.id}: ${write.reason}`;
    case 'dep-add':
      addDependency(state, write.taskId, write.dependsOn, now);
      return `${write.taskId} now depends on ${write.dependsOn}`;
    case 'dep-rm':
      removeDependency(state, write.taskId, write.dependsOn, now);
      return `${write.taskId} no longer depends on ${write.dependsOn}`;
    case 'edit': {
      const result = editTask(state, write.id, write.changes, { force: write.force === true, now });
      if (result.changed.length === 0) return `${write.id}: nothing changed`;
      const warnings = result.warnings.map(
        (issue) => `\n  warning: task "${issue.taskId}" ${issue.field}: ${issue.message}`,
      );
      return `edited ${write.id}: ${result.changed.join(', ')}${warnings.join('')}`;
    }
    case 'rm': {
      const removed = removeTasks(state, write.ids, write.cascade === true);
      return `removed ${plural(removed.length, 'task')}: ${removed.join(', ')}`;
    }
    case 'learn': {
      const text = write.text.trim();
      if (text === '') throw new UserError('a learning note needs text');
      if (write.taskId !== undefined) {
        const task = findTask(state, write.taskId);
        task.learning = appendTaskLearning(task.learning, text);
        task.updatedAt = now();
      }
      state.learning = appendLearning(state.learning, {
        at: now(),
        ...(write.taskId !== undefined && { taskId: write.taskId }),
        text,
      });
      return `noted${write.taskId !== undefined ? ` for ${write.taskId}` : ''}: ${text.length > 80 ? `${text.slice(0, 79)}…` : text}`;
    }
    default: {
      const never: never = write;
      throw new Error(`Unknown task write: ${JSON.stringify(never)}`);
    }
  }
}

/** Epics of an import join the store's; same id = the import's version wins. */
function mergeEpics(state: State, epics: readonly Epic[], replace: boolean): void {
  if (replace) state.epics = [];
  for (const epic of epics) {
    const index = state.epics.findIndex((existing) => existing.id === epic.id);
    if (index === -1) state.epics.push(epic);
    else state.epics[index] = epic;
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
