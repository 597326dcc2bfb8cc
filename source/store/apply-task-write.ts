/**
 * A queue change applied to the store, the same way whoever applies it: the engine for its clients,
 * or a CLI command under the lock when no engine runs.
 */
import { isDeepStrictEqual } from 'node:util';
import { backupState } from './backup.js';
import type { State } from './schema.js';
import type { Store } from './store.js';
import { applyTaskWrite, changesExistingTasks, type TaskWrite } from '../tasks/task-write.js';

/** What a write did: the summary for the user and the backup taken first, if any. */
export interface AppliedWrite {
  readonly summary: string;
  readonly backup?: string;
}

/**
 * Applies `write` to a copy of the state first, so a refused write (a UserError) leaves the store
 * exactly as it was; then takes a backup when existing tasks change, and updates the store with
 * only the tasks that changed replaced.
 */
export async function applyTaskWriteToStore(store: Store, write: TaskWrite): Promise<AppliedWrite> {
  const draft = structuredClone(store.state) as State;
  const summary = applyTaskWrite(draft, write);
  const backup =
    changesExistingTasks(write) && store.state.tasks.length > 0
      ? await backupState(store.paths, write.op)
      : undefined;
  // The tasks the write left as they were stay the store's own objects, so that in a large queue
  // only the task files holding what changed are written again (store/state-text.ts).
  const before = new Map(store.state.tasks.map((task) => [task.id, task]));
  store.replaceTasks(
    draft.tasks.map((task) => {
      const kept = before.get(task.id);
      return kept && isDeepStrictEqual(kept, task) ? kept : task;
    }),
  );
  store.updateMeta((state) => {
    state.epics = draft.epics;
    // A learning note also adds to the project's journal (only then: other writes leave it as it is).
    if (write.op === 'learn' || (write.op === 'add' && (write.learning ?? []).length > 0))
      state.learning = draft.learning;
  });
  return { summary, backup };
}
