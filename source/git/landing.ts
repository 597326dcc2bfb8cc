/**
 * Landing verified work (DESIGN §6): commit in the worktree, rebase onto the integration branch,
 * fast-forward it. One landing queue per repository runs these one at a time, so two attempts
 * that pass together never race for the integration branch (the loser would rebase onto a head
 * that moved under it); attempts of other repositories do not wait.
 */
import path from 'node:path';
import { commitWork, git } from './git.js';
import { createRepoCache, repoIdentity, type RepoCache } from './repo-cache.js';
import { integrate } from './integrate.js';
import type { Worktree } from './worktree.js';

/** The tail of each repository's queue: the promise the next landing waits for. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Landings between two runs of git's own auto-maintenance check: landings turn it off for their
 * commits and merges (NO_AUTO_MAINTENANCE), which would each start it.
 */
const MAINTENANCE_EVERY = 25;
/** Landings per repository since its last maintenance check (the first landing of a process checks). */
const sinceMaintenance = new Map<string, number>();

/**
 * `git maintenance run --auto`, once every {@link MAINTENANCE_EVERY} landings of a repository: it
 * packs loose objects when there are many (with git's defaults, in a process of its own in the
 * background) and otherwise ends at once. Failures are git's business, not the landing's.
 */
async function maintainNow(repoRoot: string): Promise<void> {
  const key = path.resolve(repoRoot);
  const count = sinceMaintenance.get(key) ?? MAINTENANCE_EVERY;
  if (count < MAINTENANCE_EVERY) {
    sinceMaintenance.set(key, count + 1);
    return;
  }
  sinceMaintenance.set(key, 1);
  await git(repoRoot, ['maintenance', 'run', '--auto', '--quiet'], { allowFailure: true });
}

/**
 * Runs `work` after every landing already queued for `repoRoot` has ended (passed or thrown), and
 * before any queued later. Resolves or rejects with `work`'s own result.
 */
export function enqueueLanding<T>(repoRoot: string, work: () => Promise<T>): Promise<T> {
  const key = path.resolve(repoRoot);
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const tail = next.catch(() => undefined);
  queues.set(key, tail);
  // The last landing of a repository takes its queue with it.
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return next;
}

/** What {@link landWork} is asked to do. */
export interface LandRequest {
  /** The commit message of the work left uncommitted in the worktree. */
  readonly message: string;
  /** The branch verified work lands on. */
  readonly integrationBranch: string;
  /** When false the work is committed on the worktree's branch and stays there. */
  readonly autoCommit: boolean;
  /** The run's {@link RepoCache}. */
  readonly cache?: RepoCache;
}

/** How a landing ended. */
export type LandResult =
  /** Committed on the worktree's branch only (auto-commit off). */
  | { readonly kind: 'kept'; readonly sha: string | null }
  /** Nothing to land: no file changed and no commit was made in the worktree. */
  | { readonly kind: 'nothing' }
  /** `base`: the integration head the work was rebased onto (what its kept diff is taken against). */
  | { readonly kind: 'landed'; readonly sha: string; readonly base: string }
  /** The rebase conflicts, or the checkout holding the branch has uncommitted changes in its way. */
  | {
      readonly kind: 'refused';
      readonly reason: 'conflict' | 'dirty-checkout';
      readonly conflict: string;
      readonly files: readonly string[];
      /** Where a rebase left the worktree's work, when one moved it. */
      readonly base?: string;
    };

/** Commits the worktree's work and lands it on the integration branch, in the repository's queue. */
export function landWork(
  repoRoot: string,
  worktree: Pick<Worktree, 'path' | 'branch' | 'baseSha'>,
  request: LandRequest,
): Promise<LandResult> {
  return enqueueLanding(repoRoot, async (): Promise<LandResult> => {
    const cache = request.cache ?? createRepoCache();
    const made = await commitWork(worktree.path, request.message, {
      identity: await repoIdentity(repoRoot, cache),
    });
    const { sha } = made;
    if (!request.autoCommit) return { kind: 'kept', sha };
    // Iterative attempts (and agents that commit themselves) leave a clean tree with commits on it.
    if (sha === null && made.parent === worktree.baseSha) return { kind: 'nothing' };
    // What the commit told (its parent, nothing left over) spares integrate a status and, when the branch has not moved, the rebase.
    const committed = sha !== null && made.excluded.length === 0 ? { sha, parent: made.parent } : undefined;
    const landed = await integrate(repoRoot, worktree, {
      integrationBranch: request.integrationBranch,
      cache,
      ...(committed && { committed }),
    });
    if (!landed.ok)
      return {
        kind: 'refused',
        reason: landed.reason,
        conflict: landed.conflict,
        files: landed.files,
        ...(landed.base !== undefined && { base: landed.base }),
      };
    await maintainNow(repoRoot);
    return { kind: 'landed', sha: landed.sha, base: landed.base };
  });
}
