/**
 * A light, read-only view of state.json for commands that only display it (`status`): JSON parsing
 * and the version check, without the zod schema (~130 ms to load). Anything that writes, or needs
 * the full check, opens the Store.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { projectPaths } from '../paths.js';
import type { State } from './schema.js';
import { STATE_VERSION } from './version.js';

/** The state as stored; a missing, unparsable or newer file is a UserError naming it. */
export async function readStateForDisplay(root: string): Promise<State> {
  const file = projectPaths(root).state;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`no store at ${file}`, { hint: 'run `nightshift init` in the project root first' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file} is not valid JSON (${(error as Error).message}); it was left untouched`, {
      hint: 'restore it from .nightshift/backups/ or fix it by hand',
    });
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
