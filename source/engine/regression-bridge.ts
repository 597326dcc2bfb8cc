/**
 * The regression workers' window onto the engine (regression/workers.ts): they see the queue, share
 * the run's agent cap, show their agents on the board, and record what they catch in the run's record.
 * A task they reopen stops its running dependents, which wait for it again like pending ones.
 */
import type { RunView } from '../protocol/types.js';
import type { Store } from '../store/store.js';
import { dependents } from '../tasks/graph.js';
import { RegressionWorkers, type RegressionHost } from '../regression/workers.js';
import type { EngineDeps } from './engine-deps.js';
import type { AttemptHandleHost } from './attempt-record.js';

/** The parts of the engine the bridge reaches. */
export interface RegressionBridgeParts {
  readonly run: () => RunView;
  readonly store: Store;
  /** Tasks with a coding attempt under way. */
  readonly running: ReadonlyMap<string, unknown>;
  /** The roster, task updates, task lines and the run's usage, as attempts see them. */
  readonly engine: Pick<AttemptHandleHost, 'agents' | 'updateTask' | 'line' | 'addRunUsage'>;
  /** Tasks stopped on their own while the run goes on (task id → why). */
  readonly interruptions: Map<string, string>;
  readonly freeSlots: () => number;
  readonly poke: () => void;
  readonly now: () => Date;
}

/** The regression workers of a run (`[regression] agents`), or undefined when it has none. */
export function regressionWorkers(
  deps: EngineDeps,
  parts: RegressionBridgeParts,
): RegressionWorkers | undefined {
  const { regression } = deps;
  const count = deps.options.regressionAgents;
  return regression && count > 0
    ? new RegressionWorkers(regressionHost(parts), regression, count)
    : undefined;
}

/** The host the regression workers of a run are built with. */
function regressionHost(parts: RegressionBridgeParts): RegressionHost {
  const { agents, updateTask, line, addRunUsage } = parts.engine;
  return {
    runId: parts.run().id,
    tasks: () => parts.store.state.tasks,
    attempting: (taskId) => parts.running.has(taskId),
    freeSlots: parts.freeSlots,
    reopened: (taskId) => interruptDependents(parts, taskId),
    updateTask,
    line,
    agents,
    addRunUsage,
    caught: (taskId, head, summary) =>
      parts.store.updateMeta((state) => {
        const run = state.runs.find((r) => r.id === parts.run().id);
        if (!run) return;
        const at = parts.now().toISOString();
        (run.regressions ??= []).push({ taskId, head, at, summary: summary.slice(0, 300) });
      }),
    poke: parts.poke,
    now: parts.now,
  };
}

/**
 * A reopened task's running dependents (at any depth) stop: their attempt closes as interrupted, no
 * retry spent, and they wait for it again.
 */
function interruptDependents(parts: RegressionBridgeParts, taskId: string): void {
  const running = dependents(parts.store.state.tasks, taskId, { transitive: true }).filter((t) =>
    parts.running.has(t.id),
  );
  for (const task of running) {
    const why = `stopped: its dependency ${taskId} regressed; it runs again once ${taskId} is done`;
    parts.interruptions.set(task.id, why);
    parts.engine.line('warn', `${task.id} ${why}`, task.id);
    const { agents } = parts.engine;
    for (const view of agents.views())
      if (view.taskId === task.id) void agents.control(view.id)?.stop('stopped');
  }
}
