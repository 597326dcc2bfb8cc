/**
 * A journal of the git processes nightshift has running: each one is a file
 * `.nightshift/git-running/<pid>` (its folder, arguments and start time) from spawn to exit. After
 * a SIGKILL the files left name the git processes that died with the engine, so recovery can tell
 * a lock its own dead git left (safe to remove) from one a person's git holds (never touched).
 *
 * Writes are synchronous: two small file operations per git call, cheap next to starting git,
 * and in place before git can take any lock.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One git process nightshift started and did not see end. */
export interface GitJournalEntry {
  readonly pid: number;
  readonly cwd: string;
  readonly args: readonly string[];
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
}

let journalDir: string | undefined;
let made = false;

/** Starts (a folder) or stops (undefined) journaling this process's git calls. */
export function setGitJournal(dir: string | undefined): void {
  journalDir = dir;
  made = false;
}

/** Records a git process that has just started. Never throws: the journal only helps recovery. */
export function journalStart(pid: number | undefined, cwd: string, args: readonly string[]): void {
  if (journalDir === undefined || pid === undefined) return;
  try {
    if (!made) mkdirSync(journalDir, { recursive: true, mode: 0o700 });
    made = true;
    writeFileSync(
      path.join(journalDir, String(pid)),
      JSON.stringify({ pid, cwd, args, startedAt: Date.now() }),
      { mode: 0o600 },
    );
  } catch {
    // a full disk must not stop git itself; recovery then treats locks more cautiously
  }
}

/** Forgets a git process that ended. */
export function journalEnd(pid: number | undefined): void {
  if (journalDir === undefined || pid === undefined) return;
  try {
    unlinkSync(path.join(journalDir, String(pid)));
  } catch {
    // never written, or already swept
  }
}

/** The entries in a journal folder (none when it does not exist). */
export function readGitJournal(dir: string): GitJournalEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const entries: GitJournalEntry[] = [];
  for (const name of names) {
    try {
      const entry = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as GitJournalEntry;
      if (Number.isInteger(entry.pid) && Array.isArray(entry.args)) entries.push(entry);
    } catch {
      // half-written by a process killed mid-write: it names nothing usable
      rmSync(path.join(dir, name), { force: true });
    }
  }
  return entries;
}

/** Removes the given entries (after recovery dealt with what they left). */
export function clearGitJournal(dir: string, entries: readonly GitJournalEntry[]): void {
  for (const entry of entries) rmSync(path.join(dir, String(entry.pid)), { force: true });
}
