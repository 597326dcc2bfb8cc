/**
 * How a run ended and its exit code (DESIGN.md §1: 0 all done, 2 blocked tasks, 3 stopped at a
 * limit with tasks still pending, 130 interrupted).
 */
import type { EventLine, RunView } from '../protocol/types.js';
import type { RunRecord } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { unrunnableTasks } from '../tasks/graph.js';
import type { Task } from '../tasks/model.js';
import { costText } from '../text.js';

/** Exit codes of DESIGN.md §1. */
export const EXIT = { done: 0, error: 1, blocked: 2, limit: 3, interrupted: 130 } as const;

/** The limit that ended a run early: the cost budget, or `--max-tasks`. */
export type RunLimit = 'budget' | 'max-tasks';

/** The outcome of a run from the queue it leaves and why it stopped. */
export function runOutcome(
  tasks: readonly Task[],
  stopReason: 'stopped' | 'interrupted' | undefined,
  limit: RunLimit | undefined,
): { outcome: NonNullable<RunRecord['outcome']>; exitCode: number } {
  if (stopReason === 'interrupted') return { outcome: 'interrupted', exitCode: EXIT.interrupted };
  if (stopReason === 'stopped') return { outcome: 'stopped', exitCode: EXIT.done };
  // Pending tasks that can never run (a blocked dependency, a cycle) count like blocked ones.
  // Verified work still waiting to land needs a person too (commit or stash, then `nightshift land`).
  const unrunnable = unrunnableTasks(tasks);
  if (tasks.some((task) => task.status === 'blocked' || task.landing !== undefined) || unrunnable.size > 0)
    return { outcome: 'blocked', exitCode: EXIT.blocked };
  // A limit that left work undone is not "all done": scripts must be able to tell (exit 3).
  const pending = tasks.some((task) => task.status === 'pending' && !unrunnable.has(task.id));
  if (limit && pending) return { outcome: limit === 'budget' ? 'budget' : 'limit', exitCode: EXIT.limit };
  return { outcome: 'done', exitCode: EXIT.done };
}

/**
 * Ends the run's record in the store (flushed, so a kill right after loses nothing) and says how the
 * run ended in one line.
 */
export async function closeRun(
  store: Store,
  run: RunView,
  how: {
    readonly stopReason: 'stopped' | 'interrupted' | undefined;
    readonly limit: RunLimit | undefined;
    readonly endedAt: string;
    readonly line: (level: EventLine['level'], message: string) => void;
  },
): Promise<{ outcome: NonNullable<RunRecord['outcome']>; exitCode: number; endedAt: string }> {
  const tasks = store.state.tasks;
  const { outcome, exitCode } = runOutcome(tasks, how.stopReason, how.limit);
  const { endedAt } = how;
  store.updateMeta((state) => {
    const record = state.runs.find((r) => r.id === run.id);
    if (record) {
      record.endedAt = endedAt;
      record.outcome = outcome;
    }
  });
  await store.flush();
  const done = tasks.filter((t) => t.status === 'done').length;
  const blocked = tasks.filter((t) => t.status === 'blocked').length;
  how.line(
    exitCode === 0 ? 'success' : exitCode === EXIT.blocked ? 'error' : 'warn',
    `run ${outcome}: ${done}/${tasks.length} done, ${blocked} blocked, ${costText(run.backend, run.costUsd)}`,
  );
  return { outcome, exitCode, endedAt };
}

/** The store's record of a run as it starts. */
export function newRunRecord(run: RunView): RunRecord {
  const { id, startedAt, backend, parallel } = run;
  return {
    id,
    startedAt,
    backend,
    parallel,
    tasksDone: 0,
    attempts: 0,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
  };
}

/** The run's first line: backend, parallelism, regression workers, the agent cap when it binds, the sandbox. */
export function runStartLine(
  run: RunView,
  options: { readonly regressionAgents: number; readonly maxAgents: number },
  sandboxLine: string | undefined,
): string {
  const regression = options.regressionAgents > 0 ? `, regression ${options.regressionAgents}` : '';
  const cap =
    run.parallel + options.regressionAgents > options.maxAgents
      ? ` (at most ${options.maxAgents} agents at once: [run] max_agents)`
      : '';
  const sandbox = sandboxLine ? `; ${sandboxLine}` : '';
  return `run ${run.id} started: backend ${run.backend}, parallel ${run.parallel}${regression}${cap}${sandbox}`;
}
