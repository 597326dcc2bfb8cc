/**
 * Crash-safe file replacement: write a temp file in the same folder, fsync it, rename it over the
 * target, fsync the folder. A reader (or a process killed at any instant) sees the old file or the
 * new one, never half of one. lowdb's own writer (steno) renames but never fsyncs, so a power loss
 * could leave an empty file; hence this adapter.
 */
import { open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

let tempCounter = 0;

/**
 * `.state.json.<pid>.<n>.tmp`: the pid lets a later process sweep temps left by dead writers
 * (`sweepStaleTemps`).
 */
export function tempName(file: string): string {
  tempCounter += 1;
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${tempCounter}.tmp`);
}

/**
 * A write that failed, as an error naming the file a person has to make room for (a full disk
 * says only "ENOSPC" otherwise, with no path).
 */
export function writeError(file: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new UserError(`could not write ${file}: the disk is full (${code})`, {
      hint: 'free some space on that disk and run the command again; nothing was half-written',
    });
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM')
    return new UserError(`could not write ${file}: ${code}`, { hint: 'check the folder is writable' });
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Replaces `file` with `text` atomically and durably; no temp file is left when it fails. With
 * `syncDir: false` the rename is durable only once the caller syncs the folder (`syncDirectory`):
 * one sync for many files written side by side.
 */
export async function writeFileAtomic(file: string, text: string, { syncDir = true } = {}): Promise<void> {
  const temp = tempName(file);
  let handle;
  try {
    handle = await open(temp, 'w', 0o600);
  } catch (error) {
    throw writeError(file, error);
  }
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw writeError(file, error);
  }
  if (syncDir) await syncDirectory(path.dirname(file));
}

/** Makes the rename itself durable; some platforms cannot open folders, which is fine to skip. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows and a few filesystems refuse fsync on folders; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

/** Whether a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temp files of `file` left behind by writers that died mid-write. */
export async function sweepStaleTemps(file: string): Promise<void> {
  const base = path.basename(file);
  const pattern = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.\\d+\\.tmp$`);
  let names: string[];
  try {
    names = await readdir(path.dirname(file));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isPidAlive(pid)) {
      await unlink(path.join(path.dirname(file), name)).catch(() => undefined);
    }
  }
}
