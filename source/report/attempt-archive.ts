/**
 * Attempts kept for inspection: every attempt's prompt, its diff and its gate output, under
 * `.nightshift/attempts/<task>/<n>/{prompt.md,diff.patch,gate.txt}`, so a person can see in the
 * morning what a failed agent wrote (its worktree is gone by then). The newest `keep` attempts of a
 * task are kept (`[run] keep_attempts`); older folders are removed when a new one is written.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { GateCheck } from '../tasks/model.js';
import { mkdirPrivate, writePrivateFile } from '../security/private-files.js';

const run = promisify(execFile);

/** The files of one kept attempt. */
export interface KeptAttempt {
  readonly n: number;
  readonly dir: string;
  readonly prompt?: string;
  readonly diff?: string;
  readonly gate?: string;
}

/** What an attempt leaves behind. */
export interface AttemptFiles {
  readonly prompt?: string;
  readonly diff?: string;
  readonly gate?: string;
}

const FILES = { prompt: 'prompt.md', diff: 'diff.patch', gate: 'gate.txt' } as const;
/** A diff larger than this is cut (a generated lockfile must not fill the disk). */
const MAX_DIFF_BYTES = 2_000_000;

/** `.nightshift/attempts/<task>` (task ids are already safe in file names: the audit sees to it). */
export function taskArchiveDir(nightshiftDir: string, taskId: string): string {
  return path.join(nightshiftDir, 'attempts', taskId.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/** Writes an attempt's files and drops the task's attempts beyond the newest `keep`. */
export async function keepAttempt(
  nightshiftDir: string,
  taskId: string,
  n: number,
  files: AttemptFiles,
  keep: number,
): Promise<void> {
  if (keep <= 0) return;
  const taskDir = taskArchiveDir(nightshiftDir, taskId);
  const dir = path.join(taskDir, String(n));
  await mkdirPrivate(dir);
  for (const [field, name] of Object.entries(FILES) as [keyof AttemptFiles, string][]) {
    const text = files[field];
    // Masked: a diff or a gate's output may hold a key the agent printed or wrote.
    if (text !== undefined) await writePrivateFile(path.join(dir, name), text);
  }
  const numbers = (await readdir(taskDir))
    .map(Number)
    .filter((value) => Number.isInteger(value) && value > 0)
    .sort((a, b) => b - a);
  for (const old of numbers.slice(keep))
    await rm(path.join(taskDir, String(old)), { recursive: true, force: true });
}

/** The kept attempts of a task, oldest first. */
export async function readKeptAttempts(nightshiftDir: string, taskId: string): Promise<KeptAttempt[]> {
  const taskDir = taskArchiveDir(nightshiftDir, taskId);
  if (!existsSync(taskDir)) return [];
  const numbers = (await readdir(taskDir))
    .map(Number)
    .filter((value) => Number.isInteger(value) && value > 0)
    .sort((a, b) => a - b);
  const kept: KeptAttempt[] = [];
  for (const n of numbers) {
    const dir = path.join(taskDir, String(n));
    const read = async (name: string): Promise<string | undefined> =>
      existsSync(path.join(dir, name)) ? readFile(path.join(dir, name), 'utf8') : undefined;
    const [prompt, diff, gate] = await Promise.all([read(FILES.prompt), read(FILES.diff), read(FILES.gate)]);
    kept.push({
      n,
      dir,
      ...(prompt === undefined ? {} : { prompt }),
      ...(diff === undefined ? {} : { diff }),
      ...(gate === undefined ? {} : { gate }),
    });
  }
  return kept;
}

/**
 * Everything a worktree changed since `base`, committed or not, untracked files included, as a
 * patch. Uses a throwaway index so the worktree's own index is left as it was.
 */
export async function worktreeDiff(worktree: string, base: string): Promise<string> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'nightshift-diff-'));
  const env = { ...process.env, GIT_INDEX_FILE: path.join(tmp, 'index') };
  try {
    await run('git', ['read-tree', base], { cwd: worktree, env });
    await run('git', ['add', '-A'], { cwd: worktree, env });
    const { stdout } = await run('git', ['diff', '--cached', '--binary', base], {
      cwd: worktree,
      env,
      maxBuffer: 64 * MAX_DIFF_BYTES,
    });
    return cutDiff(stdout);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * What a landed attempt changed: the patch from the head its work was rebased onto to its landed
 * commit, in one git process (the worktree has nothing uncommitted left that could land).
 */
export async function landedDiff(worktree: string, base: string, commit: string): Promise<string> {
  const { stdout } = await run('git', ['diff', '--binary', '--no-renames', '--no-color', base, commit], {
    cwd: worktree,
    maxBuffer: 64 * MAX_DIFF_BYTES,
  });
  return cutDiff(stdout);
}

function cutDiff(stdout: string): string {
  return stdout.length > MAX_DIFF_BYTES
    ? `${stdout.slice(0, MAX_DIFF_BYTES)}\n… (diff cut at ${MAX_DIFF_BYTES} bytes)\n`
    : stdout;
}

/** The gate's checks as text: one heading per check, pass or FAIL, then its output. */
export function formatGateChecks(checks: readonly GateCheck[]): string {
  if (checks.length === 0) return 'The gate did not run (the agent failed first).\n';
  return `${checks
    .map((check) =>
      `## ${check.passed ? 'pass' : 'FAIL'} ${check.kind}: ${check.name}\n${check.detail}`.trimEnd(),
    )
    .join('\n\n')}\n`;
}
