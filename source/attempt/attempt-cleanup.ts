/**
 * What an attempt leaves to do after it reported: keeping its files for inspection, then removing
 * its worktree and branch. Done in the background so a task is done as soon as its work landed
 * (issue 15), but tracked: a task's next attempt waits for its previous attempt's cleanup before it
 * makes a worktree on the same branch, and the run waits for all of them before it lets go of the
 * git journal and the engine lock. A kill in between leaves a worktree that recovery on the next
 * start removes (git/repo-recovery.ts) like any other the dead engine left.
 */

/** The pending cleanups of one run. */
export interface AttemptCleanups {
  /** Runs `work` in the background after the task's earlier cleanup; its errors are swallowed. */
  defer(taskId: string, work: () => Promise<void>): void;
  /** Resolves once the task's pending cleanup (if any) has ended. */
  settled(taskId: string): Promise<void>;
  /** Resolves once every pending cleanup has ended, also those deferred meanwhile. */
  drain(): Promise<void>;
}

/** A fresh set of pending cleanups for one run. */
export function createAttemptCleanups(): AttemptCleanups {
  const pending = new Map<string, Promise<void>>();
  return {
    defer(taskId, work) {
      const previous = pending.get(taskId) ?? Promise.resolve();
      const next = previous.then(work).catch(() => undefined);
      pending.set(taskId, next);
      void next.then(() => {
        if (pending.get(taskId) === next) pending.delete(taskId);
      });
    },
    settled: (taskId) => pending.get(taskId) ?? Promise.resolve(),
    async drain() {
      while (pending.size > 0) await Promise.all(pending.values());
    },
  };
}
