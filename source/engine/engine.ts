/**
 * The engine: takes ready tasks, runs attempts (attempt.ts) up to the parallel limit, keeps the store
 * and every client informed, and answers commands. It is a typed event source (EngineHost); it knows
 * nothing of Ink or of how clients are connected.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { UserError, errorMessage } from '../errors.js';
import type {
  CommandName,
  CommandResult,
  EngineEvent,
  EngineHost,
  EngineSnapshot,
  EventLine,
  RunView,
} from '../protocol/types.js';
import type { RunRecord } from '../store/schema.js';
import { MAX_RUNS_KEPT } from '../store/schema.js';
import { readyTasks } from '../tasks/graph.js';
import type { Task } from '../tasks/model.js';
import type { TaskWrite } from '../tasks/task-write.js';
import { applyTaskWriteToStore } from '../store/apply-task-write.js';
import { EXIT, runOutcome } from './run-outcome.js';
import { NightLog } from './night-log.js';
import { appendEvent } from '../history/history.js';
import { appendLearning, recentLearnings } from '../tasks/learning.js';
import type { AttemptHandle, AttemptRunner } from '../attempt/types.js';
import type { EngineDeps } from './engine-deps.js';
import { AgentRoster } from './agent-roster.js';
import {
  closeAttemptRecord,
  createAttemptHandle,
  openAttemptRecord,
  type AttemptHandleHost,
} from './attempt-record.js';
import { runEngineCommand, type EngineCommandTarget } from './engine-commands.js';
import { moveTask } from '../tasks/lifecycle.js';
import { costText } from '../text.js';
import { describeOutage, outageBackoffMs, type Outage } from '../agents/outage.js';
import { agentName } from './agent-names.js';
import { RegressionWorkers } from '../regression/workers.js';

/** How often waiting work is tried again while a run goes on. */
const LANDING_RETRY_MS = 3000;

/** Event lines kept in memory for snapshots. */
const RECENT_LINES = 200;

export type { EngineDeps, ReplanContext } from './engine-deps.js';
export { EXIT };

/** One run of the queue. Create, then `await engine.run()` for the exit code. */
export class Engine implements EngineHost {
  readonly #deps: EngineDeps;
  readonly #emitter = new EventEmitter();
  readonly #agents = new AgentRoster((event) => this.#emit(event));
  readonly #running = new Map<string, Promise<void>>();
  readonly #recent: EventLine[] = [];
  /** The last rebase conflict per task, for its next prompt. */
  readonly #conflicts = new Map<string, string>();
  #run: RunView;
  #parallel: number;
  #tasksStarted = 0;
  #stopReason: 'stopped' | 'interrupted' | undefined;
  #wake: (() => void) | undefined;
  #budgetHit = false;
  #epoch = 1;
  /** A person's pause (`p`, `nightshift pause`): an outage pause ending does not undo it. */
  #userPaused = false;
  /** Outages in a row (reset by any attempt that reached the model): the backoff step. */
  #outages = 0;
  /** The outage pause in progress, which every task hitting the outage waits out together. */
  #outagePause: { readonly done: Promise<void>; readonly end: () => void } | undefined;
  /** Regression workers beside the coding agents (`[regression] agents`), absent when none. */
  readonly #regression: RegressionWorkers | undefined;
  /** progress.md, the report file and the notify command (night-log.ts). */
  readonly #night: NightLog;
  /** True while waiting work is being landed (one pass at a time). */
  #landingWaiting = false;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#emitter.setMaxListeners(0);
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
    this.#regression =
      deps.regression && deps.options.regressionAgents > 0
        ? new RegressionWorkers(this.#regressionHost(), deps.regression, deps.options.regressionAgents)
        : undefined;
    this.#night = new NightLog({
      paths: deps.paths,
      project: deps.store.state.project || deps.config.project.name,
      runId: this.#run.id,
      notifyCommand: deps.config.notify.command,
      line: (level, message) => this.#line(level, message),
    });
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
    recent: [...this.#recent],
    output: this.#agents.recentOutput(),
  });

  subscribe = (listener: (event: EngineEvent) => void): (() => void) => {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  };

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
      state.runs.push(this.#runRecord());
      if (state.runs.length > MAX_RUNS_KEPT) state.runs.splice(0, state.runs.length - MAX_RUNS_KEPT);
    });
    this.#line(
      'info',
      `run ${this.#run.id} started: backend ${options.backend}, parallel ${this.#parallel}${this.#deps.sandboxLine ? `; ${this.#deps.sandboxLine}` : ''}`,
    );
    this.#emit({ type: 'run', run: this.#run });

    // Verified work waiting on its branch lands as soon as nothing is in its way: now, and every
    // few seconds while the run goes on (the user may commit or stash meanwhile).
    await this.#landWaiting();
    const landingTimer = setInterval(() => void this.#landWaiting(), LANDING_RETRY_MS);
    landingTimer.unref();
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
    clearInterval(landingTimer);
    if (!this.#stopReason) await this.#landWaiting();
    return this.#finish();
  }

  /** Lands verified work that waits on its branch, when the deps know how (daemon/start.ts). */
  async #landWaiting(): Promise<void> {
    const land = this.#deps.landWaiting;
    if (!land || this.#landingWaiting) return;
    this.#landingWaiting = true;
    try {
      for (const task of this.#deps.store.state.tasks.filter((t) => t.landing !== undefined)) {
        if (this.#stopReason) return;
        let next: Task | undefined;
        try {
          next = await land(task);
        } catch (error) {
          this.#line('warn', `${task.id}: landing its waiting work failed: ${errorMessage(error)}`, task.id);
        }
        if (!next) continue;
        const landed = next;
        this.#updateTask(task.id, (t) => Object.assign(t, landed));
        if (landed.status === 'done')
          this.#line('success', `${task.id} done: its verified work landed from its branch`, task.id);
        else if (!landed.landing)
          this.#line(
            'warn',
            `${task.id}: its waiting work no longer lands cleanly; back to pending`,
            task.id,
          );
      }
    } finally {
      this.#landingWaiting = false;
      this.#poke();
    }
  }

  /** Asks the run to stop: running agents are stopped and their attempts closed as interrupted. */
  stop(reason: 'stopped' | 'interrupted' = 'stopped'): void {
    if (this.#stopReason) return;
    this.#stopReason = reason;
    this.#setRun({ stopping: true });
    this.#line(
      'warn',
      reason === 'interrupted' ? 'interrupted: stopping agents' : 'stop requested: stopping agents',
    );
    this.#regression?.stop();
    for (const control of this.#agents.controls()) void control.stop('stopped');
    this.#outagePause?.end();
    this.#poke();
  }

  /**
   * An outage (rate limit, 5xx, login, network; agents/outage.ts) pauses the queue: no new task
   * starts, the task waits with backoff and jitter, then the queue resumes by itself. Tasks hitting
   * the same outage share one pause; the next outage in a row waits longer.
   */
  async #waitOutOutage(taskId: string, outage: Outage): Promise<void> {
    if (!this.#outagePause) {
      this.#outages += 1;
      const ms = outageBackoffMs(this.#outages);
      const resumeAt = new Date(this.#now().getTime() + ms).toISOString();
      const reason = `outage: ${describeOutage(outage.kind)}`;
      this.#setRun({ paused: true, pauseReason: reason, resumeAt });
      this.#line(
        'warn',
        `queue paused: ${reason} (${outage.message}); resuming in ${Math.max(1, Math.round(ms / 1000))} s — no retry spent`,
        taskId,
      );
      this.#night.notify({ event: 'queue-paused', reason: `${reason} (${outage.message})` });
      let end = (): void => undefined;
      const done = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        end = () => {
          clearTimeout(timer);
          resolve();
        };
      }).then(() => {
        this.#outagePause = undefined;
        this.#setRun({ paused: this.#userPaused, pauseReason: undefined, resumeAt: undefined });
        if (!this.#stopReason)
          this.#line('info', this.#userPaused ? 'outage pause over; still paused by you' : 'queue resumed');
        this.#poke();
      });
      this.#outagePause = { done, end };
    }
    await this.#outagePause.done;
  }

  /** Re-plans when epochs remain; true when tasks were added and the run goes on. */
  async #nextEpoch(): Promise<boolean> {
    const { replan, options } = this.#deps;
    if (!replan || this.#epoch >= options.epochs || this.#stopReason || this.#budgetHit) return false;
    if (this.#tasksStarted >= options.maxTasks) return false;
    const epoch = ++this.#epoch;
    this.#line('info', `epoch ${epoch} of ${options.epochs}: the queue is exhausted; re-planning`);
    let added: number;
    try {
      added = await replan({
        epoch,
        addTasks: (write) => this.#taskWrite(write),
        line: (level, message) => this.#line(level, message),
        stopped: () => this.#stopReason !== undefined,
      });
    } catch (error) {
      this.#line('error', `epoch ${epoch}: re-planning failed: ${errorMessage(error)}`);
      return false;
    }
    if (added === 0) this.#line('info', `epoch ${epoch}: the planner added no tasks; stopping`);
    return added > 0 && !this.#stopReason;
  }

  #canStartMore(): boolean {
    if (this.#stopReason || this.#budgetHit) return false;
    if (this.#tasksStarted >= this.#deps.options.maxTasks) return false;
    return readyTasks(this.#deps.store.state.tasks).length > 0;
  }

  #startReadyTasks(): void {
    const { options, store } = this.#deps;
    while (this.#running.size < this.#parallel && !this.#stopReason) {
      if (options.maxCostUsd > 0 && this.#run.costUsd >= options.maxCostUsd) {
        if (!this.#budgetHit) {
          this.#line(
            'warn',
            `cost limit reached ($${this.#run.costUsd.toFixed(2)} of $${options.maxCostUsd.toFixed(2)}): no new tasks start`,
          );
          this.#night.notify({
            event: 'budget-hit',
            costUsd: this.#run.costUsd,
            maxCostUsd: options.maxCostUsd,
          });
        }
        this.#budgetHit = true;
        return;
      }
      if (this.#tasksStarted >= options.maxTasks) return;
      const next = readyTasks(store.state.tasks)[0];
      if (!next) return;
      this.#tasksStarted++;
      const promise = this.#runTask(next.id).finally(() => {
        this.#running.delete(next.id);
        this.#poke();
      });
      this.#running.set(next.id, promise);
    }
  }

  /** Attempts one task until it passes, is blocked, or the run stops. */
  async #runTask(taskId: string): Promise<void> {
    const { options } = this.#deps;
    const maxAttempts = options.maxRetries + 1;
    this.#night.taskStarted(taskId);
    this.#updateTask(taskId, (task) => moveTask(task, 'running'));
    // This start's attempts that spent a retry (an outage spends none). Earlier ones (a crashed run,
    // before `task retry`) count in the attempt number but not against the limit: never "attempt 5 of 4".
    let tries = 0;
    for (;;) {
      const task = this.#task(taskId);
      const attemptNo = task.attempts.length + 1;
      const lastAttempt = attemptNo - tries - 1 + maxAttempts;
      const handle = this.#openAttempt(task, attemptNo, tries + 1, lastAttempt);
      let outcome: Awaited<ReturnType<AttemptRunner>>;
      try {
        outcome = await this.#deps.runAttempt({
          task,
          attempt: attemptNo,
          maxAttempts: lastAttempt,
          runId: this.#run.id,
          learnings: recentLearnings(this.#deps.store.state.learning),
          conflict: this.#conflicts.get(taskId),
          handle,
        });
      } catch (error) {
        outcome = { outcome: 'error', summary: errorMessage(error), checks: [] };
      }
      handle.close();
      // delay_between_tasks_ms paces the agent CLI (rate limits): the slot stays taken meanwhile.
      if (options.delayBetweenTasksMs > 0 && !this.#stopReason)
        await new Promise((resolve) => setTimeout(resolve, options.delayBetweenTasksMs));
      if (outcome.conflict) this.#conflicts.set(taskId, outcome.conflict);
      else this.#conflicts.delete(taskId);
      this.#closeAttempt(taskId, attemptNo, outcome);
      if (outcome.outage && !this.#stopReason) {
        await this.#waitOutOutage(taskId, outcome.outage);
        if (this.#stopReason) return this.#settle(taskId, 'pending');
        continue;
      }
      if (!outcome.outage) this.#outages = 0;
      if (outcome.outcome === 'passed' && outcome.waiting) {
        const waiting = outcome.waiting;
        const since = this.#now().toISOString();
        this.#updateTask(taskId, (task) => {
          moveTask(task, 'pending');
          task.landing = { ...waiting, files: [...waiting.files], since };
        });
        return;
      }
      if (outcome.outcome === 'passed') {
        this.#settle(taskId, 'done');
        this.#line(
          'success',
          `${taskId} done${outcome.commit ? ` (${outcome.commit.slice(0, 8)})` : ''}`,
          taskId,
        );
        return;
      }
      if (outcome.outcome === 'interrupted' || this.#stopReason) return this.#settle(taskId, 'pending');
      if (tries + 1 >= maxAttempts) {
        const reason =
          `failed ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'}: ${outcome.summary}`.slice(0, 500);
        this.#settle(taskId, 'blocked', reason);
        this.#line('error', `${taskId} blocked: ${reason}`, taskId);
        this.#night.taskBlocked(this.#task(taskId), reason, this.#now().toISOString());
        return;
      }
      tries += 1;
      this.#line(
        'warn',
        `${taskId} attempt ${attemptNo} ${outcome.outcome}: ${outcome.summary}; retrying`,
        taskId,
      );
    }
  }

  /** Records a running attempt and gives attempt.ts its window onto the engine. */
  #openAttempt(task: Task, n: number, nThisStart: number, last: number): AttemptHandle {
    const startedAt = this.#now().toISOString();
    this.#updateTask(task.id, (t) =>
      openAttemptRecord(t, n, this.#run.id, task.backend ?? this.#deps.options.backend, startedAt),
    );
    this.#line(
      'info',
      `${task.id}: attempt ${n} of ${last}${n === nThisStart ? '' : ` (after ${n - nThisStart} earlier)`} started — ${task.title}`,
      task.id,
    );
    return createAttemptHandle(this.#handleHost, task.id);
  }

  readonly #handleHost: AttemptHandleHost = {
    agents: this.#agents,
    updateTask: (taskId, mutate) => this.#updateTask(taskId, mutate),
    line: (level, message, taskId) => this.#line(level, message, taskId),
    addRunUsage: (tokensIn, tokensOut, costUsd) =>
      this.#setRun({
        tokensIn: this.#run.tokensIn + tokensIn,
        tokensOut: this.#run.tokensOut + tokensOut,
        costUsd: this.#run.costUsd + costUsd,
      }),
    addLearning: (taskId, text) => {
      const at = this.#now().toISOString();
      this.#deps.store.updateMeta((state) => {
        state.learning = appendLearning(state.learning, { at, taskId, text });
      });
    },
    stopped: () => this.#stopReason !== undefined,
  };

  #closeAttempt(taskId: string, n: number, result: Awaited<ReturnType<AttemptRunner>>): void {
    const endedAt = this.#now().toISOString();
    this.#updateTask(taskId, (task) => closeAttemptRecord(task, n, result, endedAt));
    this.#night.attemptClosed(this.#task(taskId), n);
    this.#deps.store.updateMeta((state) => {
      const run = state.runs.find((r) => r.id === this.#run.id);
      if (!run) return;
      run.attempts++;
      if (result.outcome === 'passed') run.tasksDone++;
      run.tokensIn = this.#run.tokensIn;
      run.tokensOut = this.#run.tokensOut;
      run.costUsd = this.#run.costUsd;
    });
  }

  async #finish(): Promise<number> {
    const { store } = this.#deps;
    const tasks = store.state.tasks;
    const blocked = tasks.filter((t) => t.status === 'blocked').length;
    const limit = this.#budgetHit
      ? 'budget'
      : this.#tasksStarted >= this.#deps.options.maxTasks
        ? 'max-tasks'
        : undefined;
    const { outcome, exitCode } = runOutcome(tasks, this.#stopReason, limit);
    const endedAt = this.#now().toISOString();
    store.updateMeta((state) => {
      const run = state.runs.find((r) => r.id === this.#run.id);
      if (run) {
        run.endedAt = endedAt;
        run.outcome = outcome;
      }
    });
    await store.flush();
    const done = tasks.filter((t) => t.status === 'done').length;
    const summary = `run ${outcome}: ${done}/${tasks.length} done, ${blocked} blocked, ${costText(this.#run.backend, this.#run.costUsd)}`;
    this.#line(exitCode === 0 ? 'success' : exitCode === EXIT.blocked ? 'error' : 'warn', summary);
    const report = await this.#night.runEnded({
      state: store.state,
      outcome,
      exitCode,
      costUsd: this.#run.costUsd,
      tokensIn: this.#run.tokensIn,
      tokensOut: this.#run.tokensOut,
      startedAt: this.#run.startedAt,
      endedAt,
    });
    if (report) this.#line('info', `report: ${report}`);
    this.#setRun({ endedAt, outcome });
    this.#emit({ type: 'ended', exitCode, outcome });
    return exitCode;
  }

  // ---- commands ---------------------------------------------------------------------------

  readonly #commandTarget: EngineCommandTarget = {
    setPaused: (paused) => {
      this.#userPaused = paused;
      // Resuming during an outage pause tries again now.
      if (!paused) this.#outagePause?.end();
      this.#setRun({ paused, ...(!paused && { pauseReason: undefined, resumeAt: undefined }) });
      this.#line('info', paused ? 'paused: running agents finish, no new tasks start' : 'resumed');
      this.#poke();
    },
    stop: () => this.stop('stopped'),
    setParallel: (parallel) => {
      this.#parallel = parallel;
      this.#setRun({ parallel });
      this.#line('info', `parallelism set to ${parallel}`);
      this.#poke();
    },
    agentControl: (agentId) => this.#agents.control(agentId),
    taskWrite: (write) => this.#taskWrite(write),
  };

  async #taskWrite(write: TaskWrite): Promise<{ summary: string; backup?: string }> {
    if (write.op === 'reset' || write.op === 'block') {
      const busy = (write.op === 'block' ? [write.id] : (write.ids ?? [])).filter((id) =>
        this.#running.has(id),
      );
      if (busy.length > 0)
        throw new UserError(`task ${busy.join(', ')} is running; stop its agent first (x on the board)`);
    }
    const { store } = this.#deps;
    const before = new Map(store.state.tasks.map((task) => [task.id, task]));
    const { summary, backup } = await applyTaskWriteToStore(store, write);
    for (const task of store.state.tasks)
      if (before.get(task.id) !== task) this.#emit({ type: 'task', task });
    for (const id of before.keys())
      if (!store.state.tasks.some((t) => t.id === id)) this.#emit({ type: 'task-removed', taskId: id });
    this.#line('info', summary);
    this.#regression?.changed();
    this.#poke();
    return { summary, backup };
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

  /** The regression workers' window onto the engine (regression/workers.ts). */
  #regressionHost(): ConstructorParameters<typeof RegressionWorkers>[0] {
    return {
      runId: this.#run.id,
      tasks: () => this.#deps.store.state.tasks,
      attempting: (taskId) => this.#running.has(taskId),
      updateTask: (taskId, mutate) => this.#updateTask(taskId, mutate),
      line: (level, message, taskId) => this.#line(level, message, taskId),
      addAgent: (view, control) => this.#agents.add(view, control),
      updateAgent: (id, patch) => this.#agents.update(id, patch),
      agentOutput: (id, text) => this.#agents.output(id, text),
      removeAgents: (ids) => this.#agents.remove(ids),
      nextAgentName: () => agentName(this.#agents.nextIndex()),
      addRunUsage: (tokensIn, tokensOut, costUsd) =>
        this.#handleHost.addRunUsage(tokensIn, tokensOut, costUsd),
      caught: (taskId, head, summary) =>
        this.#deps.store.updateMeta((state) => {
          const run = state.runs.find((r) => r.id === this.#run.id);
          if (!run) return;
          const at = this.#now().toISOString();
          (run.regressions ??= []).push({ taskId, head, at, summary: summary.slice(0, 300) });
        }),
      poke: () => this.#poke(),
      now: () => this.#now(),
    };
  }

  #setRun(patch: Partial<RunView>): void {
    this.#run = { ...this.#run, ...patch };
    this.#emit({ type: 'run', run: this.#run });
  }

  #runRecord(): RunRecord {
    return {
      id: this.#run.id,
      startedAt: this.#run.startedAt,
      backend: this.#run.backend,
      parallel: this.#parallel,
      tasksDone: 0,
      attempts: 0,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
    };
  }

  #line(level: EventLine['level'], message: string, taskId?: string): void {
    const line: EventLine = { at: this.#now().toISOString(), level, message, ...(taskId ? { taskId } : {}) };
    this.#recent.push(line);
    if (this.#recent.length > RECENT_LINES) this.#recent.shift();
    void appendEvent(this.#deps.paths, line).catch(() => undefined);
    this.#emit({ type: 'line', line });
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
