/**
 * Regression workers (DESIGN.md §6, autocoder's testing agents): up to K of them beside the coding
 * agents, each re-testing one done task at a time on the integration branch's current head. A task
 * is claimed while a worker tests it, so two workers never test the same task at once; claims live
 * only in this object, so an engine that is stopped or killed leaves none behind. A task whose
 * checks now fail is reopened (back to pending) with what the check found; its dependents that are
 * not done yet wait for it again, as the scheduler only starts tasks whose dependencies are done.
 */
import { errorMessage } from '../errors.js';
import type { AgentSink, AttemptHandle } from '../attempt/types.js';
import type { EventLine } from '../protocol/types.js';
import { moveTask } from '../tasks/lifecycle.js';
import type { Task } from '../tasks/model.js';
import { passedHead } from './selection.js';
import type { RegressionResult, RegressionRunner } from './types.js';

/** What the workers need from the engine (the engine stays the only writer of the store). */
export interface RegressionHost {
  readonly runId: string;
  readonly tasks: () => readonly Task[];
  /** True while a coding attempt works on the task. */
  readonly attempting: (taskId: string) => boolean;
  /** Agent processes that may still start under the run's shared cap (`[run] max_agents`). */
  readonly freeSlots: () => number;
  /** The task was reopened: its running dependents stop and wait for it again. */
  readonly reopened: (taskId: string) => void;
  readonly updateTask: (taskId: string, mutate: (task: Task) => void) => void;
  readonly line: (level: EventLine['level'], message: string, taskId?: string) => void;
  /** The board's agents: the regression agents show there beside the coding agents. */
  readonly agents: AgentSink;
  readonly addRunUsage: (tokensIn: number, tokensOut: number, costUsd: number) => void;
  /** A regression was caught: the run's record lists it. */
  readonly caught: (taskId: string, head: string, summary: string) => void;
  /** Wakes the engine's loop (a worker finished; the run may end or a task became ready). */
  readonly poke: () => void;
  readonly now: () => Date;
}

/** The regression workers of one run. */
export class RegressionWorkers {
  readonly #host: RegressionHost;
  readonly #runner: RegressionRunner;
  readonly #limit: number;
  /** Claimed task id → the abort of its check. */
  readonly #claims = new Map<string, AbortController>();
  readonly #checks = new Set<Promise<void>>();
  #scan: Promise<void> | undefined;
  /** Something happened that may make a task due (a landing, a finished check, the run's start). */
  #dirty = true;
  #stopped = false;
  #count = 0;

  constructor(host: RegressionHost, runner: RegressionRunner, limit: number) {
    this.#host = host;
    this.#runner = runner;
    this.#limit = limit;
  }

  /** The tasks being re-tested now. */
  claimed(): string[] {
    return [...this.#claims.keys()];
  }

  /** True while a check runs or one may start: the run does not end meanwhile. */
  get active(): boolean {
    return !this.#stopped && (this.#claims.size > 0 || this.#scan !== undefined || this.#dirty);
  }

  /** The integration branch may have moved (a task landed, the queue was edited). */
  changed(): void {
    this.#dirty = true;
  }

  /** Starts checks on free workers; does nothing unless something changed since the last look. */
  fill(): void {
    if (this.#stopped || !this.#dirty || this.#scan) return;
    this.#dirty = false;
    // A finishing worker or coding agent marks the workers dirty again.
    if (this.#claims.size >= this.#limit || this.#host.freeSlots() <= 0) {
      this.#dirty = this.#claims.size < this.#limit;
      return;
    }
    this.#scan = this.#startDue()
      .catch((error: unknown) =>
        this.#host.line('warn', `regression: could not choose a task to re-test: ${errorMessage(error)}`),
      )
      .finally(() => {
        this.#scan = undefined;
        this.#host.poke();
      });
  }

  /** Stops every check (the run is stopping); their claims go with them. */
  stop(): void {
    this.#stopped = true;
    for (const controller of this.#claims.values()) controller.abort();
  }

  /** Resolves when no scan and no check is left running. */
  async settled(): Promise<void> {
    while (this.#scan || this.#checks.size > 0) await Promise.allSettled([this.#scan, ...this.#checks]);
  }

  async #startDue(): Promise<void> {
    // The candidates before the head: a task done only after the head was read (it landed during
    // the read) would be tested on a head without its own work, fail, and be reopened for nothing.
    const candidates = this.#host
      .tasks()
      .filter(
        (task) => task.status === 'done' && !this.#claims.has(task.id) && !this.#host.attempting(task.id),
      );
    const head = await this.#runner.head();
    const due = await this.#runner.due(candidates, head);
    for (const task of due) {
      if (this.#stopped || this.#claims.size >= this.#limit || this.#host.freeSlots() <= 0) break;
      // The queue may have changed during the scan: only a task still done and unclaimed starts.
      const current = this.#host.tasks().find((t) => t.id === task.id);
      if (current?.status !== 'done' || this.#claims.has(task.id) || this.#host.attempting(task.id)) continue;
      this.#start(current, head);
    }
  }

  #start(task: Task, head: string): void {
    const controller = new AbortController();
    this.#claims.set(task.id, controller);
    const n = ++this.#count;
    const host = this.#host;
    const agent = host.agents.add(
      {
        name: host.agents.nextName(),
        backend: 'gate',
        simulated: false,
        taskId: task.id,
        attempt: task.attempts.length,
        role: 'regression',
        state: 'starting',
        action: `re-testing on ${head.slice(0, 8)}`,
        startedAt: host.now().toISOString(),
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
      },
      {
        write: () => undefined,
        resize: () => undefined,
        stop: () => {
          controller.abort();
          return Promise.resolve();
        },
        onPty: () => () => undefined,
      },
    );
    const agentIds = [agent.id];
    host.line('info', `${task.id}: regression check ${n} on ${head.slice(0, 8)} (${agent.name})`, task.id);
    const check = this.#runner
      .check(task, {
        head,
        passedHead: passedHead(task),
        runId: host.runId,
        n,
        signal: controller.signal,
        update: (patch) => host.agents.update(agent.id, patch),
        handle: this.#handle(task.id, controller.signal, agentIds),
      })
      .catch((error: unknown): RegressionResult => ({
        outcome: 'error',
        summary: errorMessage(error),
        checks: [],
        output: '',
        commits: [],
      }))
      .then((result) => this.#record(task.id, head, result))
      .finally(() => {
        this.#claims.delete(task.id);
        host.agents.remove(agentIds);
        this.#checks.delete(check);
        this.#dirty = true;
        host.poke();
      });
    this.#checks.add(check);
  }

  /** An attempt handle for the regression agent: its agents on the board, its usage in the run's totals. */
  #handle(taskId: string, signal: AbortSignal, agentIds: string[]): AttemptHandle {
    const host = this.#host;
    return {
      setStatus: () => undefined,
      line: (level, message) => host.line(level, message, taskId),
      addAgent: (view, control) => {
        const agent = host.agents.add(view, control);
        agentIds.push(agent.id);
        return agent.id;
      },
      updateAgent: (id, patch) => host.agents.update(id, patch),
      agentOutput: (id, text) => host.agents.output(id, text),
      addUsage: (tokensIn, tokensOut, costUsd) => host.addRunUsage(tokensIn, tokensOut, costUsd),
      nextAgentName: () => host.agents.nextName(),
      stopped: () => signal.aborted,
      updateTask: () => undefined,
      addLearning: () => undefined,
      close: () => undefined,
    };
  }

  /** Writes what a check found on the task; reopens it when its checks now fail. */
  #record(taskId: string, head: string, result: RegressionResult): void {
    if (result.outcome === 'interrupted') return;
    const host = this.#host;
    const task = host.tasks().find((t) => t.id === taskId);
    // Reset, edited or removed during the check: what it found is about a task that is not there.
    if (task?.status !== 'done') return;
    const testedAt = host.now().toISOString();
    const previous = task.regression;
    const short = head.slice(0, 8);
    if (result.outcome === 'passed') {
      host.updateTask(taskId, (t) => {
        t.regression = {
          testedAt,
          head,
          outcome: 'passed',
          passedHead: head,
          commits: [],
          caught: previous?.caught ?? 0,
        };
      });
      host.line('info', `${taskId}: still passes on ${short}`, taskId);
      return;
    }
    if (result.outcome === 'error') {
      host.updateTask(taskId, (t) => {
        t.regression = {
          testedAt,
          head,
          outcome: 'error',
          passedHead: passedHead(task),
          output: result.summary,
          commits: [],
          caught: previous?.caught ?? 0,
        };
      });
      host.line('warn', `${taskId}: regression check could not run on ${short}: ${result.summary}`, taskId);
      return;
    }
    host.updateTask(taskId, (t) => {
      moveTask(t, 'pending');
      t.regression = {
        testedAt,
        head,
        outcome: 'failed',
        passedHead: passedHead(task),
        output: result.output || result.summary,
        commits: [...result.commits],
        caught: (previous?.caught ?? 0) + 1,
      };
      if (result.proposal)
        t.notes = t.notes.trim() ? `${t.notes.trim()}\n\n${result.proposal}` : result.proposal;
    });
    host.caught(taskId, head, result.summary);
    host.reopened(taskId);
    const waiting = host
      .tasks()
      .filter((t) => t.status !== 'done' && t.dependsOn.includes(taskId))
      .map((t) => t.id);
    host.line(
      'error',
      `${taskId} regressed on ${short}: ${result.summary}; reopened${waiting.length > 0 ? ` (${waiting.join(', ')} wait for it again)` : ''}`,
      taskId,
    );
  }
}
