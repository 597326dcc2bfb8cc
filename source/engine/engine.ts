/**
 * The engine: takes ready tasks, runs attempts (attempt.ts) up to the parallel limit, keeps the store
 * and every client informed, and answers commands. It is a typed event source (EngineHost); it knows
 * nothing of Ink or of how clients are connected.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { errorMessage } from '../errors.js';
import type {
  CommandName,
  CommandResult,
  EngineEvent,
  EngineHost,
  EngineSnapshot,
  RunView,
} from '../protocol/types.js';
import { MAX_RUNS_KEPT } from '../store/schema.js';
import { readyTasks } from '../tasks/graph.js';
import type { Task } from '../tasks/model.js';
import type { TaskWrite } from '../tasks/task-write.js';
import { closeRun, newRunRecord, runStartLine } from './run-outcome.js';
import { replanEpoch } from './epochs.js';
import { NightLog } from './night-log.js';
import { EventLines } from '../history/event-lines.js';
import { appendLearning } from '../tasks/learning.js';
import type { EngineDeps } from './engine-deps.js';
import { AgentRoster } from './agent-roster.js';
import type { AttemptHandleHost } from './attempt-record.js';
import { runTask, type TaskRunHost } from './task-run.js';
import { runEngineCommand, taskDiff, writeTasks, type EngineCommandTarget } from './engine-commands.js';
import { moveTask } from '../tasks/lifecycle.js';
import { OutagePause } from './outage-pause.js';
import { WaitingWork } from './waiting-work.js';
import type { RegressionWorkers } from '../regression/workers.js';
import { regressionWorkers } from './regression-bridge.js';

/** One run of the queue. Create, then `await engine.run()` for the exit code. */
export class Engine implements EngineHost {
  readonly #deps: EngineDeps;
  readonly #emitter = new EventEmitter();
  readonly #agents = new AgentRoster((event) => this.#emit(event));
  readonly #running = new Map<string, Promise<void>>();
  readonly #lines: EventLines;
  /** The last rebase conflict per task, for its next prompt. */
  readonly #conflicts = new Map<string, string>();
  #run: RunView;
  #parallel: number;
  #tasksStarted = 0;
  #stopReason: 'stopped' | 'interrupted' | undefined;
  #wake: (() => void) | undefined;
  #budgetHit = false;
  #epoch = 1;
  /** The queue's pause on an outage, which every task hitting it waits out together, and a person's pause. */
  readonly #outagePause: OutagePause;
  /** Regression workers beside the coding agents (`[regression] agents`), absent when none. */
  readonly #regression: RegressionWorkers | undefined;
  /** progress.md, the report file and the notify command (night-log.ts). */
  readonly #night: NightLog;
  /** Verified work waiting on its branch, landed when nothing is in its way. */
  readonly #waitingWork: WaitingWork;
  /** One task's turn (task-run.ts) sees the engine through this. */
  readonly #taskRunHost: TaskRunHost;
  /** Tasks stopped on their own while the run goes on (task id → why), e.g. their dependency regressed. */
  readonly #interruptions = new Map<string, string>();

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#emitter.setMaxListeners(0);
    this.#lines = new EventLines(
      deps.paths,
      (line) => this.#emit({ type: 'line', line }),
      () => this.#now(),
    );
    this.#parallel = deps.options.parallel;
    const startedAt = this.#now().toISOString();
    this.#run = {
      // Sortable by time, and unique even for two runs started in the same second.
      id: `${startedAt.replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}-${randomBytes(2).toString('hex')}`,
      startedAt,
      backend: deps.options.backend,
      parallel: this.#parallel,
      paused: false,
      stopping: false,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      maxCostUsd: deps.options.maxCostUsd,
    };
    this.#regression = regressionWorkers(deps, {
      run: () => this.#run,
      store: deps.store,
      running: this.#running,
      engine: this.#handleHost,
      interruptions: this.#interruptions,
      freeSlots: () => this.#freeSlots(),
      poke: () => this.#poke(),
      now: () => this.#now(),
    });
    this.#night = new NightLog({
      paths: deps.paths,
      project: deps.store.state.project || deps.config.project.name,
      runId: this.#run.id,
      notifyCommand: deps.config.notify.command,
      line: (level, message) => this.#lines.add(level, message),
      bell: deps.config.notify.bell,
      now: () => this.#now(),
      onNotice: (notice) => this.#emit({ type: 'notify', notice }),
    });
    this.#outagePause = new OutagePause({
      setRun: (patch) => this.#setRun(patch),
      line: this.#lines.add,
      notify: (event) => this.#night.notify(event),
      poke: () => this.#poke(),
      now: () => this.#now(),
      stopping: () => this.#stopReason !== undefined,
    });
    this.#waitingWork = new WaitingWork({
      land: deps.landWaiting,
      tasks: () => this.#deps.store.state.tasks,
      stopping: () => this.#stopReason !== undefined,
      replaceTask: (taskId, next) => {
        this.#updateTask(taskId, (t) => Object.assign(t, next));
        // A landing moved the integration branch: done tasks it touched are due a re-test.
        if (next.status === 'done') this.#regression?.changed();
      },
      line: this.#lines.add,
      poke: () => this.#poke(),
    });
    this.#taskRunHost = {
      deps,
      run: () => this.#run,
      night: this.#night,
      outagePause: this.#outagePause,
      conflicts: this.#conflicts,
      handleHost: this.#handleHost,
      task: (id) => this.#task(id),
      updateTask: (id, mutate) => this.#updateTask(id, mutate),
      settle: (taskId, status, blockReason) => this.#settle(taskId, status, blockReason),
      line: this.#lines.add,
      stopping: () => this.#stopReason !== undefined,
      interruption: (taskId) => this.#interruptions.get(taskId),
      now: () => this.#now(),
    };
  }

  /** The id of this run (`.nightshift/logs/<id>/`). */
  get runId(): string {
    return this.#run.id;
  }

  // ---- EngineHost -------------------------------------------------------------------------

  snapshot = (): EngineSnapshot => ({
    project: this.#deps.store.state.project,
    root: this.#deps.paths.root,
    pid: process.pid,
    run: this.#run,
    tasks: this.#deps.store.state.tasks,
    agents: this.#agents.views(),
    recent: this.#lines.recent(),
    output: this.#agents.recentOutput(),
  });

  subscribe = (listener: (event: EngineEvent) => void): (() => void) => {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  };

  agentOutput = (agentId: string): readonly string[] => this.#agents.lines(agentId);

  subscribePty = (agentId: string, listener: (data: string) => void): (() => void) => {
    const control = this.#agents.control(agentId);
    if (!control) return () => undefined;
    return control.onPty(listener);
  };

  command = async (name: CommandName, args: Readonly<Record<string, unknown>>): Promise<CommandResult> => {
    try {
      return { ok: true, value: await runEngineCommand(this.#commandTarget, name, args) };
    } catch (error) {
      return { ok: false, error: errorMessage(error) };
    }
  };

  // ---- the run ----------------------------------------------------------------------------

  /** Runs until the queue is exhausted, a limit is hit, or stop is asked for; returns the exit code. */
  async run(): Promise<number> {
    const { store, options } = this.#deps;
    store.updateMeta((state) => {
      state.runs.push(newRunRecord(this.#run));
      if (state.runs.length > MAX_RUNS_KEPT) state.runs.splice(0, state.runs.length - MAX_RUNS_KEPT);
    });
    const regressionAgents = this.#regression ? options.regressionAgents : 0;
    this.#lines.add(
      'info',
      runStartLine(this.#run, { regressionAgents, maxAgents: options.maxAgents }, this.#deps.sandboxLine),
    );
    this.#emit({ type: 'run', run: this.#run });

    await this.#waitingWork.start();
    for (;;) {
      if (this.#stopReason) break;
      if (!this.#run.paused) {
        this.#startReadyTasks();
        this.#regression?.fill();
      }
      // Regression checks still running or due keep the run going: what they reopen runs again.
      const regressing = this.#regression?.active ?? false;
      if (this.#running.size === 0 && !this.#run.paused && !this.#canStartMore() && !regressing) {
        if (await this.#nextEpoch()) continue;
        break;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
    await Promise.allSettled(this.#running.values());
    await this.#regression?.settled();
    this.#waitingWork.stopRetrying();
    if (!this.#stopReason) await this.#waitingWork.landAll();
    return this.#finish();
  }

  /** Asks the run to stop: running agents are stopped and their attempts closed as interrupted. */
  stop(reason: 'stopped' | 'interrupted' = 'stopped'): void {
    if (this.#stopReason) return;
    this.#stopReason = reason;
    this.#setRun({ stopping: true });
    this.#lines.add(
      'warn',
      reason === 'interrupted' ? 'interrupted: stopping agents' : 'stop requested: stopping agents',
    );
    this.#regression?.stop();
    for (const control of this.#agents.controls()) void control.stop('stopped');
    this.#outagePause.end();
    this.#poke();
  }

  /** Re-plans when epochs remain; true when tasks were added and the run goes on. */
  async #nextEpoch(): Promise<boolean> {
    const { replan, options } = this.#deps;
    if (!replan || this.#epoch >= options.epochs || this.#stopReason || this.#budgetHit) return false;
    if (this.#tasksStarted >= options.maxTasks) return false;
    return replanEpoch(replan, ++this.#epoch, options.epochs, {
      addTasks: (write) => this.#taskWrite(write),
      line: (level, message) => this.#lines.add(level, message),
      stopped: () => this.#stopReason !== undefined,
    });
  }

  /** Agent processes that may still start under `[run] max_agents` (coding and regression). */
  #freeSlots(): number {
    return this.#deps.options.maxAgents - this.#running.size - (this.#regression?.claimed().length ?? 0);
  }

  #canStartMore(): boolean {
    if (this.#stopReason || this.#budgetHit) return false;
    if (this.#tasksStarted >= this.#deps.options.maxTasks) return false;
    return readyTasks(this.#deps.store.state.tasks).length > 0;
  }

  #startReadyTasks(): void {
    const { options, store } = this.#deps;
    // Coding agents go first; with regression workers they share `[run] max_agents`.
    while (this.#running.size < this.#parallel && this.#freeSlots() > 0 && !this.#stopReason) {
      if (options.maxCostUsd > 0 && this.#run.costUsd >= options.maxCostUsd) {
        this.#night.budgetHit(this.#run.costUsd, options.maxCostUsd);
        this.#budgetHit = true;
        return;
      }
      if (this.#tasksStarted >= options.maxTasks) return;
      const next = readyTasks(store.state.tasks)[0];
      if (!next) return;
      this.#tasksStarted++;
      const promise = runTask(this.#taskRunHost, next.id).finally(() => {
        this.#running.delete(next.id);
        this.#interruptions.delete(next.id);
        this.#poke();
      });
      this.#running.set(next.id, promise);
    }
  }

  readonly #handleHost: AttemptHandleHost = {
    agents: this.#agents,
    updateTask: (taskId, mutate) => this.#updateTask(taskId, mutate),
    line: (level, message, taskId) => this.#lines.add(level, message, taskId),
    addRunUsage: (tokensIn, tokensOut, costUsd) =>
      this.#setRun({
        tokensIn: this.#run.tokensIn + tokensIn,
        tokensOut: this.#run.tokensOut + tokensOut,
        costUsd: this.#run.costUsd + costUsd,
      }),
    addLearning: (taskId, text) =>
      this.#deps.store.updateMeta((state) => {
        state.learning = appendLearning(state.learning, { at: this.#now().toISOString(), taskId, text });
      }),
    stopped: (taskId) => this.#stopReason !== undefined || this.#interruptions.has(taskId),
  };

  async #finish(): Promise<number> {
    const limit = this.#budgetHit
      ? 'budget'
      : this.#tasksStarted >= this.#deps.options.maxTasks
        ? 'max-tasks'
        : undefined;
    const { outcome, exitCode, endedAt } = await closeRun(this.#deps.store, this.#run, {
      stopReason: this.#stopReason,
      limit,
      endedAt: this.#now().toISOString(),
      line: (level, message) => this.#lines.add(level, message),
    });
    const report = await this.#night.runEnded({
      ...this.#run,
      state: this.#deps.store.state,
      outcome,
      exitCode,
      endedAt,
    });
    if (report) this.#lines.add('info', `report: ${report}`);
    this.#setRun({ endedAt, outcome });
    this.#emit({ type: 'ended', exitCode, outcome });
    return exitCode;
  }

  // ---- commands ---------------------------------------------------------------------------

  readonly #commandTarget: EngineCommandTarget = {
    setPaused: (paused) => this.#outagePause.setUserPaused(paused),
    stop: () => this.stop('stopped'),
    setParallel: (parallel) => {
      this.#parallel = parallel;
      this.#setRun({ parallel });
      this.#lines.add('info', `parallelism set to ${parallel}`);
      this.#poke();
    },
    agentControl: (agentId) => this.#agents.control(agentId),
    snapshot: () => this.snapshot(),
    taskWrite: (write) => this.#taskWrite(write),
    taskDiff: (id) => taskDiff(this.#deps.store, this.#deps.paths, id),
  };

  #taskWrite(write: TaskWrite): Promise<{ summary: string; backup?: string }> {
    const changed = (): void => {
      this.#regression?.changed();
      this.#poke();
    };
    const { store } = this.#deps;
    return writeTasks(
      { store, running: this.#running, emit: (e) => this.#emit(e), line: this.#lines.add, changed },
      write,
    );
  }

  // ---- helpers ----------------------------------------------------------------------------

  #task(id: string): Task {
    const task = this.#deps.store.state.tasks.find((t) => t.id === id);
    if (!task) throw new Error(`task ${id} vanished from the store`);
    return task;
  }

  #updateTask(id: string, mutate: (task: Task) => void): void {
    const now = this.#now().toISOString();
    // A changed copy replaces the task, so snapshots already sent stay unchanged, and only this
    // task is serialised again (Store.updateTask).
    const task = this.#deps.store.updateTask(id, (next) => {
      mutate(next);
      next.updatedAt = now;
    });
    if (task) this.#emit({ type: 'task', task });
  }

  /** Where a task ends up after its attempts in this run. */
  #settle(taskId: string, status: 'done' | 'pending' | 'blocked', blockReason?: string): void {
    this.#updateTask(taskId, (task) => moveTask(task, status, { blockReason }));
    // A landing moved the integration branch: done tasks whose files it touched are due a re-test.
    if (status === 'done') this.#regression?.changed();
  }

  #setRun(patch: Partial<RunView>): void {
    this.#run = { ...this.#run, ...patch };
    this.#emit({ type: 'run', run: this.#run });
  }

  #emit(event: EngineEvent): void {
    if (event.type === 'agent') this.#night.agentChanged(event.agent);
    this.#emitter.emit('event', event);
  }

  #poke(): void {
    this.#wake?.();
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }
}
