/**
 * Per-run memory of repository facts: every git call is a process spawn of a few milliseconds,
 * and the engine's overhead budget is 20 ms per task (DESIGN §9).
 */
import { identityConfig } from './git.js';

/**
 * Facts about one repository that an engine looks up once per run instead of once per attempt.
 * Create one per run with {@link createRepoCache} and pass it to every call; calls given none
 * look everything up afresh, as a one-off command should.
 */
export interface RepoCache {
  /**
   * {@link identityConfig} of the repository. Safe for a run: worktrees share the repository's
   * config, and a person changing user.name/email mid-run at worst gets the next run to see it
   * (a commit with a stale "configured" answer fails loudly rather than lie about its author).
   */
  identity?: Promise<Record<string, string>>;
  /** `worktreesDir`: the repository's real path and the state home do not change during a run. */
  worktreesDir?: Promise<string>;
  /** `git rev-parse --git-common-dir`, absolute: where the repository's files live does not change either. */
  commonDir?: Promise<string>;
  /**
   * The checkout last seen holding each integration branch (normally the main checkout). Only a
   * hint: a person may switch branches there at any time, so every use re-reads that checkout's
   * branch (from git's files, or with the status it needs) and falls back to `git worktree list`.
   */
  readonly holders: Map<string, string>;
  /**
   * Integration branches whose last fast-forward in their holder went through. The next landing
   * on one goes straight to `git merge --ff-only`, which refuses, changing nothing, when
   * uncommitted changes are in its way; after a refusal, landings look at the checkout with
   * `git status` first again (a refused merge takes the checkout's index.lock for a moment, as a
   * landing does, and waiting work is retried) until one lands.
   */
  readonly mergedClean: Set<string>;
}

/** An empty {@link RepoCache} for one engine run. */
export function createRepoCache(): RepoCache {
  return { holders: new Map(), mergedClean: new Set() };
}

/** The identity settings for commits in `repoRoot` and its worktrees, looked up once per cache. */
export function repoIdentity(
  repoRoot: string,
  cache: RepoCache = createRepoCache(),
): Promise<Record<string, string>> {
  cache.identity ??= identityConfig(repoRoot).catch((error: unknown) => {
    // A failed look-up (git missing, a folder gone) is not a fact about the repository.
    cache.identity = undefined;
    throw error;
  });
  return cache.identity;
}

const perRun = new WeakMap<object, RepoCache>();

/** The cache of the run that `run` stands for (its attempt deps): created on first use, gone with the run. */
export function repoCacheFor(run: object): RepoCache {
  let cache = perRun.get(run);
  if (!cache) perRun.set(run, (cache = createRepoCache()));
  return cache;
}
