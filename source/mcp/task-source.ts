/**
 * Where the task tool server reads and writes the queue. Reads come from the running engine's
 * snapshot when one runs (the store file may be up to ~100 ms behind it), else from state.json.
 * Writes go through the engine's `task-write` command, or under the store lock without an engine:
 * exactly the path `nightshift task …` takes (ipc/task-access.ts), so the engine stays the only
 * writer of state.json while it runs (DESIGN.md §3).
 */
import { writeTasks } from '../ipc/task-access.js';
import { connectEngine } from '../ipc/client.js';
import { projectPaths } from '../paths.js';
import type { LearningEntry } from '../store/schema.js';
import { readLock } from '../store/lock.js';
import { Store } from '../store/store.js';
import type { Task } from '../tasks/model.js';
import type { TaskWrite } from '../tasks/task-write.js';

/** The queue as the task tools see it. */
export interface TaskSource {
  /** The project root. */
  readonly root: string;
  readonly tasks: () => Promise<readonly Task[]>;
  /** The project's learning journal (from the store: the engine's snapshot does not carry it). */
  readonly journal: () => Promise<readonly LearningEntry[]>;
  /** Applies a write; resolves to its one-line summary, rejects with a UserError when refused. */
  readonly write: (write: TaskWrite) => Promise<string>;
}

/** The task source of the project at `root`. */
export function projectTaskSource(root: string): TaskSource {
  const readStore = async (): Promise<Store> => Store.open(root);
  return {
    root,
    tasks: async () => {
      const socketPath = await engineSocket(root);
      if (socketPath !== undefined) {
        try {
          const client = await connectEngine({ socketPath, reconnect: false, readonly: true });
          try {
            const snapshot = client.current();
            if (snapshot) return snapshot.tasks;
          } finally {
            client.close();
          }
        } catch {
          // The engine went away between the lock check and the connect: the file is the truth now.
        }
      }
      const store = await readStore();
      try {
        return store.state.tasks;
      } finally {
        await store.close();
      }
    },
    journal: async () => {
      const store = await readStore();
      try {
        return store.state.learning;
      } finally {
        await store.close();
      }
    },
    write: async (write) => (await writeTasks(root, write)).summary,
  };
}

async function engineSocket(root: string): Promise<string | undefined> {
  const lock = await readLock(projectPaths(root));
  return lock?.alive && lock.info.kind === 'engine' && lock.info.socket ? lock.info.socket : undefined;
}
