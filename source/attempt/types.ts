/**
 * The seam between the engine's bookkeeping (engine.ts) and the work of one attempt (attempt.ts):
 * an attempt reports through an AttemptHandle and returns an AttemptResult.
 */
import type { Backend } from '../agents/backend.js';
import type { Outage } from '../agents/outage.js';
import type { RunOptions } from '../config/run-options.js';
import type { BackendSettings, Config } from '../config/schema.js';
import type { Worktree } from '../git/worktree.js';
import type { AttemptLogPaths } from '../history/history.js';
import type { ProjectPaths } from '../paths.js';
import type { Sandbox } from '../sandbox/bwrap.js';
import type { AgentView, EventLine } from '../protocol/types.js';
import type { CommandPolicy } from '../security/command-policy.js';
import type { AttemptOutcome, GateCheck, Task, TaskStatus } from '../tasks/model.js';

/** What every attempt of a run shares. */
export interface AttemptDeps {
  readonly paths: ProjectPaths;
  readonly config: Config;
  readonly options: RunOptions;
  readonly backend: Backend;
  readonly settings: BackendSettings;
  readonly integrationBranch: string;
  readonly policy: CommandPolicy;
  readonly nightshiftCommand: readonly string[];
  /** The kernel sandbox every agent and gate command of the run is wrapped in; absent = none. */
  readonly sandbox?: Sandbox;
}

/** Control over a live agent, for the board's attach, stop and resize. */
export interface LiveAgentControl {
  readonly write: (data: string) => void;
  readonly resize: (cols: number, rows: number) => void;
  readonly stop: (reason: 'stopped') => Promise<void>;
  /** Raw pty bytes; returns an unsubscribe function. */
  readonly onPty: (listener: (data: string) => void) => () => void;
}

/** Where agents show on the board: the engine's roster (engine/agent-roster.ts) is one. */
export interface AgentSink {
  /** Adds an agent (its id is given here) and tells clients at once. */
  add(view: Omit<AgentView, 'id'>, control: LiveAgentControl | undefined): AgentView;
  update(id: string, patch: Partial<Omit<AgentView, 'id'>>): void;
  /** A line of the agent's output, for the board's log. */
  output(id: string, text: string): void;
  remove(ids: readonly string[]): void;
  /** The name the next agent gets (one name per agent of the run). */
  nextName(): string;
}

/** What an attempt can do to the engine's state while it runs. */
export interface AttemptHandle {
  readonly setStatus: (status: TaskStatus) => void;
  readonly line: (level: EventLine['level'], message: string) => void;
  /** Shows an agent on the board; returns its id. */
  readonly addAgent: (view: Omit<AgentView, 'id'>, control: LiveAgentControl | undefined) => string;
  readonly updateAgent: (id: string, patch: Partial<Omit<AgentView, 'id'>>) => void;
  readonly agentOutput: (id: string, text: string) => void;
  readonly addUsage: (tokensIn: number, tokensOut: number, costUsd: number) => void;
  readonly nextAgentName: () => string;
  /** True once the run is stopping: the attempt should wind down. */
  readonly stopped: () => boolean;
  /** Changes the task record itself (learning, bestMetric, steps refined by reflection). */
  readonly updateTask: (mutate: (task: Task) => void) => void;
  /** Adds a lesson to the project's learning journal (fed into every later prompt). */
  readonly addLearning: (text: string) => void;
  /** Removes the attempt's agents from the board. */
  readonly close: () => void;
}

/** What one attempt produced. */
export interface AttemptResult {
  readonly outcome: Exclude<AttemptOutcome, 'running'>;
  readonly summary: string;
  readonly checks: GateCheck[];
  readonly exitCode?: number | null;
  readonly metric?: number;
  readonly reflection?: string;
  readonly commit?: string;
  readonly sessionId?: string;
  readonly logPath?: string;
  /** A rebase conflict with the integration branch, for the next attempt's prompt. */
  readonly conflict?: string;
  /** The agent could not work because the model API was out: the engine pauses and retries. */
  readonly outage?: Outage;
  /** Verified and committed on its branch, but something in the main checkout stands in the way of landing. */
  readonly waiting?: {
    readonly branch: string;
    readonly commit: string;
    readonly files: readonly string[];
    readonly reason: string;
  };
}

/** One attempt under way: the run's deps, the attempt, its worktree and its log files. */
export interface AttemptScope {
  readonly deps: AttemptDeps;
  readonly context: AttemptContext;
  readonly worktree: Worktree;
  readonly logs: AttemptLogPaths;
}

/** Everything attempt.ts is given for one attempt. */
export interface AttemptContext {
  readonly task: Task;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly runId: string;
  /** The project's recent learning journal texts, newest last. */
  readonly learnings: readonly string[];
  /** The conflict that sent this task back, if the last attempt hit one. */
  readonly conflict?: string;
  readonly handle: AttemptHandle;
}

/** Runs one attempt of a task from worktree to gate to commit. */
export type AttemptRunner = (context: AttemptContext) => Promise<AttemptResult>;

/**
 * Called after every attempt (passed or not) while its worktree still exists; the composition root
 * plugs the review loop in here. Must not throw.
 */
export type AfterAttempt = (
  context: AttemptContext,
  worktree: Worktree,
  result: AttemptResult,
) => Promise<void>;
