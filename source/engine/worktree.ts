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
 * Callers serialise {@link integrate} calls of one repository (one merge at a time); the rest may
 * run concurrently for different tasks.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, realpath, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { stateHome } from '../paths.js';
import { changedFiles, currentBranch, git, head, identityConfig, revParse, uncommittedFiles } from './git.js';

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

/**
 * The folder holding a repository's worktrees: `<state>/worktrees/<name>-<hash>`, where the hash
 * of the repository's real path keeps two checkouts with the same folder name apart and the name
 * keeps the folder recognisable to a person.
 */
export async function worktreesDir(repoRoot: string): Promise<string> {
  const real = await realpath(repoRoot);
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 12);
  const name = path.basename(real).replace(/[^A-Za-z0-9._-]/g, '_') || 'repo';
  return path.join(stateHome(), 'worktrees', `${name}-${hash}`);
}

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
  await git(repoRoot, ['worktree', 'remove', '--force', '--force', folder], { allowFailure: true });
  await rm(folder, { recursive: true, force: true });
  await git(repoRoot, ['worktree', 'prune']);
}

/** Options of {@link createWorktree}. */
export interface CreateWorktreeOptions {
  /** Where the branch starts: the integration branch (name or sha). */
  readonly baseRef: string;
  /** Repository-relative folders of the main checkout to symlink in when present (e.g. `node_modules`). */
  readonly links?: readonly string[];
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
  const dir = await worktreesDir(repoRoot);
  const folder = path.join(dir, `${taskId}-${attempt}`);
  await mkdir(dir, { recursive: true });
  if (existsSync(folder)) await dropWorktreeFolder(repoRoot, folder);
  const target = await canonical(folder);
  for (const entry of await listWorktrees(repoRoot)) {
    if (entry.branch === branch && (await canonical(entry.path)) !== target) {
      if (existsSync(entry.path)) await git(entry.path, ['checkout', '--quiet', '--detach']);
      else await git(repoRoot, ['worktree', 'prune']);
    }
  }
  await git(repoRoot, ['worktree', 'add', '--quiet', '-B', branch, folder, baseSha]);
  for (const link of options.links ?? []) {
    const source = path.join(repoRoot, link);
    const dest = path.join(folder, link);
    if (existsSync(source) && !existsSync(dest)) {
      await mkdir(path.dirname(dest), { recursive: true });
      await symlink(source, dest);
      await ignoreLink(folder, link);
    }
  }
  return { path: folder, branch, baseSha };
}

/**
 * A symlink is not a directory, so a `node_modules/` ignore rule does not cover the link and it
 * would show up as a change (failing path checks, riding into commits). Such links are added to
 * the repository's shared `info/exclude` as `/<link>`, once.
 */
async function ignoreLink(worktreePath: string, link: string): Promise<void> {
  const posixLink = link.split(path.sep).join('/');
  const ignored = await git(worktreePath, ['check-ignore', '-q', '--no-index', posixLink], {
    allowFailure: true,
  });
  if (ignored.exitCode === 0) return;
  const common = (await git(worktreePath, ['rev-parse', '--git-common-dir'])).stdout.trim();
  const excludeFile = path.resolve(worktreePath, common, 'info', 'exclude');
  const current = existsSync(excludeFile) ? await readFile(excludeFile, 'utf8') : '';
  const rule = `/${posixLink}`;
  if (current.split('\n').includes(rule)) return;
  await mkdir(path.dirname(excludeFile), { recursive: true });
  const separator = current === '' || current.endsWith('\n') ? '' : '\n';
  await appendFile(excludeFile, `${separator}# nightshift: linked into worktrees\n${rule}\n`);
}

/** How an {@link integrate} ended. */
export type IntegrateResult =
  | { readonly ok: true; readonly sha: string }
  | {
      readonly ok: false;
      /**
       * `conflict`: the rebase onto the integration branch conflicts — send the task back with it.
       * `dirty-checkout`: the checkout holding the integration branch has uncommitted changes in
       * files the merge would touch — a person has to commit or stash them.
       */
      readonly reason: 'conflict' | 'dirty-checkout';
      /** The files and git's message, ready for a prompt or a board line. */
      readonly conflict: string;
      readonly files: readonly string[];
    };

/** Options of {@link integrate}. */
export interface IntegrateOptions {
  /** The branch verified work lands on (usually the one checked out in the main checkout). */
  readonly integrationBranch: string;
}

/** Attempts at rebase + fast-forward when the integration branch moves in between. */
const INTEGRATE_TRIES = 3;

/**
 * Lands a worktree's committed work on the integration branch: rebases the worktree branch onto
 * the integration branch's head, then fast-forwards the integration branch. When that branch is
 * checked out (normally in the main checkout) the fast-forward is `git merge --ff-only` run
 * there, so its working tree follows; otherwise the ref is moved directly. On a conflict the
 * rebase is aborted, leaving both trees as they were. The worktree must have no uncommitted
 * changes (commit first with `commitAll`).
 */
export async function integrate(
  repoRoot: string,
  worktree: Pick<Worktree, 'path' | 'branch'>,
  options: IntegrateOptions,
): Promise<IntegrateResult> {
  const { integrationBranch } = options;
  const pending = await uncommittedFiles(worktree.path);
  if (pending.length > 0) {
    throw new UserError(
      `Worktree ${worktree.path} has uncommitted changes (${pending.slice(0, 10).join(', ')}); commit them before integrating.`,
    );
  }
  for (let tryNo = 1; ; tryNo++) {
    const target = await revParse(repoRoot, `refs/heads/${integrationBranch}`);
    const rebase = await git(worktree.path, ['rebase', '--quiet', target], {
      allowFailure: true,
      config: await identityConfig(worktree.path),
    });
    if (rebase.exitCode !== 0) {
      const unmerged = await git(worktree.path, ['diff', '--name-only', '--diff-filter=U'], {
        allowFailure: true,
      });
      const files = unmerged.stdout.split('\n').filter(Boolean);
      await git(worktree.path, ['rebase', '--abort'], { allowFailure: true });
      const message = [rebase.stdout.trim(), rebase.stderr.trim()].filter(Boolean).join('\n');
      return {
        ok: false,
        reason: 'conflict',
        files,
        conflict: `Rebasing ${worktree.branch} onto ${integrationBranch} conflicts in: ${
          files.join(', ') || '(git named no file)'
        }\n${message}`,
      };
    }
    const sha = await head(worktree.path);
    const holder = await checkoutOf(repoRoot, integrationBranch);
    if (holder === null) {
      // Nobody has the branch checked out: move the ref, but only if it is still where we rebased.
      const moved = await git(repoRoot, ['update-ref', `refs/heads/${integrationBranch}`, sha, target], {
        allowFailure: true,
      });
      if (moved.exitCode === 0) return { ok: true, sha };
    } else {
      const touched = await changedFiles(worktree.path, target).then((all) => new Set(all));
      const dirty = (await uncommittedFiles(holder)).filter((file) => touched.has(file));
      if (dirty.length > 0) return dirtyCheckout(holder, integrationBranch, dirty.sort(), '');
      const merge = await git(holder, ['merge', '--ff-only', '--quiet', sha], { allowFailure: true });
      if (merge.exitCode === 0) return { ok: true, sha: await head(holder) };
      const message = [merge.stdout.trim(), merge.stderr.trim()].filter(Boolean).join('\n');
      if (/overwritten|uncommitted|local changes/i.test(message)) {
        return dirtyCheckout(holder, integrationBranch, [], message);
      }
      if (tryNo >= INTEGRATE_TRIES || !/fast-forward/i.test(message)) {
        throw new UserError(`\`git merge --ff-only ${sha}\` failed in ${holder}: ${message}`);
      }
    }
    if (tryNo >= INTEGRATE_TRIES) {
      throw new UserError(`${integrationBranch} kept moving while ${worktree.branch} was being integrated.`);
    }
  }
}

function dirtyCheckout(holder: string, branch: string, files: string[], message: string): IntegrateResult {
  return {
    ok: false,
    reason: 'dirty-checkout',
    files,
    conflict:
      `Cannot fast-forward ${branch} in ${holder}: uncommitted changes there would be overwritten` +
      (files.length > 0 ? ` (${files.join(', ')})` : '') +
      '. Commit or stash them; the verified work waits on its branch.' +
      (message ? `\n${message}` : ''),
  };
}

/** The folder of the worktree that has `branch` checked out, or null. */
async function checkoutOf(repoRoot: string, branch: string): Promise<string | null> {
  const entry = (await listWorktrees(repoRoot)).find((candidate) => candidate.branch === branch);
  return entry ? entry.path : null;
}

/** Options of {@link removeWorktree}. */
export interface RemoveWorktreeOptions {
  /** Keep the worktree's `nightshift/*` branch (default: delete it). */
  readonly keepBranch?: boolean;
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
  const target = await canonical(worktreePath);
  let branch: string | null = null;
  for (const entry of await listWorktrees(repoRoot)) {
    if ((await canonical(entry.path)) === target) branch = entry.branch;
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
