/**
 * An attempt's life in the store and on the board: the record opened when it starts, the handle
 * attempt.ts reports through, and the record closed with its result.
 */
import type { EventLine } from '../protocol/types.js';
import { MAX_ATTEMPTS_KEPT, type Task } from '../tasks/model.js';
import type { AgentRoster } from './agent-roster.js';
import type { AttemptHandle, AttemptResult } from '../attempt/types.js';
import { moveTask } from '../tasks/lifecycle.js';

/** What a handle needs from the engine. */
export interface AttemptHandleHost {
  readonly agents: AgentRoster;
  readonly updateTask: (taskId: string, mutate: (task: Task) => void) => void;
  readonly line: (level: EventLine['level'], message: string, taskId?: string) => void;
  /** Adds usage to the run's totals. */
  readonly addRunUsage: (tokensIn: number, tokensOut: number, costUsd: number) => void;
  readonly addLearning: (taskId: string, text: string) => void;
  /** True once the run is stopping, or this task alone is being stopped. */
  readonly stopped: (taskId: string) => boolean;
}

/** The fresh record of attempt `n`, appended to the task's attempts. */
export function openAttemptRecord(
  task: Task,
  n: number,
  runId: string,
  backend: string,
  startedAt: string,
): void {
  moveTask(task, 'running');
  task.attempts.push({
    n,
    runId,
    backend,
    startedAt,
    outcome: 'running',
    checks: [],
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
    summary: '',
  });
}

/** Writes the result into attempt `n`'s record and keeps the history bounded. */
export function closeAttemptRecord(task: Task, n: number, result: AttemptResult, endedAt: string): void {
  const attempt = task.attempts.find((a) => a.n === n);
  if (!attempt) return;
  attempt.outcome = result.outcome;
  attempt.endedAt = endedAt;
  attempt.summary = result.summary.slice(0, 1000);
  attempt.checks = result.checks;
  attempt.exitCode = result.exitCode;
  attempt.metric = result.metric;
  attempt.reflection = result.reflection;
  attempt.commit = result.commit;
  attempt.sessionId = result.sessionId;
  attempt.logPath = result.logPath;
  attempt.pid = undefined;
  if (task.attempts.length > MAX_ATTEMPTS_KEPT)
    task.attempts.splice(0, task.attempts.length - MAX_ATTEMPTS_KEPT);
}

/** The handle of one running attempt of `taskId`: its agents, lines, usage and task changes. */
export function createAttemptHandle(host: AttemptHandleHost, taskId: string): AttemptHandle {
  const agentIds: string[] = [];
  const onLatest = (mutate: (attempt: Task['attempts'][number]) => void): void =>
    host.updateTask(taskId, (task) => {
      const attempt = task.attempts.at(-1);
      if (attempt) mutate(attempt);
    });
  return {
    setStatus: (status) => host.updateTask(taskId, (task) => moveTask(task, status)),
    line: (level, message) => host.line(level, message, taskId),
    addAgent: (view, control) => {
      const agent = host.agents.add(view, control);
      agentIds.push(agent.id);
      onLatest((attempt) => {
        attempt.agentName = agent.name;
        // Recovery kills this pid's group if the engine dies mid-attempt.
        if (view.pid) attempt.pid = view.pid;
      });
      return agent.id;
    },
    updateAgent: (id, patch) => host.agents.update(id, patch),
    agentOutput: (id, text) => host.agents.output(id, text),
    addUsage: (tokensIn, tokensOut, costUsd) => {
      host.addRunUsage(tokensIn, tokensOut, costUsd);
      onLatest((attempt) => {
        attempt.tokensIn += tokensIn;
        attempt.tokensOut += tokensOut;
        attempt.costUsd += costUsd;
      });
    },
    nextAgentName: () => host.agents.nextName(),
    stopped: () => host.stopped(taskId),
    updateTask: (mutate) => host.updateTask(taskId, mutate),
    addLearning: (text) => host.addLearning(taskId, text),
    close: () => host.agents.remove(agentIds),
  };
}
