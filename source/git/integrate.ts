/**
 * Landing a worktree's committed work on the integration branch (DESIGN §6): rebase onto its head,
 * then fast-forward it, or wait when the user's checkout is in the way (uncommitted changes in the
 * files the landing touches, or their own rebase, merge, cherry-pick, revert or bisect).
 *
 * {@link integrate} calls of one repository must not overlap: the engine lands through the
 * repository's landing queue (landing.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import {
  absoluteGitDir,
  checkoutStatus,
  git,
  head,
  NO_AUTO_MAINTENANCE,
  revParse,
  splitNul,
  uncommittedFiles,
} from './git.js';
import { readCheckedOut } from './ref-read.js';
import { createRepoCache, repoIdentity, type RepoCache } from './repo-cache.js';
import { isEnvFile } from '../security/secrets.js';
import { listWorktrees, type Worktree } from './worktree.js';

/** How an {@link integrate} ended. */
export type IntegrateResult =
  | {
      readonly ok: true;
      readonly sha: string;
      /** The integration head the landed work sits on (its base after the rebase). */
      readonly base: string;
    }
  | {
      readonly ok: false;
      /** Where a rebase of this call left the worktree's work, when one moved it (else it is where it was). */
      readonly base?: string;
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
  // Where the worktree's work sits once a rebase (or none needed) put it on the branch's head.
  let base: string | undefined;
  const withBase = (result: IntegrateResult): IntegrateResult =>
    base === undefined || result.ok ? result : { ...result, base };
  for (let tryNo = 1; ; tryNo++) {
    // The user's own rebase, merge, cherry-pick or bisect in the main checkout: landing now would
    // strand it (a rebase would later reset the branch over our commit), so the work waits.
    const busy = await operationInProgress(repoRoot);
    if (busy) return withBase(operationWait(repoRoot, integrationBranch, busy));
    const site = await landingSite(repoRoot, integrationBranch, cache);
    const { target } = site;
    // The one new commit already sits on the branch's head: the rebase would say "up to date".
    const onTarget = committed !== undefined && committed.parent === target;
    const rebase = onTarget
      ? { exitCode: 0, stdout: '', stderr: '' }
      : await git(worktree.path, ['rebase', '--quiet', target], {
          allowFailure: true,
          config: { ...(await repoIdentity(repoRoot, cache)), ...NO_AUTO_MAINTENANCE },
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
        ...(base !== undefined && { base }),
        reason: 'conflict',
        files,
        conflict: `Rebasing ${worktree.branch} onto ${integrationBranch} conflicts in: ${
          files.join(', ') || '(git named no file)'
        }\n${message}`,
      };
    }
    base = target;
    const sha = onTarget ? committed.sha : await head(worktree.path);
    if (site.holder === null) {
      // Nobody has the branch checked out: move the ref, but only if it is still where we rebased.
      const moved = await git(repoRoot, ['update-ref', `refs/heads/${integrationBranch}`, sha, target], {
        allowFailure: true,
      });
      if (moved.exitCode === 0) return { ok: true, sha, base: target };
    } else {
      const { holder } = site;
      if (site.dirty !== null && site.dirty.length > 0) {
        const dirty = await inTheWay(worktree.path, site.dirty, target, sha);
        if (dirty.length > 0) return withBase(dirtyCheckout(holder, integrationBranch, dirty, ''));
      }
      const merge = await git(holder, ['merge', '--ff-only', '--quiet', sha], {
        allowFailure: true,
        config: NO_AUTO_MAINTENANCE,
      });
      // A fast-forward to `sha` leaves HEAD at `sha`: no need to ask.
      if (merge.exitCode === 0) {
        cache.mergedClean.add(integrationBranch);
        return { ok: true, sha, base: target };
      }
      const message = [merge.stdout.trim(), merge.stderr.trim()].filter(Boolean).join('\n');
      if (/overwritten|uncommitted|local changes/i.test(message)) {
        cache.mergedClean.delete(integrationBranch);
        // Not looked at before the merge: the files in the way are named now, for the person.
        const uncommitted = site.dirty === null ? await checkoutStatus(holder) : null;
        const paths = uncommitted?.changes.map((change) => change.path) ?? [];
        const dirty = await inTheWay(worktree.path, paths, target, sha);
        return withBase(dirtyCheckout(holder, integrationBranch, dirty, message));
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

/**
 * Where an integration lands: the branch's head, and the checkout holding it with its uncommitted
 * files (null: not looked at; the merge itself refuses when they are in its way).
 */
type LandingSite =
  | { readonly holder: null; readonly target: string }
  | { readonly holder: string; readonly target: string; readonly dirty: readonly string[] | null };

/**
 * The integration branch's head and the checkout that has it checked out (null when none does),
 * with that checkout's uncommitted files: one `git status` of the checkout that held the branch
 * last time, which also proves it still does; `git worktree list` only when it no longer does.
 * While the last merge there went through (`mergedClean`), that checkout's HEAD is read from git's
 * files instead, and its uncommitted files are left to the merge.
 */
async function landingSite(repoRoot: string, branch: string, cache: RepoCache): Promise<LandingSite> {
  const known = cache.holders.get(branch);
  if (known !== undefined && cache.mergedClean.has(branch)) {
    const checkedOut = readCheckedOut(known);
    if (checkedOut?.branch === branch) return { holder: known, target: checkedOut.head, dirty: null };
  }
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

/**
 * Which of the checkout's uncommitted files `dirty` the fast-forward from `target` to `sha` would
 * touch: the worktree is clean, so what it changes is the rebased commits' diff. Sorted.
 */
async function inTheWay(
  worktreePath: string,
  dirty: readonly string[],
  target: string,
  sha: string,
): Promise<string[]> {
  if (dirty.length === 0) return [];
  const diff = await git(worktreePath, ['diff', '--name-only', '-z', '--no-renames', target, sha]);
  const touched = new Set(splitNul(diff.stdout));
  return dirty.filter((file) => touched.has(file)).sort();
}

/** The git operation in progress in a checkout (`rebase`, `merge`, …), or undefined. */
export async function operationInProgress(checkout: string): Promise<string | undefined> {
  const gitDir = await absoluteGitDir(checkout);
  if (gitDir === undefined) return undefined;
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
