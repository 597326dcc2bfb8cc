/**
 * Shared pieces of the ipc tests: a fake engine host that emits on demand, a condition waiter and
 * short temporary directories (socket paths must stay under ~107 bytes).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { UserError } from '../../source/errors.js';
import { createClient, type ClientOptions } from '../../source/ipc/client-core.js';
import { streamTransport } from '../../source/ipc/transport.js';
import {
  applyEvent,
  type CommandName,
  type CommandResult,
  type EngineClient,
  type EngineEvent,
  type EngineHost,
  type EngineSnapshot,
  type EventLine,
} from '../../source/protocol/types.js';

/**
 * A client over one pair of streams (the far side of `bridgeStdio`). A stream pair cannot be
 * reopened, so when the streams end the client reports `closed`.
 */
export function createStreamClient(
  input: Readable,
  output: Writable,
  options: Omit<ClientOptions, 'reconnect' | 'reconnectTimeoutMs'> = {},
): Promise<EngineClient> {
  let used = false;
  return createClient((handlers) => {
    if (used) return Promise.reject(new UserError('the stream to the engine was closed'));
    used = true;
    return Promise.resolve(streamTransport(input, output, handlers));
  }, options);
}

/** A snapshot with nothing in it. */
export function emptySnapshot(project = 'demo'): EngineSnapshot {
  return { project, root: `/tmp/${project}`, pid: 4242, run: null, tasks: [], agents: [], recent: [] };
}

/** A `line` event with the given message. */
export function lineEvent(message: string): EngineEvent {
  const line: EventLine = { at: '2025-01-01T00:00:00.000Z', level: 'info', message };
  return { type: 'line', line };
}

/** An engine host driven by the test. */
export class FakeHost implements EngineHost {
  state: EngineSnapshot;
  readonly commands: { name: CommandName; args: Readonly<Record<string, unknown>> }[] = [];
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly ptyListeners = new Map<string, Set<(data: string) => void>>();

  constructor(project = 'demo') {
    this.state = emptySnapshot(project);
  }

  readonly snapshot = (): EngineSnapshot => this.state;

  readonly subscribe = (listener: (event: EngineEvent) => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly subscribePty = (agentId: string, listener: (data: string) => void): (() => void) => {
    const set = this.ptyListeners.get(agentId) ?? new Set();
    set.add(listener);
    this.ptyListeners.set(agentId, set);
    return () => set.delete(listener);
  };

  /** Each agent's newest output lines, as the test sets them (what a new watcher gets first). */
  readonly output = new Map<string, readonly string[]>();

  readonly agentOutput = (agentId: string): readonly string[] => this.output.get(agentId) ?? [];

  /** `pause` succeeds with a value, `retry` fails politely, `block` throws, others echo their args. */
  readonly command = (name: CommandName, args: Readonly<Record<string, unknown>>): Promise<CommandResult> => {
    this.commands.push({ name, args });
    if (name === 'pause') return Promise.resolve({ ok: true, value: { paused: true } });
    if (name === 'retry') return Promise.resolve({ ok: false, error: 'no task T9' });
    if (name === 'block') return Promise.reject(new UserError('block needs a reason'));
    return Promise.resolve({ ok: true, value: args });
  };

  emit(event: EngineEvent): void {
    this.state = applyEvent(this.state, event);
    for (const listener of [...this.listeners]) listener(event);
  }

  pty(agentId: string, data: string): void {
    for (const listener of [...(this.ptyListeners.get(agentId) ?? [])]) listener(data);
  }

  subscriberCount(): number {
    return this.listeners.size;
  }

  ptySubscriberCount(agentId: string): number {
    return this.ptyListeners.get(agentId)?.size ?? 0;
  }
}

export { waitFor } from '../support/wait.js';

/** A fresh short temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'ns-ipc-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
