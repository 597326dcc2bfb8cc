/**
 * A light, read-only view of state.json (and its task files) for commands that only display it
 * (`status`): JSON parsing and the version check, without the zod schema (~130 ms to load).
 * Anything that writes, or needs the full check, opens the Store.
 */
import { UserError } from '../errors.js';
import { projectPaths } from '../paths.js';
import type { State } from './schema.js';
import { STATE_VERSION } from './version.js';
import { readRawState } from './task-files.js';

/** The state as stored; a missing, unparsable or newer file is a UserError naming it. */
export async function readStateForDisplay(root: string): Promise<State> {
  const file = projectPaths(root).state;
  let value: unknown;
  try {
    value = (await readRawState(file)).raw;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`no store at ${file}`, { hint: 'run `nightshift init` in the project root first' });
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version !== 'number' || version > STATE_VERSION) {
    throw new UserError(
      `${file} has schema version ${String(version)}, which this nightshift (v${STATE_VERSION}) cannot read`,
      {
        hint: 'upgrade nightshift, or open it with the version that wrote it',
      },
    );
  }
  // An older version is migrated by the next command that opens the Store; the fields shown here exist in every version.
  return value as State;
}
