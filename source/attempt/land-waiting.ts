/**
 * Verified work waiting on its branch (DESIGN §6): `nightshift/<task>` holds a commit that passed
 * the gate but could not land (the user's uncommitted edits in files it changes, or their rebase
 * or merge in progress). It lands through the repository's landing queue, in a fresh worktree of
 * that branch, as soon as nothing is in the way — from the engine (at start and on a timer) or
 * from `nightshift land` — and never by running the agent again.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { git } from '../git/git-exec.js';
import { enqueueLanding } from '../git/landing.js';
import type { RepoCache } from '../git/repo-cache.js';
import { integrate } from '../git/integrate.js';
import { removeWorktree, worktreesDir } from '../git/worktree.js';
import { moveTask } from '../tasks/lifecycle.js';
import type { Landing, Task } from '../tasks/model.js';

/** How a landing of waiting work ended. */
export type WaitingOutcome =
  | { readonly kind: 'landed'; readonly sha: string }
  /** Still in the way: the files (or the operation) named. */
  | { readonly kind: 'waiting'; readonly files: readonly string[]; readonly reason: string }
  /** The integration branch moved into a conflict: the task needs an agent after all. */
  | { readonly kind: 'conflict'; readonly conflict: string }
  /** The branch is gone (deleted by a person): nothing left to land. */
  | { readonly kind: 'gone' };

/** Tries to land one task's waiting work now. */
export async function landWaiting(
  repoRoot: string,
  taskId: string,
  landing: Landing,
  integrationBranch: string,
  cache?: RepoCache,
): Promise<WaitingOutcome> {
  return enqueueLanding(repoRoot, async (): Promise<WaitingOutcome> => {
    const tip = await git(repoRoot, ['rev-parse', '--verify', '--quiet', `refs/heads/${landing.branch}`], {
      allowFailure: true,
    });
    if (tip.exitCode !== 0) return { kind: 'gone' };
    const target = `refs/heads/${integrationBranch}`;
    const merged = await git(repoRoot, ['merge-base', '--is-ancestor', tip.stdout.trim(), target], {
      allowFailure: true,
    });
    if (merged.exitCode === 0) {
      await git(repoRoot, ['branch', '--quiet', '-D', landing.branch], { allowFailure: true });
      return { kind: 'landed', sha: (await git(repoRoot, ['rev-parse', target])).stdout.trim() };
    }
    const folder = path.join(await worktreesDir(repoRoot), `${taskId}-land`);
    if (existsSync(folder)) await removeWorktree(repoRoot, folder, { keepBranch: true });
    // --force: a kept worktree of an interrupted attempt may still have the branch checked out.
    await git(repoRoot, ['worktree', 'add', '--quiet', '--force', folder, landing.branch]);
    let landed = false;
    try {
      const result = await integrate(
        repoRoot,
        { path: folder, branch: landing.branch },
        { integrationBranch, ...(cache && { cache }) },
      );
      if (result.ok) {
        landed = true;
        return { kind: 'landed', sha: result.sha };
      }
      if (result.reason === 'conflict') return { kind: 'conflict', conflict: result.conflict };
      return { kind: 'waiting', files: result.files, reason: result.conflict };
    } finally {
      await removeWorktree(repoRoot, folder, { branch: landing.branch, keepBranch: !landed });
    }
  });
}

/** The task after a {@link landWaiting} outcome (a copy; the caller stores it). */
export function applyWaitingOutcome(task: Task, outcome: WaitingOutcome, at: string): Task {
  const next = structuredClone(task);
  next.updatedAt = at;
  switch (outcome.kind) {
    case 'landed': {
      moveTask(next, 'done');
      next.landing = undefined;
      const passed = next.attempts.findLast((attempt) => attempt.outcome === 'passed');
      if (passed) passed.commit = outcome.sha;
      return next;
    }
    case 'waiting':
      if (next.landing) next.landing = { ...next.landing, files: [...outcome.files], reason: outcome.reason };
      return next;
    case 'conflict':
    case 'gone':
      next.landing = undefined;
      moveTask(next, 'pending');
      return next;
  }
}
