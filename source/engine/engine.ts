/**
 * The engine: takes ready tasks, runs attempts (attempt.ts) up to the parallel limit, keeps the store
 * and every client informed, and answers commands. It is a typed event source (EngineHost); it knows
 * nothing of Ink or of how clients are connected.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Config } from '../config/schema.js';
import { UserError, assertNever, errorMessage } from '../errors.js';
import type {
  AgentView,
  CommandName,
  CommandResult,
  EngineEvent,
  EngineHost,
  EngineSnapshot,
  EventLine,
  RunView,
} from '../ipc/protocol.js';
import type { ProjectPaths } from '../paths.js';
import type { RunRecord } from '../store/schema.js';
import { MAX_RUNS_KEPT } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { readyTasks, unrunnableTasks } from '../tasks/graph.js';
import { MAX_ATTEMPTS_KEPT, type Task } from '../tasks/model.js';
import { applyTaskWrite, changesExistingTasks, type TaskWrite } from '../tasks/task-write.js';
import { backupState } from '../store/backup.js';
import { appendEvent, appendLearning, recentLearnings } from './history.js';
import type { RunOptions } from './run-options.js';
import { agentName } from './agent-names.js';
import type { AttemptHandle, AttemptRunner, LiveAgentControl } from './attempt-types.js';

/** Event lines kept in memory for snapshots. */
const RECENT_LINES = 200;
/**
 * Agent output and agent-state changes are sent to clients at most this often, batched per agent:
 * 8 agents printing 1,000 lines/s would otherwise be 16,000 messages a second for every board
 * (DESIGN.md §7: batching engine updates, not maxFps, is what cuts the board's CPU).
 */
const AGENT_FLUSH_MS = 100;
/** Output lines per agent per flush; the board keeps 500 per agent, the log file keeps all. */
const OUTPUT_LINES_PER_FLUSH = 200;

/** What the engine needs from the outside world. */
export interface EngineDeps {
  readonly paths: ProjectPaths;
  readonly config: Config;
  readonly store: Store;
  readonly options: RunOptions;
  readonly runAttempt: AttemptRunner;
  readonly now?: () => Date;
  /**
   * Epochs (`run --epochs N`): called when the queue is exhausted and epochs remain; re-plans and
   * resolves to the number of tasks added (0 ends the run). See plan/epoch.ts.
   */
  readonly replan?: (context: ReplanContext) => Promise<number>;
}

/** What a re-plan gets from the engine: its task-write path (the engine stays the only writer). */
export interface ReplanContext {
  /** The epoch starting, from 2 (the run's first pass is epoch 1). */
  readonly epoch: number;
  readonly addTasks: (write: Extract<TaskWrite, { op: 'add' }>) => Promise<{ summary: string }>;
  readonly line: (level: EventLine['level'], message: string) => void;
  /** True once the run is stopping: the re-plan should end. */
  readonly stopped: () => boolean;
}

/** Exit codes of DESIGN.md §1. */
export const EXIT = { done: 0, error: 1, blocked: 2, interrupted: 130 } as const;

/** One run of the queue. Create, then `await engine.run()` for the exit code. */
export class Engine implements EngineHost {
  readonly #deps: EngineDeps;
  readonly #emitter = new EventEmitter();
  readonly #agents = new Map<string, { view: AgentView; control: LiveAgentControl | undefined }>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #recent: EventLine[] = [];
  /** Agent output lines and agent-view changes waiting for the next flush (see #queueAgent). */
  readonly #pendingOutput = new Map<string, string[]>();
  readonly #pendingAgents = new Set<string>();
  #flushTimer: NodeJS.Timeout | undefined;
  /** The last rebase conflict per task, for its next prompt. */
  readonly #conflicts = new Map<string, string>();
  #run: RunView;
  #parallel: number;
  #tasksStarted = 0;
  #agentCount = 0;
  #stopReason: 'stopped' | 'interrupted' | undefined;
  #wake: (() => void) | undefined;
  #budgetHit = false;
  #epoch = 1;

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
    agents: [...this.#agents.values()].map((agent) => agent.view),
    recent: [...this.#recent],
  });

  subscribe = (listener: (event: EngineEvent) => void): (() => void) => {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  };

  subscribePty = (agentId: string, listener: (data: string) => void): (() => void) => {
    const control = this.#agents.get(agentId)?.control;
    if (!control) return () => undefined;
    return control.onPty(listener);
  };

  command = async (name: CommandName, args: Readonly<Record<string, unknown>>): Promise<CommandResult> => {
    try {
      return { ok: true, value: await this.#command(name, args) };
    } catch (error) {
      return { ok: false, error: errorMessage(error) };
    }
  };

  // ---- the run ----------------------------------------------------------------------------

  /** Runs until the queue is exhausted, a limit is hit, or stop is asked for; returns the exit code. */
  async run(): Promise<number> {
    const { store, options } = this.#deps;
    store.update((state) => {
      state.runs.push(this.#runRecord());
      if (state.runs.length > MAX_RUNS_KEPT) state.runs.splice(0, state.runs.length - MAX_RUNS_KEPT);
    });
    this.#line('info', `run ${this.#run.id} started: backend ${options.backend}, parallel ${this.#parallel}`);
    this.#emit({ type: 'run', run: this.#run });

    for (;;) {
      if (this.#stopReason) break;
      if (!this.#run.paused) this.#startReadyTasks();
      if (this.#running.size === 0 && !this.#run.paused && !this.#canStartMore()) {
        if (await this.#nextEpoch()) continue;
        break;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
    await Promise.allSettled(this.#running.values());
    return this.#finish();
  }

  /** Asks the run to stop: running agents are stopped and their attempts closed as interrupted. */
  stop(reason: 'stopped' | 'interrupted' = 'stopped'): void {
    if (this.#stopReason) return;
    this.#stopReason = reason;
    this.#setRun({ stopping: true });
    this.#line('warn', reason === 'interrupted' ? 'interrupted: stopping agents' : 'stop requested: stopping agents');
    for (const agent of this.#agents.values()) void agent.control?.stop('stopped');
    this.#poke();
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
      added = await replan({ epoch, addTasks: (write) => this.#taskWrite(write), line: (level, message) => this.#line(level, message), stopped: () => this.#stopReason !== undefined });
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
        if (!this.#budgetHit) this.#line('warn', `cost limit reached ($${this.#run.costUsd.toFixed(2)} of $${options.maxCostUsd.toFixed(2)}): no new tasks start`);
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
    this.#updateTask(taskId, (task) => {
      task.status = 'running';
    });
    for (;;) {
      const task = this.#task(taskId);
      const attemptNo = task.attempts.length + 1;
      const attemptsThisRun = task.attempts.filter((a) => a.runId === this.#run.id).length;
      const handle = this.#openAttempt(task, attemptNo);
      let outcome: Awaited<ReturnType<AttemptRunner>>;
      try {
        outcome = await this.#deps.runAttempt({
          task,
          attempt: attemptNo,
          maxAttempts,
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
      if (options.delayBetweenTasksMs > 0 && !this.#stopReason) await new Promise((resolve) => setTimeout(resolve, options.delayBetweenTasksMs));
      if (outcome.conflict) this.#conflicts.set(taskId, outcome.conflict);
      else this.#conflicts.delete(taskId);
      this.#closeAttempt(taskId, attemptNo, outcome);
      if (outcome.outcome === 'passed') {
        this.#updateTask(taskId, (t) => {
          t.status = 'done';
          t.blockReason = undefined;
        });
        this.#line('success', `${taskId} done${outcome.commit ? ` (${outcome.commit.slice(0, 8)})` : ''}`, taskId);
        return;
      }
      if (outcome.outcome === 'interrupted' || this.#stopReason) {
        this.#updateTask(taskId, (t) => {
          t.status = 'pending';
        });
        return;
      }
      if (attemptsThisRun + 1 >= maxAttempts) {
        const reason = `failed ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'}: ${outcome.summary}`.slice(0, 500);
        this.#updateTask(taskId, (t) => {
          t.status = 'blocked';
          t.blockReason = reason;
        });
        this.#line('error', `${taskId} blocked: ${reason}`, taskId);
        return;
      }
      this.#line('warn', `${taskId} attempt ${attemptNo} ${outcome.outcome}: ${outcome.summary}; retrying`, taskId);
      if (this.#stopReason) {
        this.#updateTask(taskId, (t) => {
          t.status = 'pending';
        });
        return;
      }
    }
  }

  /** Records a running attempt and gives attempt.ts its window onto the engine. */
  #openAttempt(task: Task, n: number): AttemptHandle {
    const startedAt = this.#now().toISOString();
    this.#updateTask(task.id, (t) => {
      t.status = 'running';
      t.attempts.push({
        n,
        runId: this.#run.id,
        backend: this.#deps.options.backend,
        startedAt,
        outcome: 'running',
        checks: [],
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
        summary: '',
      });
    });
    this.#line('info', `${task.id}: attempt ${n} of ${this.#deps.options.maxRetries + 1} started — ${task.title}`, task.id);
    const agentIds: string[] = [];
    return {
      setStatus: (status) => this.#updateTask(task.id, (t) => {
        t.status = status;
      }),
      line: (level, message) => this.#line(level, message, task.id),
      addAgent: (view, control) => {
        const id = `agent-${++this.#agentCount}`;
        const agent: AgentView = { ...view, id, name: view.name || `agent${this.#agentCount}` };
        this.#agents.set(id, { view: agent, control });
        agentIds.push(id);
        this.#emit({ type: 'agent', agent });
        this.#updateTask(task.id, (t) => {
          const attempt = t.attempts.at(-1);
          if (attempt) {
            attempt.agentName = agent.name;
            if (view.pid) attempt.pid = view.pid;
          }
        });
        return id;
      },
      updateAgent: (id, patch) => {
        const agent = this.#agents.get(id);
        if (!agent) return;
        agent.view = { ...agent.view, ...patch };
        this.#pendingAgents.add(id);
        this.#scheduleFlush();
      },
      agentOutput: (id, text) => {
        const lines = this.#pendingOutput.get(id) ?? [];
        lines.push(text);
        // A chatty agent must not flood clients: past this, only the newest lines of a batch go out
        // (the attempt's log file keeps everything).
        if (lines.length > OUTPUT_LINES_PER_FLUSH * 2) lines.splice(0, lines.length - OUTPUT_LINES_PER_FLUSH);
        this.#pendingOutput.set(id, lines);
        this.#scheduleFlush();
      },
      addUsage: (tokensIn, tokensOut, costUsd) => {
        this.#setRun({
          tokensIn: this.#run.tokensIn + tokensIn,
          tokensOut: this.#run.tokensOut + tokensOut,
          costUsd: this.#run.costUsd + costUsd,
        });
        this.#updateTask(task.id, (t) => {
          const attempt = t.attempts.at(-1);
          if (!attempt) return;
          attempt.tokensIn += tokensIn;
          attempt.tokensOut += tokensOut;
          attempt.costUsd += costUsd;
        });
      },
      nextAgentName: () => agentName(this.#agentCount),
      stopped: () => this.#stopReason !== undefined,
      updateTask: (mutate) => this.#updateTask(task.id, mutate),
      addLearning: (text) => {
        const at = this.#now().toISOString();
        this.#deps.store.update((state) => {
          state.learning = appendLearning(state.learning, { at, taskId: task.id, text });
        });
      },
      close: () => {
        this.#flushAgents();
        for (const id of agentIds) {
          this.#agents.delete(id);
          this.#emit({ type: 'agent-removed', agentId: id });
        }
      },
    };
  }

  #closeAttempt(taskId: string, n: number, result: Awaited<ReturnType<AttemptRunner>>): void {
    const endedAt = this.#now().toISOString();
    this.#updateTask(taskId, (task) => {
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
      if (task.attempts.length > MAX_ATTEMPTS_KEPT) task.attempts.splice(0, task.attempts.length - MAX_ATTEMPTS_KEPT);
    });
    this.#deps.store.update((state) => {
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
    const stuck = unrunnableTasks(tasks).size;
    let outcome: NonNullable<RunRecord['outcome']>;
    let exitCode: number;
    if (this.#stopReason === 'interrupted') [outcome, exitCode] = ['interrupted', EXIT.interrupted];
    else if (this.#stopReason === 'stopped') [outcome, exitCode] = ['stopped', EXIT.done];
    else if (blocked > 0 || stuck > 0) [outcome, exitCode] = ['blocked', EXIT.blocked];
    else if (this.#budgetHit) [outcome, exitCode] = ['budget', EXIT.done];
    else [outcome, exitCode] = ['done', EXIT.done];
    const endedAt = this.#now().toISOString();
    store.update((state) => {
      const run = state.runs.find((r) => r.id === this.#run.id);
      if (run) {
        run.endedAt = endedAt;
        run.outcome = outcome;
      }
    });
    await store.flush();
    const done = tasks.filter((t) => t.status === 'done').length;
    const summary = `run ${outcome}: ${done}/${tasks.length} done, ${blocked} blocked, $${this.#run.costUsd.toFixed(4)}`;
    this.#line(exitCode === 0 ? 'success' : exitCode === EXIT.blocked ? 'error' : 'warn', summary);
    this.#setRun({ endedAt, outcome });
    this.#emit({ type: 'ended', exitCode, outcome });
    return exitCode;
  }

  // ---- commands ---------------------------------------------------------------------------

  async #command(name: CommandName, args: Readonly<Record<string, unknown>>): Promise<unknown> {
    switch (name) {
      case 'pause':
        this.#setRun({ paused: true });
        this.#line('info', 'paused: running agents finish, no new tasks start');
        return 'paused';
      case 'resume':
        this.#setRun({ paused: false });
        this.#line('info', 'resumed');
        this.#poke();
        return 'resumed';
      case 'stop':
        this.stop('stopped');
        return 'stopping';
      case 'stop-agent': {
        const control = this.#agents.get(stringArg(args, 'agentId'))?.control;
        if (!control) throw new UserError(`no running agent "${stringArg(args, 'agentId')}"`);
        await control.stop('stopped');
        return 'stopped';
      }
      case 'set-parallel': {
        const parallel = Number(args['parallel']);
        if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) throw new UserError('parallel must be an integer from 1 to 64');
        this.#parallel = parallel;
        this.#setRun({ parallel });
        this.#line('info', `parallelism set to ${parallel}`);
        this.#poke();
        return parallel;
      }
      case 'retry':
        return this.#taskWrite({ op: 'retry', ids: optionalIds(args) });
      case 'reset':
        return this.#taskWrite({ op: 'reset', ids: optionalIds(args) });
      case 'block':
        return this.#taskWrite({ op: 'block', id: stringArg(args, 'id'), reason: stringArg(args, 'reason') });
      case 'add-task':
        return this.#taskWrite({ op: 'add', tasks: [args['task'] as Task] });
      case 'task-write':
        return this.#taskWrite(args['write'] as TaskWrite);
      case 'pty-input':
      case 'pty-resize': {
        const control = this.#agents.get(stringArg(args, 'agentId'))?.control;
        if (!control) throw new UserError(`no running agent "${stringArg(args, 'agentId')}"`);
        if (name === 'pty-input') control.write(stringArg(args, 'data'));
        else control.resize(Number(args['cols']), Number(args['rows']));
        return 'ok';
      }
      case 'subscribe-pty':
      case 'unsubscribe-pty':
        // The IPC server wires pty streams itself through subscribePty.
        return 'ok';
      default:
        return assertNever(name);
    }
  }

  async #taskWrite(write: TaskWrite): Promise<{ summary: string; backup?: string }> {
    if (write.op === 'reset' || write.op === 'block') {
      const busy = (write.op === 'block' ? [write.id] : (write.ids ?? [])).filter((id) => this.#running.has(id));
      if (busy.length > 0) throw new UserError(`task ${busy.join(', ')} is running; stop its agent first (x on the board)`);
    }
    const { store, paths } = this.#deps;
    const draft = structuredClone(store.state);
    const summary = applyTaskWrite(draft, write);
    const backup = changesExistingTasks(write) && store.state.tasks.length > 0 ? await backupState(paths, write.op) : undefined;
    const before = new Map(store.state.tasks.map((task) => [task.id, task]));
    store.update((state) => {
      state.tasks = draft.tasks;
      state.epics = draft.epics;
      // A learning note also adds to the project's journal (only then: other writes leave it as it is).
      if (write.op === 'learn') state.learning = draft.learning;
    });
    for (const task of store.state.tasks) if (before.get(task.id) !== task) this.#emit({ type: 'task', task });
    for (const id of before.keys()) if (!store.state.tasks.some((t) => t.id === id)) this.#emit({ type: 'task-removed', taskId: id });
    this.#line('info', summary);
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
    this.#deps.store.update((state) => {
      const index = state.tasks.findIndex((t) => t.id === id);
      const current = state.tasks[index];
      if (!current) return;
      // Replace rather than mutate in place so snapshots already sent stay unchanged.
      const next = structuredClone(current);
      mutate(next);
      next.updatedAt = now;
      state.tasks[index] = next;
    });
    const task = this.#deps.store.state.tasks.find((t) => t.id === id);
    if (task) this.#emit({ type: 'task', task });
  }

  #scheduleFlush(): void {
    this.#flushTimer ??= setTimeout(() => this.#flushAgents(), AGENT_FLUSH_MS);
  }

  /** Sends the batched agent output (one event per agent) and the latest view of changed agents. */
  #flushAgents(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const [agentId, lines] of this.#pendingOutput) {
      this.#emit({ type: 'agent-output', agentId, text: lines.slice(-OUTPUT_LINES_PER_FLUSH).join('\n') });
    }
    this.#pendingOutput.clear();
    for (const id of this.#pendingAgents) {
      const agent = this.#agents.get(id);
      if (agent) this.#emit({ type: 'agent', agent: agent.view });
    }
    this.#pendingAgents.clear();
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
    this.#emitter.emit('event', event);
  }

  #poke(): void {
    this.#wake?.();
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }
}

function stringArg(args: Readonly<Record<string, unknown>>, key: string): string {
  const value = args[key];
  if (typeof value !== 'string' || value.length === 0) throw new UserError(`command needs "${key}"`);
  return value;
}

function optionalIds(args: Readonly<Record<string, unknown>>): string[] | undefined {
  const ids = args['ids'];
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new UserError('"ids" must be a list of task ids');
  return ids;
}
