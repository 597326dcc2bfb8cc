/**
 * How nightshift writes its own files (DESIGN.md §8): `.nightshift/`, its logs, state, reports and
 * the worktrees' folders are the user's alone (folders 0700, files 0600, whatever the umask: an
 * explicit mode is only ever narrowed by the umask), and text written there goes through
 * `maskSecrets` first, so an agent that printed a key leaves no clear copy behind.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { maskSecrets } from './secrets.js';

/** Mode of every folder nightshift creates for itself. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file nightshift creates for itself. */
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` and its missing parents, each 0700. */
export async function mkdirPrivate(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Writes `text`, masked (by `mask`, default `maskSecrets`), to `file` (0600; its folder 0700). */
export async function writePrivateFile(
  file: string,
  text: string,
  mask: (text: string) => string = maskSecrets,
): Promise<void> {
  await mkdirPrivate(path.dirname(file));
  await writeFile(file, mask(text), { mode: PRIVATE_FILE_MODE });
}

/** Appends `text`, masked (by `mask`, default `maskSecrets`), to `file` (created 0600; its folder 0700). */
export async function appendPrivateFile(
  file: string,
  text: string,
  mask: (text: string) => string = maskSecrets,
): Promise<void> {
  await mkdirPrivate(path.dirname(file));
  await appendFile(file, mask(text), { mode: PRIVATE_FILE_MODE });
}

/**
 * The program that records an agent's stdout, masked (record-tee.ts), as a shell command reading
 * `$NIGHTSHIFT_RECORD_FILE`; `tee -a` when it is not built (vitest from an unbuilt tree).
 */
export function recordTeeCommand(): { readonly shell: string; readonly env: Record<string, string> } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, 'record-tee.js');
  const built = path.resolve(here, '..', '..', 'dist', 'security', 'record-tee.js');
  const script = existsSync(beside) ? beside : existsSync(built) ? built : undefined;
  if (!script) return { shell: 'tee -a "$NIGHTSHIFT_RECORD_FILE"', env: {} };
  return {
    shell: '"$NIGHTSHIFT_NODE" "$NIGHTSHIFT_RECORD_TEE" "$NIGHTSHIFT_RECORD_FILE"',
    env: { NIGHTSHIFT_NODE: process.execPath, NIGHTSHIFT_RECORD_TEE: script },
  };
}
