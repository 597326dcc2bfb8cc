/**
 * The store as `init` and `doctor` see it: `init` leaves an empty `.nightshift/state.json` behind
 * so every later command finds a valid store; `doctor` reads it without opening it for writing.
 */
import { UserError } from '../errors.js';
import { projectPaths } from '../paths.js';
import { Store, parseState, readState } from '../store/store.js';

/** Creates `.nightshift/state.json` for `project` (schema version, no tasks) and writes it to disk. */
export async function createEmptyStore(root: string, project: string): Promise<void> {
  const store = await Store.open(root, { create: true, project });
  await store.close();
}

/**
 * Reads and validates the store without side effects (no lock, no temp-file sweep, no migration
 * written back), so it is safe while an engine runs. Returns a one-line summary; throws a UserError
 * naming the file when it is unreadable or damaged.
 */
export async function readStoreSummary(root: string): Promise<string> {
  const file = projectPaths(root).state;
  const read = await readState(file);
  if (read === undefined) throw new UserError(`cannot read ${file}: it does not exist`);
  const { state, migratedFrom } = parseState(read.raw, file);
  const done = state.tasks.filter((task) => task.status === 'done').length;
  const blocked = state.tasks.filter((task) => task.status === 'blocked').length;
  const migration = migratedFrom === undefined ? '' : `, schema v${migratedFrom} (migrated on next write)`;
  return `project ${JSON.stringify(state.project)}, ${state.tasks.length} tasks: ${done} done, ${blocked} blocked${migration}`;
}
