/**
 * How `task` commands read and write the queue: reads come from the store file (the engine writes it
 * atomically); writes go through a running engine when there is one, else through the store under the
 * single-writer lock, with a backup first when existing tasks change (DESIGN.md §1, §3).
 */
import { projectPaths } from '../paths.js';
import { UserError } from '../errors.js';
import type { State } from '../store/schema.js';
import { Store } from '../store/store.js';
import { readLock, withStoreWrite } from '../store/lock.js';
import type { TaskWrite } from '../tasks/task-write.js';
import { applyTaskWriteToStore } from '../store/apply-task-write.js';
import { connectRunningEngine } from './engine-connection.js';

/** The project's state as last written. */
export async function readState(root: string): Promise<State> {
  const store = await Store.open(root);
  return store.state;
}

/** What a write did: a summary line, and where the backup went (if one was taken). */
export interface WriteOutcome {
  readonly summary: string;
  readonly backup?: string;
  /** True when a running engine applied the write. */
  readonly viaEngine: boolean;
}

/** Applies a queue change through the engine if one runs, else directly under the lock. */
export async function writeTasks(root: string, write: TaskWrite): Promise<WriteOutcome> {
  const paths = projectPaths(root);
  const lock = await readLock(paths);
  if (lock?.alive && lock.info.kind === 'engine') {
    const client = await connectRunningEngine(root, lock.info.socket);
    try {
      const result = await client.command('task-write', { write });
      if (!result.ok) throw new UserError(result.error ?? 'the engine refused the change');
      const value = result.value as { summary?: string; backup?: string } | undefined;
      return { summary: value?.summary ?? 'done', backup: value?.backup, viaEngine: true };
    } finally {
      client.close();
    }
  }
  return withStoreWrite(root, async (store) => ({
    ...(await applyTaskWriteToStore(store, write)),
    viaEngine: false,
  }));
}
