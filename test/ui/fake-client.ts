/**
 * A scripted EngineClient for board tests: holds a snapshot, lets a test push events, connection
 * changes and pty bytes, and records every command (pty input included) the board sends.
 */
import {
  applyEvent,
  type AgentView,
  type CommandName,
  type CommandResult,
  type EngineClient,
  type EngineEvent,
  type EngineSnapshot,
  type EventLine,
  type RunView,
} from '../../source/protocol/types.js';
import type { Task } from '../../source/tasks/model.js';

/** One command the board sent. */
export interface SentCommand {
  readonly name: CommandName;
  readonly args: Readonly<Record<string, unknown>>;
}

/** The fake client with its test controls. */
export interface FakeClient extends EngineClient {
  readonly commands: SentCommand[];
  /** The agents the board last asked output of (`watchOutput`); null: all. */
  readonly watching: () => readonly string[] | null;
  /** The data of every pty-input command, in order. */
  readonly ptyInput: () => string[];
  /** Applies an event as the engine would send it. */
  readonly push: (event: EngineEvent) => void;
  readonly connection: (status: 'lost' | 'restored' | 'closed', detail?: string) => void;
  readonly pty: (agentId: string, data: string) => void;
  /** Answers for commands (default: ok). */
  respond: (name: CommandName, args: Readonly<Record<string, unknown>>) => CommandResult;
  /** Agents with a pty subscription right now. */
  readonly ptySubscribers: () => string[];
}

const T0 = '2025-01-01T10:00:00.000Z';

/** A task with defaults for every field. */
export function makeTask(fields: Partial<Task> & { id: string }): Task {
  return {
    title: `Task ${fields.id}`,
    description: '',
    priority: 0,
    steps: [],
    dependsOn: [],
    docs: [],
    status: 'pending',
    verification: { pathPatterns: [], commands: ['npm test'], env: {} },
    completion: { kind: 'boolean' },
    execution: { strategy: 'single_pass' },
    attempts: [],
    notes: '',
    learning: [],
    createdAt: T0,
    updatedAt: T0,
    ...fields,
  };
}

/** An agent with defaults for every field. */
export function makeAgent(fields: Partial<AgentView> & { id: string }): AgentView {
  return {
    name: 'ada',
    backend: 'sim',
    simulated: true,
    taskId: 't1',
    attempt: 1,
    role: 'coding',
    state: 'thinking',
    action: '',
    startedAt: new Date(Date.now() - 65_000).toISOString(),
    tokensIn: 1200,
    tokensOut: 300,
    costUsd: 0.0123,
    ...fields,
  };
}

/** A run with defaults for every field. */
export function makeRun(fields: Partial<RunView> = {}): RunView {
  return {
    id: 'run-1',
    startedAt: new Date(Date.now() - 125_000).toISOString(),
    backend: 'sim',
    parallel: 1,
    paused: false,
    stopping: false,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0.5,
    maxCostUsd: 0,
    ...fields,
  };
}

/** An event line. */
export function makeLine(message: string, fields: Partial<EventLine> = {}): EventLine {
  return { at: T0, level: 'info', message, ...fields };
}

/** A fake client starting from `initial` (a project "demo" with no tasks by default). */
export function createFakeClient(initial: Partial<EngineSnapshot> = {}): FakeClient {
  let snapshot: EngineSnapshot = {
    project: 'demo',
    root: '/tmp/demo',
    pid: 1,
    run: makeRun(),
    tasks: [],
    agents: [],
    recent: [],
    ...initial,
  };
  const events = new Set<(event: EngineEvent) => void>();
  const connections = new Set<(status: 'lost' | 'restored' | 'closed', detail: string) => void>();
  const ptys = new Map<string, Set<(data: string) => void>>();
  const commands: SentCommand[] = [];
  let watched: readonly string[] | null = null;
  const client: FakeClient = {
    commands,
    ptyInput: () => commands.filter((c) => c.name === 'pty-input').map((c) => String(c.args['data'])),
    push: (event) => {
      snapshot = applyEvent(snapshot, event);
      for (const listener of [...events]) listener(event);
    },
    connection: (status, detail = status) => {
      for (const listener of [...connections]) listener(status, detail);
    },
    pty: (agentId, data) => {
      for (const listener of [...(ptys.get(agentId) ?? [])]) listener(data);
    },
    respond: () => ({ ok: true }),
    ptySubscribers: () => [...ptys].filter(([, set]) => set.size > 0).map(([id]) => id),
    current: () => snapshot,
    onSnapshot: () => () => undefined,
    onEvent: (listener) => {
      events.add(listener);
      return () => events.delete(listener);
    },
    onConnection: (listener) => {
      connections.add(listener);
      return () => connections.delete(listener);
    },
    onPty: (agentId, listener) => {
      const set = ptys.get(agentId) ?? new Set();
      ptys.set(agentId, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    watchOutput: (agentIds) => {
      watched = agentIds;
    },
    watching: () => watched,
    command: (name, args = {}) => {
      commands.push({ name, args });
      return Promise.resolve(client.respond(name, args));
    },
    close: () => undefined,
  };
  return client;
}
