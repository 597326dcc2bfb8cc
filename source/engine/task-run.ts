/**
 * One task's turn in a run: attempts until it passes, is blocked, waits to land, or is stopped. An
 * outage spends no retry (the queue pauses, then the attempt runs again); attempts of earlier runs
 * count in the attempt number but not against this start's limit, so never "attempt 5 of 4".
 */
import { errorMessage } from '../errors.js';
import type { EventLine, RunView } from '../protocol/types.js';
import type { Task } from '../tasks/model.js';
import { moveTask } from '../tasks/lifecycle.js';
import { recentLearnings } from '../tasks/learning.js';
import type { AttemptHandle, AttemptResult } from '../attempt/types.js';
import type { EngineDeps } from './engine-deps.js';
import type { NightLog } from './night-log.js';
import type { OutagePause } from './outage-pause.js';
import {
  closeAttemptRecord,
  createAttemptHandle,
  openAttemptRecord,
  type AttemptHandleHost,
} from './attempt-record.js';

/** What a task's turn needs from the engine. */
export interface TaskRunHost {
  readonly deps: EngineDeps;
  readonly run: () => RunView;
  readonly night: NightLog;
  readonly outagePause: OutagePause;
  /** The last rebase conflict per task, for its next prompt. */
  readonly conflicts: Map<string, string>;
  readonly handleHost: AttemptHandleHost;
  readonly task: (id: string) => Task;
  readonly updateTask: (id: string, mutate: (task: Task) => void) => void;
  /** Where the task ends up after its attempts in this run. */
  readonly settle: (taskId: string, status: 'done' | 'pending' | 'blocked', blockReason?: string) => void;
  readonly line: (level: EventLine['level'], message: string, taskId?: string) => void;
  /** True once the whole run is stopping. */
  readonly stopping: () => boolean;
  /** Why this task alone was stopped (e.g. its dependency regressed), when it was. */
  readonly interruption: (taskId: string) => string | undefined;
  readonly now: () => Date;
}

/** Attempts one task until it passes, is blocked, waits to land, or is stopped. */
export async function runTask(host: TaskRunHost, taskId: string): Promise<void> {
  const { options } = host.deps;
  const maxAttempts = options.maxRetries + 1;
  host.night.taskStarted(taskId);
  host.updateTask(taskId, (task) => moveTask(task, 'running'));
  // This start's attempts that spent a retry.
  let tries = 0;
  for (;;) {
    const task = host.task(taskId);
    const attemptNo = task.attempts.length + 1;
    const lastAttempt = attemptNo - tries - 1 + maxAttempts;
    const handle = openAttempt(host, task, attemptNo, tries + 1, lastAttempt);
    let outcome: AttemptResult;
    try {
      outcome = await host.deps.runAttempt({
        task,
        attempt: attemptNo,
        maxAttempts: lastAttempt,
        runId: host.run().id,
        learnings: recentLearnings(host.deps.store.state.learning),
        conflict: host.conflicts.get(taskId),
        handle,
      });
    } catch (error) {
      outcome = { outcome: 'error', summary: errorMessage(error), checks: [] };
    }
    handle.close();
    const interruption = host.interruption(taskId);
    if (interruption && outcome.outcome === 'interrupted') outcome = { ...outcome, summary: interruption };
    // delay_between_tasks_ms paces the agent CLI (rate limits): the slot stays taken meanwhile.
    if (options.delayBetweenTasksMs > 0 && !host.stopping())
      await new Promise((resolve) => setTimeout(resolve, options.delayBetweenTasksMs));
    if (outcome.conflict) host.conflicts.set(taskId, outcome.conflict);
    else host.conflicts.delete(taskId);
    closeAttempt(host, taskId, attemptNo, outcome);
    if (outcome.outage && !host.stopping() && !interruption) {
      await host.outagePause.wait(taskId, outcome.outage);
      if (host.stopping()) return host.settle(taskId, 'pending');
      continue;
    }
    if (!outcome.outage) host.outagePause.reset();
    if (outcome.outcome === 'passed' && outcome.waiting) {
      const waiting = outcome.waiting;
      const since = host.now().toISOString();
      host.updateTask(taskId, (t) => {
        moveTask(t, 'pending');
        t.landing = { ...waiting, files: [...waiting.files], since };
      });
      return;
    }
    if (outcome.outcome === 'passed') {
      host.settle(taskId, 'done');
      host.line(
        'success',
        `${taskId} done${outcome.commit ? ` (${outcome.commit.slice(0, 8)})` : ''}`,
        taskId,
      );
      return;
    }
    if (outcome.outcome === 'interrupted' || host.stopping() || interruption)
      return host.settle(taskId, 'pending');
    if (tries + 1 >= maxAttempts) {
      const reason = `failed ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'}: ${outcome.summary}`.slice(
        0,
        500,
      );
      host.settle(taskId, 'blocked', reason);
      host.line('error', `${taskId} blocked: ${reason}`, taskId);
      host.night.taskBlocked(host.task(taskId), reason, host.now().toISOString());
      return;
    }
    tries += 1;
    host.line(
      'warn',
      `${taskId} attempt ${attemptNo} ${outcome.outcome}: ${outcome.summary}; retrying`,
      taskId,
    );
  }
}

/** Records a running attempt and gives attempt.ts its window onto the engine. */
function openAttempt(
  host: TaskRunHost,
  task: Task,
  n: number,
  nThisStart: number,
  last: number,
): AttemptHandle {
  const startedAt = host.now().toISOString();
  host.updateTask(task.id, (t) =>
    openAttemptRecord(t, n, host.run().id, task.backend ?? host.deps.options.backend, startedAt),
  );
  host.line(
    'info',
    `${task.id}: attempt ${n} of ${last}${n === nThisStart ? '' : ` (after ${n - nThisStart} earlier)`} started — ${task.title}`,
    task.id,
  );
  return createAttemptHandle(host.handleHost, task.id);
}

function closeAttempt(host: TaskRunHost, taskId: string, n: number, result: AttemptResult): void {
  const endedAt = host.now().toISOString();
  host.updateTask(taskId, (task) => closeAttemptRecord(task, n, result, endedAt));
  host.night.attemptClosed(host.task(taskId), n);
  const view = host.run();
  host.deps.store.updateMeta((state) => {
    const run = state.runs.find((r) => r.id === view.id);
    if (!run) return;
    run.attempts++;
    if (result.outcome === 'passed') run.tasksDone++;
    run.tokensIn = view.tokensIn;
    run.tokensOut = view.tokensOut;
    run.costUsd = view.costUsd;
  });
}
