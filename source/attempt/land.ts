/**
 * The end of a passing attempt: its work committed and landed on the integration branch through
 * the repository's landing queue (git/landing.ts), told on the board.
 */
import { git } from '../git/git-exec.js';
import { landWork } from '../git/landing.js';
import { repoCacheFor } from '../git/repo-cache.js';
import type { Worktree } from '../git/worktree.js';
import type { AttemptContext, AttemptDeps, AttemptResult } from './types.js';

/** Where the work sits after landing, for the diff kept for inspection (taken later, off the critical path). */
export interface LandedBase {
  /** The commit the worktree's work was rebased onto; unset when it still sits on the worktree's base. */
  diffBase?: string;
}

/** Commits the verified work in the worktree and lands it on the integration branch. */
export async function land(
  deps: AttemptDeps,
  context: AttemptContext,
  worktree: Worktree,
  passed: AttemptResult,
  landedBase?: LandedBase,
): Promise<AttemptResult> {
  const { task, attempt, handle } = context;
  // The trailers let recovery after a kill find work that landed but was not recorded (DESIGN §6).
  const message = `${task.title}\n\nnightshift task ${task.id}, attempt ${attempt}${passed.metric !== undefined ? `, metric ${passed.metric}` : ''}\n\nNightshift-Task: ${task.id}\nNightshift-Attempt: ${attempt}`;
  const landed = await landWork(deps.paths.root, worktree, {
    message: `nightshift(${task.id}): ${message}`,
    integrationBranch: deps.integrationBranch,
    autoCommit: deps.options.autoCommit,
    cache: repoCacheFor(deps),
  });
  if ((landed.kind === 'landed' || landed.kind === 'refused') && landed.base !== undefined && landedBase)
    landedBase.diffBase = landed.base;
  switch (landed.kind) {
    case 'kept':
      handle.line(
        'info',
        `${task.id}: passed; auto_commit is off, so the work stays on branch ${worktree.branch}`,
      );
      return { ...passed, commit: landed.sha ?? undefined };
    case 'nothing':
      return { ...passed, summary: `${passed.summary} (no file changes to commit)` };
    case 'refused':
      if (landed.reason === 'dirty-checkout') {
        // Verified work is never thrown away: it waits, committed on its branch (DESIGN §6).
        const commit = (await git(worktree.path, ['rev-parse', 'HEAD'])).stdout.trim();
        const inTheWay = landed.files.join(', ') || 'an operation in progress';
        handle.line(
          'warn',
          `${task.id}: verified, waiting to land: the main checkout's uncommitted edits stand in the way (${inTheWay}); it lands once they are committed or stashed, or with \`nightshift land ${task.id}\``,
        );
        return {
          ...passed,
          summary: `${passed.summary} (verified, waiting to land: ${inTheWay})`,
          waiting: {
            branch: worktree.branch,
            commit,
            files: [...landed.files],
            reason: landed.conflict.split('\n')[0] ?? '',
          },
        };
      }
      handle.line(
        'warn',
        `${task.id}: ${landed.reason === 'conflict' ? 'rebase conflict' : 'main checkout has uncommitted changes'}: ${landed.files.join(', ')}`,
      );
      return {
        ...passed,
        outcome: 'failed',
        summary: `passed the gate but could not land: ${landed.reason} in ${landed.files.join(', ')}`,
        conflict: landed.conflict,
      };
    case 'landed':
      return { ...passed, commit: landed.sha };
  }
}
