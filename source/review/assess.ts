/**
 * Gathers an attempt's quality facts from git and records the score on the attempt. Runs after the
 * gate (and after landing), in the attempt's worktree, before the worktree is removed.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AttemptHandle, AttemptResult } from '../attempt/types.js';
import { git } from '../git/git.js';
import type { Worktree } from '../git/worktree.js';
import type { Quality, Task } from '../tasks/model.js';
import { describeQuality, scoreQuality } from './quality.js';

/** New files larger than this are counted as changed but not read (generated or binary data). */
const MAX_READ_BYTES = 512 * 1024;
/** New files read at most (a vendored folder must not stall the attempt). */
const MAX_NEW_FILES_READ = 200;

/** An attempt's change: the landed commit when there is one, else the worktree against its base. */
export interface AttemptChange {
  readonly files: string[];
  readonly insertions: number;
  readonly deletions: number;
  readonly addedLines: string[];
}

/** Added lines of a unified diff, without their `+`. */
export function addedLines(diff: string): string[] {
  return diff
    .split('\n')
    .filter((line) => line.startsWith('+') && !line.startsWith('+++'))
    .map((line) => line.slice(1));
}

/**
 * `git diff --numstat --patch -z` prints the numstat entries, each ended by a NUL, then one more NUL,
 * then the patch (which holds no NUL: a file with one is binary, and its patch says only so).
 */
function splitNumstatPatch(output: string): { numstat: string; patch: string } {
  const end = output.indexOf('\0\0');
  return end === -1
    ? { numstat: output, patch: '' }
    : { numstat: output.slice(0, end + 1), patch: output.slice(end + 2) };
}

/**
 * The change an attempt made. A landed attempt is exactly its commit (`commit^..commit`; the base
 * would also count work other tasks landed meanwhile). Otherwise it is the worktree against the
 * attempt's base, plus untracked files, which `git diff` does not show.
 */
export async function attemptChange(
  worktree: Pick<Worktree, 'path' | 'baseSha'>,
  commit: string | undefined,
): Promise<AttemptChange> {
  const [from, to] = commit !== undefined ? [`${commit}^`, commit] : [worktree.baseSha, undefined];
  const range = to === undefined ? [from] : [from, to];
  // One git call: the numstat gives the files and the counts, the patch after it the added lines.
  const { numstat, patch } = splitNumstatPatch(
    (await git(worktree.path, ['diff', '--numstat', '--patch', '-z', '--no-renames', '--no-color', ...range]))
      .stdout,
  );
  const change = { files: [] as string[], insertions: 0, deletions: 0, addedLines: addedLines(patch) };
  for (const entry of numstat.split('\0').filter(Boolean)) {
    // "added\tdeleted\tpath"; binary files print "-" for both.
    const [added, removed, file] = entry.split('\t');
    change.insertions += Number(added) || 0;
    change.deletions += Number(removed) || 0;
    if (file) change.files.push(file);
  }
  if (commit !== undefined) return change;
  const untracked = (await git(worktree.path, ['ls-files', '--others', '--exclude-standard', '-z'])).stdout
    .split('\0')
    .filter(Boolean);
  for (const [index, file] of untracked.entries()) {
    change.files.push(file);
    if (index >= MAX_NEW_FILES_READ) continue;
    const full = path.join(worktree.path, file);
    try {
      if ((await stat(full)).size > MAX_READ_BYTES) continue;
      const text = await readFile(full, 'utf8');
      if (text.includes('\0')) continue;
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      change.insertions += lines.length;
      change.addedLines.push(...lines);
    } catch {
      // A symlink to a folder (linked node_modules) or a file gone meanwhile: counted, not read.
    }
  }
  return change;
}

/** The quality of a finished attempt, or undefined when no gate ran (the agent failed first, or it was interrupted). */
export async function assessAttempt(
  worktree: Pick<Worktree, 'path' | 'baseSha'>,
  task: Pick<Task, 'verification'>,
  result: AttemptResult,
): Promise<Quality | undefined> {
  if (result.outcome === 'interrupted' || result.checks.length === 0) return undefined;
  const change = await attemptChange(worktree, result.commit);
  return scoreQuality({
    ...change,
    pathPatterns: task.verification.pathPatterns,
    checks: result.checks,
    passed: result.checks.every((check) => check.passed),
  });
}

/**
 * Assesses the attempt and records the score on it (the attempt's `quality`) with a line in the
 * event log. Never throws: a quality check must not fail the attempt it looks at.
 */
export async function recordQuality(
  worktree: Pick<Worktree, 'path' | 'baseSha'>,
  task: Task,
  result: AttemptResult,
  handle: AttemptHandle,
): Promise<Quality | undefined> {
  try {
    const quality = await assessAttempt(worktree, task, result);
    if (quality === undefined) return undefined;
    handle.updateTask((t) => {
      const attempt = t.attempts.at(-1);
      if (attempt) attempt.quality = quality;
    });
    handle.line(quality.score < 60 ? 'warn' : 'info', `${task.id}: ${describeQuality(quality)}`);
    return quality;
  } catch (error) {
    handle.line(
      'warn',
      `${task.id}: quality check skipped: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}
