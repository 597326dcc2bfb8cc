/**
 * What engine, agents and clients (boards, `status`, `task` writes) share: the views of a run, the
 * events that change them, the commands a client may send, and the two interfaces between them
 * (EngineHost on the engine's side, EngineClient on the client's), whatever the transport
 * (DESIGN.md §3). The wire messages that carry them are ipc/messages.ts.
 */
import type { Task } from '../tasks/model.js';

/** What an agent is doing, as classified from its output (DESIGN.md §4). */
export type AgentState =
  'starting' | 'thinking' | 'tool' | 'testing' | 'waiting-input' | 'idle' | 'stalled' | 'exited';

/** A running (or just finished) agent as the board shows it. */
export interface AgentView {
  readonly id: string;
  /** Friendly name shown on the board, e.g. "ada". */
  readonly name: string;
  readonly backend: string;
  /** True for the sim backend: the board labels it "simulated". */
  readonly simulated: boolean;
  readonly taskId: string;
  readonly attempt: number;
  /** `coding`, `regression`, `reflect`, `plan` or `review`. */
  readonly role: string;
  readonly state: AgentState;
  /** The current action, e.g. `Bash: npm test` or `Edit: src/app.ts`. */
  readonly action: string;
  readonly startedAt: string;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly costUsd: number;
  readonly pid?: number;
}

/** Run-level facts for the header. */
export interface RunView {
  readonly id: string;
  readonly startedAt: string;
  readonly backend: string;
  readonly parallel: number;
  readonly paused: boolean;
  /**
   * Why the queue is paused when nightshift paused it itself: an outage of the model API
   * (`outage: the model API is failing — …`); absent for a person's pause.
   */
  readonly pauseReason?: string;
  /** When an outage pause ends and the queue resumes by itself (ISO time). */
  readonly resumeAt?: string;
  /** True once stop was asked for; agents are winding down. */
  readonly stopping: boolean;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly costUsd: number;
  readonly maxCostUsd: number;
  readonly endedAt?: string;
  readonly outcome?: string;
}

/** Everything a client needs to draw the board from scratch. */
export interface EngineSnapshot {
  readonly project: string;
  readonly root: string;
  readonly pid: number;
  readonly run: RunView | null;
  readonly tasks: readonly Task[];
  readonly agents: readonly AgentView[];
  /** The newest event lines, bounded, oldest first. */
  readonly recent: readonly EventLine[];
  /**
   * Each live agent's newest `agent-output` lines when the snapshot was taken, oldest first, so a
   * board opened (or reopened) mid-run shows what its agents said before it came. Not kept up to
   * date by applyEvent: the events that follow carry the new lines.
   */
  readonly output?: Readonly<Record<string, readonly string[]>>;
}

/**
 * What `nightshift status` shows of a running engine, answered by the `status` command instead of
 * the whole snapshot (at 10,000 tasks the snapshot is ~19 MB of JSON to send and parse).
 */
export interface EngineStatus {
  readonly project: string;
  readonly pid: number;
  readonly run: RunView | null;
  /** Tasks per shown status, in the order statuses first occur in the queue. */
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
  readonly agents: readonly AgentView[];
  /** The newest event lines, at most 10, oldest first. */
  readonly recent: readonly EventLine[];
  /** Tasks the regression workers reopened: their last regression check failed. */
  readonly regressions: readonly RegressionCaught[];
}

/** A regression a run caught: the task, the head it failed at, when, and the first line of why. */
export interface RegressionCaught {
  readonly taskId: string;
  readonly head: string;
  readonly at: string;
  readonly summary: string;
}

/** One line of the event log (plain output, the board's log pane, `events.jsonl`). */
export interface EventLine {
  readonly at: string;
  readonly level: 'info' | 'warn' | 'error' | 'success';
  readonly message: string;
  readonly taskId?: string;
  readonly agentId?: string;
}

/** Something that happened in the engine. Entities travel whole so reducers stay trivial. */
export type EngineEvent =
  | { readonly type: 'run'; readonly run: RunView }
  | { readonly type: 'task'; readonly task: Task }
  | { readonly type: 'task-removed'; readonly taskId: string }
  | { readonly type: 'agent'; readonly agent: AgentView }
  | { readonly type: 'agent-removed'; readonly agentId: string }
  | { readonly type: 'line'; readonly line: EventLine }
  /**
   * Structured output of an agent (text, tool call, ...), already summarised to one line each
   * (several joined by \n). `replace`: these are the agent's newest lines, to replace what the
   * client held for it (sent to a client that starts watching the agent; see `watchOutput`).
   */
  | {
      readonly type: 'agent-output';
      readonly agentId: string;
      readonly text: string;
      readonly replace?: boolean;
    }
  | { readonly type: 'ended'; readonly exitCode: number; readonly outcome: string }
  /** Something that needs a person (notify/notify.ts): attached boards ring for it. */
  | { readonly type: 'notify'; readonly notice: NotifyNotice };

/** A notification as boards receive it, once per occurrence. */
export interface NotifyNotice {
  /** Unique within the run: a board rings once per id, whatever it receives again. */
  readonly id: string;
  /** `run-ended`, `task-blocked`, `waiting-input`, `budget-hit` or `queue-paused`. */
  readonly kind: string;
  /** One line for a person. */
  readonly message: string;
  readonly at: string;
  /** `[notify] bell`: whether boards ring the terminal's bell (and OSC 9) for it. */
  readonly bell: boolean;
}

/** A task's diff as the board's diff view shows it (the `task-diff` command's answer). */
export interface TaskDiffView {
  readonly taskId: string;
  /** Where the text comes from: the landed commit, a kept attempt, or nothing to show. */
  readonly source: 'commit' | 'attempt' | 'none';
  /** One line saying what it is, e.g. `commit 1a2b3c4d (attempt 2)` or `attempt 3 — failed`. */
  readonly label: string;
  /** The diff (`git show` or the kept patch); empty when there is none. */
  readonly text: string;
}

/** Names of commands a client may send (DESIGN.md §3). */
export const COMMAND_NAMES = [
  'pause',
  'resume',
  'stop',
  'stop-agent',
  'retry',
  'reset',
  'block',
  'add-task',
  'set-parallel',
  'pty-input',
  'pty-resize',
  'subscribe-pty',
  'unsubscribe-pty',
  /** Which agents' `agent-output` this client gets (default all); changes nothing. */
  'watch-output',
  'task-write',
  /** A task's diff for the board's diff view (report/task-diff-view.ts); changes nothing. */
  'task-diff',
  /** What `nightshift status` shows (EngineStatus): counts, not the queue; changes nothing. */
  'status',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Commands a read-only client may send; every other command changes the run. */
export const READ_ONLY_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>([
  'subscribe-pty',
  'unsubscribe-pty',
  'watch-output',
  'task-diff',
  'status',
]);

/** Outcome of a command. */
export interface CommandResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly value?: unknown;
}

/**
 * The one interface the board and the CLI use to talk to an engine, whatever the transport
 * (Unix socket, ssh, stdio). Implementations live in ipc/.
 */
export interface EngineClient {
  /** The latest snapshot with every event applied, or null before the first snapshot arrives. */
  readonly current: () => EngineSnapshot | null;
  /** Called with each snapshot (first connect and every reconnect). Returns an unsubscribe function. */
  readonly onSnapshot: (listener: (snapshot: EngineSnapshot) => void) => () => void;
  /** Called with each event after it has been applied to `current()`. */
  readonly onEvent: (listener: (event: EngineEvent) => void) => () => void;
  /** Connection changes: `lost` (engine gone, retrying), `restored`, `closed` (gave up or closed). */
  readonly onConnection: (
    listener: (status: 'lost' | 'restored' | 'closed', detail: string) => void,
  ) => () => void;
  /** Raw terminal bytes of one agent; subscribing sends `subscribe-pty`. */
  readonly onPty: (agentId: string, listener: (data: string) => void) => () => void;
  /**
   * Limits `agent-output` events to these agents (null: every agent, the default). Each agent
   * newly watched first gets one `replace` event with its newest lines. A board watches the one
   * agent it shows: 32 agents at 1,000 lines/s are 32,000 lines a second it would parse and drop
   * (and carry over ssh). Kept across reconnects.
   */
  readonly watchOutput: (agentIds: readonly string[] | null) => void;
  readonly command: (name: CommandName, args?: Readonly<Record<string, unknown>>) => Promise<CommandResult>;
  readonly close: () => void;
}

/** Applies one event to a snapshot, returning a new snapshot (pure; used by every client). */
export function applyEvent(snapshot: EngineSnapshot, event: EngineEvent, maxRecent = 200): EngineSnapshot {
  switch (event.type) {
    case 'run':
      return { ...snapshot, run: event.run };
    case 'task': {
      const index = snapshot.tasks.findIndex((task) => task.id === event.task.id);
      const tasks = [...snapshot.tasks];
      if (index === -1) tasks.push(event.task);
      else tasks[index] = event.task;
      return { ...snapshot, tasks };
    }
    case 'task-removed':
      return { ...snapshot, tasks: snapshot.tasks.filter((task) => task.id !== event.taskId) };
    case 'agent': {
      const index = snapshot.agents.findIndex((agent) => agent.id === event.agent.id);
      const agents = [...snapshot.agents];
      if (index === -1) agents.push(event.agent);
      else agents[index] = event.agent;
      return { ...snapshot, agents };
    }
    case 'agent-removed':
      return { ...snapshot, agents: snapshot.agents.filter((agent) => agent.id !== event.agentId) };
    case 'line': {
      const recent = [...snapshot.recent, event.line];
      return { ...snapshot, recent: recent.length > maxRecent ? recent.slice(-maxRecent) : recent };
    }
    case 'agent-output':
    case 'notify':
      return snapshot;
    case 'ended':
      return snapshot.run ? { ...snapshot, run: { ...snapshot.run, outcome: event.outcome } } : snapshot;
    default: {
      const never: never = event;
      throw new Error(`Unexpected event: ${JSON.stringify(never)}`);
    }
  }
}

/**
 * What an engine offers to the IPC server: the engine implements
 * this; ipc/ serves it over a socket or stdio without knowing anything else about the engine.
 */
export interface EngineHost {
  readonly snapshot: () => EngineSnapshot;
  /** Subscribes to engine events; returns an unsubscribe function. */
  readonly subscribe: (listener: (event: EngineEvent) => void) => () => void;
  /** Subscribes to one agent's raw pty output; returns an unsubscribe function. */
  readonly subscribePty: (agentId: string, listener: (data: string) => void) => () => void;
  /** An agent's newest output lines, oldest first, after sending what was pending for it. */
  readonly agentOutput: (agentId: string) => readonly string[];
  /** Runs a command; throws a UserError (or resolves a failed result) for bad arguments. */
  readonly command: (name: CommandName, args: Readonly<Record<string, unknown>>) => Promise<CommandResult>;
}
