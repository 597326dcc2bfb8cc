/**
 * Recovery on start (DESIGN.md §3): a previous engine may have died mid-attempt. Its attempts are
 * closed as `interrupted`, any of its agents' processes still alive are killed, its tasks go back to
 * pending, and its worktrees are kept for inspection.
 */
import { attemptProcessTag, killTree, taggedProcesses } from '../agents/process-tree.js';
import type { Store } from '../store/store.js';
import { isInFlight, moveTask } from '../tasks/lifecycle.js';

/** What recovery did, for the user. */
export interface RecoveryReport {
  readonly interruptedAttempts: readonly string[];
  readonly killedProcesses: number;
  readonly runsClosed: number;
}

/** Closes what a dead engine left open. Safe to call when nothing is open. */
export async function recoverState(
  store: Store,
  now: () => string = () => new Date().toISOString(),
): Promise<RecoveryReport> {
  const open: { taskId: string; n: number; runId: string; pid: number | undefined }[] = [];
  for (const task of store.state.tasks) {
    for (const attempt of task.attempts) {
      if (attempt.outcome === 'running')
        open.push({ taskId: task.id, n: attempt.n, runId: attempt.runId, pid: attempt.pid });
    }
  }
  let killed = 0;
  for (const attempt of open) {
    const tag = attemptProcessTag(attempt.runId, attempt.taskId, attempt.n);
    // The leader may be gone while a re-parented descendant lives on: the tag finds both.
    const leader = attempt.pid ?? taggedProcesses(tag)[0];
    if (leader !== undefined) killed += (await killTree(leader, { tag, graceMs: 1000 })).signalled;
  }
  const endedAt = now();
  const openRuns = store.state.runs.filter((run) => run.outcome === undefined).length;
  if (open.length === 0 && openRuns === 0 && !store.state.tasks.some(isInFlight)) {
    return { interruptedAttempts: [], killedProcesses: 0, runsClosed: 0 };
  }
  store.update((state) => {
    for (const task of state.tasks) {
      for (const attempt of task.attempts) {
        if (attempt.outcome !== 'running') continue;
        attempt.outcome = 'interrupted';
        attempt.endedAt = endedAt;
        attempt.summary = attempt.summary || 'the engine stopped during this attempt';
        attempt.pid = undefined;
      }
      if (isInFlight(task)) moveTask(task, 'pending', { at: endedAt });
    }
    for (const run of state.runs) {
      if (run.outcome !== undefined) continue;
      run.outcome = 'interrupted';
      run.endedAt ??= endedAt;
    }
  });
  await store.flush();
  return {
    interruptedAttempts: open.map((attempt) => `${attempt.taskId}#${attempt.n}`),
    killedProcesses: killed,
    runsClosed: openRuns,
  };
}
