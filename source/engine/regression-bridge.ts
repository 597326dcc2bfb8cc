/**
 * The regression workers' window onto the engine (regression/workers.ts): they see the queue, share
 * the run's agent cap, show their agents on the board, and record what they catch in the run's record.
 * A task they reopen stops its running dependents, which wait for it again like pending ones.
 */
import type { EventLine, RunView } from '../protocol/types.js';
import type { Store } from '../store/store.js';
import { dependents } from '../tasks/graph.js';
import type { Task } from '../tasks/model.js';
import type { RegressionHost } from '../regression/workers.js';
import { agentName } from './agent-names.js';
import type { AgentRoster } from './agent-roster.js';

/** The parts of the engine the bridge reaches. */
export interface RegressionBridgeParts {
  readonly run: () => RunView;
  readonly store: Store;
  /** Tasks with a coding attempt under way. */
  readonly running: ReadonlyMap<string, unknown>;
  readonly agents: AgentRoster;
  /** Tasks stopped on their own while the run goes on (task id → why). */
  readonly interruptions: Map<string, string>;
  readonly freeSlots: () => number;
  readonly updateTask: (taskId: string, mutate: (task: Task) => void) => void;
  readonly line: (level: EventLine['level'], message: string, taskId?: string) => void;
  readonly addRunUsage: (tokensIn: number, tokensOut: number, costUsd: number) => void;
  readonly poke: () => void;
  readonly now: () => Date;
}

/** The host the regression workers of a run are built with. */
export function regressionHost(parts: RegressionBridgeParts): RegressionHost {
  const { agents } = parts;
  return {
    runId: parts.run().id,
    tasks: () => parts.store.state.tasks,
    attempting: (taskId) => parts.running.has(taskId),
    freeSlots: parts.freeSlots,
    reopened: (taskId) => interruptDependents(parts, taskId),
    updateTask: parts.updateTask,
    line: parts.line,
    addAgent: (view, control) => agents.add(view, control),
    updateAgent: (id, patch) => agents.update(id, patch),
    agentOutput: (id, text) => agents.output(id, text),
    removeAgents: (ids) => agents.remove(ids),
    nextAgentName: () => agentName(agents.nextIndex()),
    addRunUsage: parts.addRunUsage,
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
    parts.line('warn', `${task.id} ${why}`, task.id);
    for (const view of parts.agents.views())
      if (view.taskId === task.id) void parts.agents.control(view.id)?.stop('stopped');
  }
}
