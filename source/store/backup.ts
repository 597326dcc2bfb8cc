/**
 * Timestamped copies of `.nightshift/state.json`, taken before writes that change existing tasks
 * (task reset, retry, import --replace, migrations), so that any edit can be undone by hand.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError, errorMessage } from '../errors.js';
import type { ProjectPaths } from '../paths.js';
import { inlineStateText, readRawState } from './task-files.js';

/** Backups kept; older ones are deleted when a new one is taken. */
export const MAX_BACKUPS_KEPT = 50;

const BACKUP_PATTERN = /^state-.+\.json$/;

/** `task-reset` style: lowercase letters, digits and dashes, so it is safe inside a file name. */
function safeReason(reason: string): string {
  const cleaned = reason
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return cleaned || 'backup';
}

/**
 * Copies the current state.json to `.nightshift/backups/state-<ISO time without colons>-<reason>.json`,
 * keeps the newest MAX_BACKUPS_KEPT, and returns the new backup's path. Callers holding a Store
 * should use `store.backup(reason)`, which flushes pending writes first.
 */
export async function backupState(paths: ProjectPaths, reason: string): Promise<string> {
  await mkdir(paths.backups, { recursive: true, mode: 0o700 });
  // Colons are not allowed in Windows file names and confuse scp/rsync host:path syntax.
  const stamp = new Date().toISOString().replace(/:/g, '');
  const base = `state-${stamp}-${safeReason(reason)}`;
  // A large queue's tasks are in task files: the backup holds them inline, one file to restore.
  const inline = await inlineText(paths.state);
  let target = '';
  // Two backups in the same millisecond get a counter rather than overwriting each other.
  for (let n = 1; ; n++) {
    target = path.join(paths.backups, n === 1 ? `${base}.json` : `${base}-${n}.json`);
    try {
      if (inline === undefined) await copyFile(paths.state, target, constants.COPYFILE_EXCL);
      else await writeFile(target, inline, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code === 'ENOENT') {
        throw new UserError(`cannot back up ${paths.state}: the file does not exist`, {
          hint: 'run `nightshift init` to create the store',
          cause: error,
        });
      }
      throw new UserError(`cannot back up ${paths.state} to ${target}: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }
  await pruneBackups(paths.backups, MAX_BACKUPS_KEPT);
  return target;
}

/** The state with its tasks inline when state.json names task files; undefined when it holds them itself. */
async function inlineText(file: string): Promise<string | undefined> {
  let read;
  try {
    read = await readRawState(file);
  } catch {
    return undefined; // copied as it is (or reported missing) below
  }
  return read.taskFiles.length === 0 ? undefined : inlineStateText(read.raw as Record<string, unknown>);
}

/** Deletes all but the newest `keep` backups; names start with the ISO time, so they sort by age. */
export async function pruneBackups(dir: string, keep: number): Promise<void> {
  const names = (await readdir(dir)).filter((name) => BACKUP_PATTERN.test(name)).sort();
  const excess = names.slice(0, Math.max(0, names.length - keep));
  await Promise.all(excess.map((name) => unlink(path.join(dir, name)).catch(() => undefined)));
}
