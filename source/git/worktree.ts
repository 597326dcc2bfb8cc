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
 * {@link integrate} calls of one repository must not overlap: the engine lands through the
 * repository's landing queue (landing.ts); the rest may run concurrently for different tasks.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { stateHome } from '../paths.js';
import { checkoutStatus, currentBranch, git, head, revParse, uncommittedFiles } from './git.js';
import { createRepoCache, repoIdentity, type RepoCache } from './repo-cache.js';
import { isEnvFile } from '../security/secrets.js';
import { linkFolders } from './worktree-links.js';

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
  /** The run's {@link RepoCache}. */
  readonly cache?: RepoCache;
  /**
   * The commit the caller just made in the worktree with `commitWork`, when it left nothing
   * uncommitted: the worktree needs no clean check, and no rebase while the integration branch
   * still points at that commit's parent.
   */
  readonly committed?: { readonly sha: string; readonly parent: string | null };
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
  const cache = options.cache ?? createRepoCache();
  const { committed } = options;
  // Files nightshift deliberately leaves out of commits (.env, …) never block a landing.
  const pending = committed ? [] : (await uncommittedFiles(worktree.path)).filter((file) => !isEnvFile(file));
  if (pending.length > 0) {
    throw new UserError(
      `Worktree ${worktree.path} has uncommitted changes (${pending.slice(0, 10).join(', ')}); commit them before integrating.`,
    );
  }
  for (let tryNo = 1; ; tryNo++) {
    // The user's own rebase, merge, cherry-pick or bisect in the main checkout: landing now would
    // strand it (a rebase would later reset the branch over our commit), so the work waits.
    const busy = await operationInProgress(repoRoot);
    if (busy) return operationWait(repoRoot, integrationBranch, busy);
    const site = await landingSite(repoRoot, integrationBranch, cache);
    const { target } = site;
    // The one new commit already sits on the branch's head: the rebase would say "up to date".
    const onTarget = committed !== undefined && committed.parent === target;
    const rebase = onTarget
      ? { exitCode: 0, stdout: '', stderr: '' }
      : await git(worktree.path, ['rebase', '--quiet', target], {
          allowFailure: true,
          config: await repoIdentity(repoRoot, cache),
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
    const sha = onTarget ? committed.sha : await head(worktree.path);
    if (site.holder === null) {
      // Nobody has the branch checked out: move the ref, but only if it is still where we rebased.
      const moved = await git(repoRoot, ['update-ref', `refs/heads/${integrationBranch}`, sha, target], {
        allowFailure: true,
      });
      if (moved.exitCode === 0) return { ok: true, sha };
    } else {
      const { holder } = site;
      if (site.dirty.length > 0) {
        // The worktree was clean, so what the fast-forward changes is the rebased commits' diff.
        const diff = await git(worktree.path, ['diff', '--name-only', '-z', '--no-renames', target, sha]);
        const touched = new Set(diff.stdout.split('\0').filter(Boolean));
        const dirty = site.dirty.filter((file) => touched.has(file));
        if (dirty.length > 0) return dirtyCheckout(holder, integrationBranch, dirty.sort(), '');
      }
      const merge = await git(holder, ['merge', '--ff-only', '--quiet', sha], { allowFailure: true });
      // A fast-forward to `sha` leaves HEAD at `sha`: no need to ask.
      if (merge.exitCode === 0) return { ok: true, sha };
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

/** Where an integration lands: the branch's head, and the checkout holding it with its uncommitted files. */
type LandingSite =
  | { readonly holder: null; readonly target: string }
  | { readonly holder: string; readonly target: string; readonly dirty: readonly string[] };

/**
 * The integration branch's head and the checkout that has it checked out (null when none does),
 * with that checkout's uncommitted files: one `git status` of the checkout that held the branch
 * last time, which also proves it still does; `git worktree list` only when it no longer does.
 */
async function landingSite(repoRoot: string, branch: string, cache: RepoCache): Promise<LandingSite> {
  const known = cache.holders.get(branch);
  const seen = known === undefined ? null : await checkoutStatus(known);
  if (known !== undefined && seen?.branch === branch && seen.head !== null) {
    return { holder: known, target: seen.head, dirty: seen.changes.map((change) => change.path) };
  }
  cache.holders.delete(branch);
  const entry = (await listWorktrees(repoRoot)).find((candidate) => candidate.branch === branch);
  if (!entry) return { holder: null, target: await revParse(repoRoot, `refs/heads/${branch}`) };
  const status = await checkoutStatus(entry.path);
  if (status?.branch === branch && status.head !== null) {
    cache.holders.set(branch, entry.path);
    return { holder: entry.path, target: status.head, dirty: status.changes.map((change) => change.path) };
  }
  const target = await revParse(repoRoot, `refs/heads/${branch}`);
  // Switched away between the two reads: nobody holds the branch now. A checkout git lists but
  // cannot read (a folder gone without prune) keeps the old way: the merge there says what is wrong,
  // and the ref is never moved under a checkout.
  return status !== null ? { holder: null, target } : { holder: entry.path, target, dirty: [] };
}

/** The git operation in progress in a checkout (`rebase`, `merge`, …), or undefined. */
export async function operationInProgress(checkout: string): Promise<string | undefined> {
  const out = await git(checkout, ['rev-parse', '--absolute-git-dir'], { allowFailure: true });
  if (out.exitCode !== 0) return undefined;
  const gitDir = out.stdout.trim();
  const markers: readonly [string, string][] = [
    ['rebase-merge', 'rebase'],
    ['rebase-apply', 'rebase'],
    ['MERGE_HEAD', 'merge'],
    ['CHERRY_PICK_HEAD', 'cherry-pick'],
    ['REVERT_HEAD', 'revert'],
    ['BISECT_LOG', 'bisect'],
  ];
  return markers.find(([file]) => existsSync(path.join(gitDir, file)))?.[1];
}

function operationWait(holder: string, branch: string, operation: string): IntegrateResult {
  return {
    ok: false,
    reason: 'dirty-checkout',
    files: [],
    conflict: `Cannot land on ${branch}: a git ${operation} is in progress in ${holder}. Finish or abort it; the verified work waits on its branch.`,
  };
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
