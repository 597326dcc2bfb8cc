/**
 * Recovery of the repository side of a dead engine's work (DESIGN §6, issue 9), run before
 * recoverState closes its attempts:
 * - git is repaired (git/repo-recovery.ts): its own stale locks, half-made worktrees, rebases;
 * - work that landed but was never recorded is found by its `Nightshift-Task:` trailer on the
 *   integration branch and its task marked done — never done a second time;
 * - a verified commit that had not landed yet (its branch's tip carries the trailer) is kept as
 *   "verified, waiting to land", so it lands without another agent run.
 */
import path from 'node:path';
import type { ProjectPaths } from '../paths.js';
import type { Store } from '../store/store.js';
import { git } from '../git/git-exec.js';
import { landedTasks, repairRepository } from '../git/repo-recovery.js';
import { taskBranch, worktreesDir } from '../git/worktree.js';
import { canMove, moveTask } from '../tasks/lifecycle.js';

/** Where nightshift journals the git processes it runs (git/git-journal.ts). */
export function gitJournalDir(paths: ProjectPaths): string {
  return path.join(paths.dir, 'git-running');
}

/** The task a commit names in its `Nightshift-Task:` trailer, or undefined. */
async function trailerTask(root: string, ref: string): Promise<string | undefined> {
  const out = await git(
    root,
    ['log', '-1', '--format=%(trailers:key=Nightshift-Task,valueonly)', ref, '--'],
    {
      allowFailure: true,
    },
  );
  return out.exitCode === 0 ? out.stdout.trim() || undefined : undefined;
}

async function isAncestor(root: string, ancestor: string, descendant: string): Promise<boolean> {
  const out = await git(root, ['merge-base', '--is-ancestor', ancestor, descendant], { allowFailure: true });
  return out.exitCode === 0;
}

/**
 * Repairs the repository and reconciles the store with it. Returns lines for the user. Safe when
 * nothing is left to repair (a clean start costs a few git calls).
 */
export async function recoverWork(
  store: Store,
  paths: ProjectPaths,
  integrationBranch: string,
  now: () => string = () => new Date().toISOString(),
): Promise<string[]> {
  const root = paths.root;
  const tasks = store.state.tasks;
  const openRuns = new Set<string>();
  for (const task of tasks)
    for (const attempt of task.attempts) if (attempt.outcome === 'running') openRuns.add(attempt.runId);
  for (const run of store.state.runs) if (run.outcome === undefined) openRuns.add(run.id);

  // Verified commits on a task's branch that never landed: kept, to land without an agent.
  const salvaged = new Map<string, { branch: string; commit: string }>();
  if (openRuns.size > 0) {
    for (const task of tasks) {
      if (task.status === 'done' || task.landing) continue;
      const branch = taskBranch(task.id);
      const tip = await git(root, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
        allowFailure: true,
      });
      if (tip.exitCode !== 0) continue;
      const commit = tip.stdout.trim();
      if ((await trailerTask(root, commit)) !== task.id) continue;
      if (await isAncestor(root, commit, `refs/heads/${integrationBranch}`)) continue;
      salvaged.set(task.id, { branch, commit });
    }
  }
  const keepBranches = new Set<string>([
    ...tasks.flatMap((task) => (task.landing ? [task.landing.branch] : [])),
    ...[...salvaged.values()].map((entry) => entry.branch),
  ]);
  const repair = await repairRepository(root, {
    journalDir: gitJournalDir(paths),
    worktreesDir: await worktreesDir(root),
    keepBranches,
  });
  const lines = [...repair.lines];
  if (openRuns.size === 0 && salvaged.size === 0) return lines;

  const starts = store.state.runs
    .filter((run) => openRuns.has(run.id))
    .map((run) => Date.parse(run.startedAt));
  // A minute of slack for clocks; the trailer, not the time, says which task a commit is.
  const since = new Date((starts.length > 0 ? Math.min(...starts) : Date.now()) - 60_000).toISOString();
  const landed = await landedTasks(root, integrationBranch, since);
  const at = now();
  const recorded: string[] = [];
  store.update((state) => {
    for (const task of state.tasks) {
      if (task.status === 'done') continue;
      const sha = landed.get(task.id);
      if (sha !== undefined) {
        const open =
          task.attempts.findLast((attempt) => attempt.outcome === 'running') ?? task.attempts.at(-1);
        if (open) {
          open.outcome = 'passed';
          open.commit = sha;
          open.endedAt ??= at;
          open.pid = undefined;
          open.summary = 'landed before the engine stopped; recorded on recovery (Nightshift-Task trailer)';
        }
        // A blocked task goes back to pending on its way (the lifecycle's only way out of blocked).
        if (!canMove(task.status, 'done')) moveTask(task, 'pending');
        moveTask(task, 'done');
        task.landing = undefined;
        task.updatedAt = at;
        recorded.push(`${task.id} (${sha.slice(0, 8)})`);
        continue;
      }
      const kept = salvaged.get(task.id);
      if (kept) {
        task.landing = { ...kept, files: [], reason: 'the engine stopped before it landed', since: at };
        task.updatedAt = at;
      }
    }
  });
  for (const id of landed.keys()) {
    // Its work is on the integration branch: a branch kept for it above holds nothing more.
    if (salvaged.has(id))
      await git(root, ['branch', '--quiet', '-D', taskBranch(id)], { allowFailure: true });
    salvaged.delete(id);
  }
  if (recorded.length > 0)
    lines.push(`work that landed before the engine stopped is recorded as done: ${recorded.join(', ')}`);
  if (salvaged.size > 0)
    lines.push(
      `verified work kept on its branch, to land without another agent run: ${[...salvaged.keys()].join(', ')}`,
    );
  await store.flush();
  return lines;
}
