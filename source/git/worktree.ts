/**
 * Per-attempt git worktrees (DESIGN §6).
 *
 * Every coding attempt — also with `--parallel 1` — works in its own worktree on branch
 * `nightshift/<task-id>`, outside the repository under `$XDG_STATE_HOME/nightshift/worktrees/`.
 * Doing it for single-agent runs too keeps one code path, and the main checkout stays clean until
 * a verified result is merged: a failed attempt never leaves half-done edits where the user works,
 * and the user may keep editing the main checkout during a run (only files a merge touches must
 * be clean at merge time).
 *
 * Worktrees hold only tracked files: ignored folders of the main checkout such as `node_modules`
 * are absent unless listed in `links` of {@link createWorktree}, which symlinks them in.
 *
 * Worktrees of different tasks may be made and removed concurrently; landing their work is
 * integrate.ts, one at a time per repository through landing.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { currentBranch, git, revParse } from './git.js';
import { createRepoCache, type RepoCache } from './repo-cache.js';
import { linkFolders } from './worktree-links.js';
import { worktreesDir } from './worktrees-dir.js';

/** A worktree made for one attempt. */
export interface Worktree {
  /** Absolute folder of the worktree. */
  readonly path: string;
  /** Its branch, `nightshift/<task-id>`. */
  readonly branch: string;
  /** The commit it started from (the integration branch's head at creation). */
  readonly baseSha: string;
}

/** The branch of a task's attempts. */
export function taskBranch(taskId: string): string {
  return `nightshift/${taskId}`;
}

/** Task ids become branch names and folder names, so only a safe alphabet is allowed. */
function checkTaskId(taskId: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(taskId) || taskId.includes('..') || taskId.endsWith('.lock')) {
    throw new UserError(`Task id "${taskId}" cannot name a git branch or folder.`, {
      hint: 'Use letters, digits, "-", "_" and "." (e.g. T003).',
    });
  }
}

export { worktreesDir };

/** One entry of `git worktree list`. */
export interface WorktreeEntry {
  readonly path: string;
  readonly head: string | null;
  /** Short branch name, or null when detached. */
  readonly branch: string | null;
}

/** Every worktree of the repository, the main checkout first. */
export async function listWorktrees(repoRoot: string): Promise<WorktreeEntry[]> {
  const out = await git(repoRoot, ['worktree', 'list', '--porcelain', '-z']);
  const entries: WorktreeEntry[] = [];
  let current: { path: string; head: string | null; branch: string | null } | undefined;
  for (const line of out.stdout.split('\0')) {
    if (line.startsWith('worktree ')) {
      if (current) entries.push(current);
      current = { path: line.slice('worktree '.length), head: null, branch: null };
    } else if (current && line.startsWith('HEAD ')) {
      current.head = line.slice('HEAD '.length);
    } else if (current && line.startsWith('branch ')) {
      current.branch = line.slice('branch '.length).replace(/^refs\/heads\//, '');
    }
  }
  if (current) entries.push(current);
  return entries;
}

/** Real path when it exists, else the resolved path: comparisons survive symlinked temp dirs. */
async function canonical(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    return path.resolve(p);
  }
}

/** Removes a worktree folder whether or not git still knows it. */
async function dropWorktreeFolder(repoRoot: string, folder: string): Promise<void> {
  const removed = await git(repoRoot, ['worktree', 'remove', '--force', '--force', folder], {
    allowFailure: true,
  });
  await rm(folder, { recursive: true, force: true });
  // Only a failed remove (a folder git did not know, a broken record) can leave a record to prune.
  if (removed.exitCode !== 0) await git(repoRoot, ['worktree', 'prune']);
}

/** Options of {@link createWorktree}. */
export interface CreateWorktreeOptions {
  /** Where the branch starts: the integration branch (name or sha). */
  readonly baseRef: string;
  /** Repository-relative folders of the main checkout to symlink in when present (e.g. `node_modules`). */
  readonly links?: readonly string[];
  /** The run's {@link RepoCache}. */
  readonly cache?: RepoCache;
}

/**
 * Creates the worktree of attempt `attempt` of `taskId` on branch `nightshift/<task-id>`,
 * recreated from `baseRef` (`git worktree add -B`). A leftover folder of the same attempt is
 * replaced. An older attempt's worktree that still has the branch checked out (kept for
 * inspection after a crash) is detached so the branch can move; its files stay.
 */
export async function createWorktree(
  repoRoot: string,
  taskId: string,
  attempt: number,
  options: CreateWorktreeOptions,
): Promise<Worktree> {
  checkTaskId(taskId);
  const branch = taskBranch(taskId);
  const baseSha = await revParse(repoRoot, options.baseRef);
  const cache = options.cache ?? createRepoCache();
  const dir = await (cache.worktreesDir ??= worktreesDir(repoRoot));
  const folder = path.join(dir, `${taskId}-${attempt}`);
  // The worktrees' folder is the user's alone (0700 whatever the umask): git fills each worktree.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (existsSync(folder)) await dropWorktreeFolder(repoRoot, folder);
  const add = ['worktree', 'add', '--quiet', '-B', branch, folder, baseSha];
  // `worktree add -B` refuses, changing nothing, while another worktree has the branch checked
  // out; that is rare (a kept worktree of an interrupted attempt), so the worktree list is read
  // only then instead of before every attempt.
  if ((await git(repoRoot, add, { allowFailure: true })).exitCode !== 0) {
    if (existsSync(folder)) await dropWorktreeFolder(repoRoot, folder);
    await releaseBranch(repoRoot, branch, folder);
    await git(repoRoot, add);
  }
  await linkFolders(repoRoot, folder, options.links ?? [], cache);
  return { path: folder, branch, baseSha };
}

/** Detaches `branch` in every other worktree that has it checked out; forgets vanished ones. */
async function releaseBranch(repoRoot: string, branch: string, folder: string): Promise<void> {
  const target = await canonical(folder);
  for (const entry of await listWorktrees(repoRoot)) {
    if (entry.branch === branch && (await canonical(entry.path)) !== target) {
      if (existsSync(entry.path)) await git(entry.path, ['checkout', '--quiet', '--detach']);
      else await git(repoRoot, ['worktree', 'prune']);
    }
  }
}

/** Options of {@link removeWorktree}. */
export interface RemoveWorktreeOptions {
  /** Keep the worktree's `nightshift/*` branch (default: delete it). */
  readonly keepBranch?: boolean;
  /** The worktree's own branch, when known: saves listing every worktree (deleted even if an agent switched away). */
  readonly branch?: string;
}

/**
 * Removes a worktree (even with untracked or ignored files in it) and, unless `keepBranch`, its
 * branch — only a `nightshift/*` branch is ever deleted.
 */
export async function removeWorktree(
  repoRoot: string,
  worktreePath: string,
  options: RemoveWorktreeOptions = {},
): Promise<void> {
  let branch: string | null = options.branch ?? null;
  if (options.branch === undefined && !options.keepBranch) {
    const target = await canonical(worktreePath);
    for (const entry of await listWorktrees(repoRoot)) {
      if ((await canonical(entry.path)) === target) branch = entry.branch;
    }
  }
  await dropWorktreeFolder(repoRoot, worktreePath);
  if (!options.keepBranch && branch?.startsWith('nightshift/')) {
    await git(repoRoot, ['branch', '--quiet', '-D', branch], { allowFailure: true });
  }
}

/**
 * Forgets worktrees whose folders are gone (`git worktree prune`) and deletes folders under this
 * repository's worktrees dir that git no longer knows. Returns the folders deleted.
 */
export async function pruneWorktrees(repoRoot: string): Promise<string[]> {
  await git(repoRoot, ['worktree', 'prune']);
  const dir = await worktreesDir(repoRoot);
  if (!existsSync(dir)) return [];
  const known = new Set(
    await Promise.all((await listWorktrees(repoRoot)).map((entry) => canonical(entry.path))),
  );
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    const folder = path.join(dir, name);
    if (!known.has(await canonical(folder))) {
      await rm(folder, { recursive: true, force: true });
      removed.push(folder);
    }
  }
  return removed;
}

/** The current branch of the main checkout, to use as the integration branch. */
export async function integrationBranchOf(repoRoot: string): Promise<string> {
  const branch = await currentBranch(repoRoot);
  if (branch === null) {
    throw new UserError(`${repoRoot} is on a detached HEAD; nightshift needs a branch to land work on.`, {
      hint: 'Check out a branch (git switch -c work) and run again.',
    });
  }
  return branch;
}
