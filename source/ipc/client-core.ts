/**
 * The EngineClient of protocol.ts over any transport: handshake, applied events, commands with ids
 * and timeouts, pty subscriptions, and reconnection. A transport only moves messages; the Unix
 * socket, a stream pair and ssh differ in nothing else (see transport.ts and ssh.ts).
 */
import { UserError, errorMessage } from '../errors.js';
import {
  applyEvent,
  type CommandName,
  type CommandResult,
  type EngineClient,
  type EngineEvent,
  type EngineSnapshot,
} from '../protocol/types.js';
import { PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from './messages.js';

/** What a transport reports to the client. */
export interface TransportHandlers {
  readonly message: (message: ServerMessage) => void;
  /** The connection ended; `reason` says why in words (a socket error, ssh's stderr). */
  readonly closed: (reason: string) => void;
}

/** One live connection to an engine. */
export interface Transport {
  readonly send: (message: ClientMessage) => void;
  readonly close: () => void;
}

/** Opens a fresh connection; rejects (with a UserError, ideally) when it cannot. */
export type Connector = (handlers: TransportHandlers) => Promise<Transport>;

/** Client behaviour; every field has a default. */
export interface ClientOptions {
  /** Say `readonly` in the hello: the engine then refuses every command but pty subscriptions. */
  readonly readonly?: boolean;
  /** Reconnect when the connection drops (default false). */
  readonly reconnect?: boolean;
  /** How long to keep retrying before giving up with `closed` (default 60 s). */
  readonly reconnectTimeoutMs?: number;
  /** How long a command may wait for its result (default 30 s). */
  readonly commandTimeoutMs?: number;
  /** How long from opening a connection to its snapshot (default 20 s: ssh logins can be slow). */
  readonly handshakeTimeoutMs?: number;
  /** Called when the first connection is open and the client waits for the snapshot (a UI says so). */
  readonly onConnected?: () => void;
}

/** First retry delay; doubled per attempt up to the maximum. */
export const RECONNECT_FIRST_DELAY_MS = 100;
/** Longest wait between retries. */
export const RECONNECT_MAX_DELAY_MS = 2000;
/** Default time to keep retrying. */
export const RECONNECT_TIMEOUT_MS = 60_000;

/** NIGHTSHIFT_RECONNECT_TIMEOUT_MS, when set to a positive number (tests, flaky links). */
function reconnectTimeoutFromEnv(): number | undefined {
  const value = Number(process.env['NIGHTSHIFT_RECONNECT_TIMEOUT_MS']);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The engine refused us in words (a version mismatch): retrying cannot help. */
class Refusal extends UserError {}

type ConnectionStatus = 'lost' | 'restored' | 'closed';

interface Pending {
  readonly resolve: (result: CommandResult) => void;
  readonly timer: NodeJS.Timeout;
}

interface Handshake {
  readonly resolve: (snapshot: EngineSnapshot) => void;
  readonly reject: (error: Error) => void;
}

/** Connects through `connect`, waits for the first snapshot and returns the client. */
export async function createClient(connect: Connector, options: ClientOptions = {}): Promise<EngineClient> {
  const core = new ClientCore(connect, options);
  await core.establish();
  return core.api;
}

class ClientCore {
  private snapshot: EngineSnapshot | null = null;
  private transport: Transport | undefined;
  private connected = false;
  private closed = false;
  /** Bumped per connection so that callbacks of an old one are ignored. */
  private generation = 0;
  private handshake: Handshake | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly snapshotListeners = new Set<(snapshot: EngineSnapshot) => void>();
  private readonly eventListeners = new Set<(event: EngineEvent) => void>();
  private readonly connectionListeners = new Set<(status: ConnectionStatus, detail: string) => void>();
  private readonly ptyListeners = new Map<string, Set<(data: string) => void>>();
  /** The agents whose output this client asked for; null: all (what the engine assumes). */
  private outputWatch: readonly string[] | null = null;
  private cancelSleep: (() => void) | undefined;
  /** The engine's last `error` message on this connection, if any. */
  private lastServerError: string | undefined;
  /** The run ended: the engine exits next, so its connection closing is expected, not lost. */
  private runEnded = false;

  constructor(
    private readonly connect: Connector,
    private readonly options: ClientOptions,
  ) {}

  readonly api: EngineClient = {
    current: () => this.snapshot,
    onSnapshot: (listener) => subscribe(this.snapshotListeners, listener),
    onEvent: (listener) => subscribe(this.eventListeners, listener),
    onConnection: (listener) => subscribe(this.connectionListeners, listener),
    onPty: (agentId, listener) => this.onPty(agentId, listener),
    watchOutput: (agentIds) => this.watchOutput(agentIds),
    command: (name, args) => this.command(name, args ?? {}),
    close: () => this.close(),
  };

  /** Opens one connection and completes the handshake; rejects when either fails. */
  async establish(): Promise<void> {
    const generation = ++this.generation;
    const handshake = new Promise<EngineSnapshot>((resolve, reject) => {
      this.handshake = { resolve, reject };
    });
    // Settled by a handler below before establish() awaits it; keep Node from calling it unhandled.
    handshake.catch(() => undefined);
    let transport: Transport;
    try {
      transport = await this.connect({
        message: (message) => {
          if (generation === this.generation) this.receive(message);
        },
        closed: (reason) => {
          if (generation === this.generation) this.dropped(reason);
        },
      });
    } catch (error) {
      this.handshake = undefined;
      throw error;
    }
    if (generation !== this.generation) {
      transport.close();
      throw new UserError('the client was closed while connecting');
    }
    this.transport = transport;
    transport.send({ type: 'hello', version: PROTOCOL_VERSION, readonly: this.options.readonly === true });
    if (generation === 1) this.options.onConnected?.();
    const timeoutMs = this.options.handshakeTimeoutMs ?? 20_000;
    const timer = setTimeout(() => {
      this.handshake?.reject(new UserError(`the engine did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    let snapshot: EngineSnapshot;
    try {
      snapshot = await handshake;
    } catch (error) {
      this.handshake = undefined;
      if (generation === this.generation) {
        this.generation += 1;
        this.transport = undefined;
        transport.close();
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.handshake = undefined;
    this.lastServerError = undefined;
    this.connected = true;
    this.snapshot = snapshot;
    for (const agentId of this.ptyListeners.keys()) this.sendQuietly('subscribe-pty', { agentId });
    for (const listener of [...this.snapshotListeners]) listener(snapshot);
    // After the snapshot's listeners: its lines of a watched agent are then replaced by newer ones.
    if (this.outputWatch !== null) this.sendQuietly('watch-output', { agentIds: this.outputWatch });
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'snapshot':
        if (this.handshake) {
          this.handshake.resolve(message.state);
          return;
        }
        this.snapshot = message.state;
        for (const listener of [...this.snapshotListeners]) listener(message.state);
        return;
      case 'event':
        if (!this.snapshot) return;
        if (message.event.type === 'ended') this.runEnded = true;
        this.snapshot = applyEvent(this.snapshot, message.event);
        for (const listener of [...this.eventListeners]) listener(message.event);
        return;
      case 'result': {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        const result: { ok: boolean; error?: string; value?: unknown } = { ok: message.ok };
        if (message.error !== undefined) result.error = message.error;
        if (message.value !== undefined) result.value = message.value;
        pending.resolve(result);
        return;
      }
      case 'pty':
        for (const listener of [...(this.ptyListeners.get(message.agentId) ?? [])]) listener(message.data);
        return;
      case 'error':
        // Before the snapshot an error is a refusal (version, no engine behind a bridge); after it,
        // kept as the likely reason if the connection ends next.
        this.handshake?.reject(new Refusal(message.message));
        this.lastServerError = message.message;
        return;
      default:
        return;
    }
  }

  private dropped(closeReason: string): void {
    const reason = this.lastServerError ? `${closeReason}: ${this.lastServerError}` : closeReason;
    this.lastServerError = undefined;
    this.generation += 1;
    this.transport = undefined;
    if (this.handshake) {
      this.handshake.reject(new UserError(reason));
      return;
    }
    const wasConnected = this.connected;
    this.connected = false;
    this.failPending('the connection to the engine was lost');
    if (this.closed || !wasConnected) return;
    if (this.options.reconnect !== true || this.runEnded || this.snapshot?.run?.endedAt !== undefined) {
      this.finish(this.runEnded ? 'the run ended and its engine exited' : reason);
      return;
    }
    this.emitConnection('lost', reason);
    void this.reconnect(reason);
  }

  private async reconnect(firstReason: string): Promise<void> {
    const timeoutMs = this.options.reconnectTimeoutMs ?? reconnectTimeoutFromEnv() ?? RECONNECT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    let delay = RECONNECT_FIRST_DELAY_MS;
    let lastError = firstReason;
    while (!this.closed) {
      await this.sleep(Math.max(0, Math.min(delay, deadline - Date.now())));
      if (this.closed) return;
      try {
        await this.establish();
        this.emitConnection('restored', 'reconnected to the engine');
        return;
      } catch (error) {
        lastError = errorMessage(error);
        if (error instanceof Refusal) break;
      }
      if (Date.now() >= deadline) {
        lastError = `gave up reconnecting after ${Math.round(timeoutMs / 1000)} s: ${lastError}`;
        break;
      }
      delay = Math.min(delay * 2, RECONNECT_MAX_DELAY_MS);
    }
    if (!this.closed) this.finish(lastError);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.cancelSleep = done;
    });
  }

  private command(name: CommandName, args: Readonly<Record<string, unknown>>): Promise<CommandResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'the connection to the engine is closed' });
    const transport = this.transport;
    if (!this.connected || !transport) {
      return Promise.resolve({ ok: false, error: 'not connected to the engine (reconnecting)' });
    }
    const id = this.nextId++;
    const timeoutMs = this.options.commandTimeoutMs ?? 30_000;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: `the engine did not answer "${name}" within ${timeoutMs / 1000} s` });
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      transport.send({ type: 'command', id, name, args });
    });
  }

  /** Fire-and-forget command (pty subscriptions): a failure shows up as missing output, nothing more. */
  private sendQuietly(name: CommandName, args: Readonly<Record<string, unknown>>): void {
    void this.command(name, args);
  }

  private watchOutput(agentIds: readonly string[] | null): void {
    // Lists of a few ids: as JSON, null and each list compare by value.
    const same = JSON.stringify(agentIds) === JSON.stringify(this.outputWatch);
    if (same) return;
    this.outputWatch = agentIds === null ? null : [...agentIds];
    if (this.connected) this.sendQuietly('watch-output', { agentIds: this.outputWatch });
  }

  private onPty(agentId: string, listener: (data: string) => void): () => void {
    let listeners = this.ptyListeners.get(agentId);
    if (!listeners) {
      listeners = new Set();
      this.ptyListeners.set(agentId, listeners);
      if (this.connected) this.sendQuietly('subscribe-pty', { agentId });
    }
    listeners.add(listener);
    return () => {
      const current = this.ptyListeners.get(agentId);
      if (!current?.delete(listener) || current.size > 0) return;
      this.ptyListeners.delete(agentId);
      if (this.connected) this.sendQuietly('unsubscribe-pty', { agentId });
    };
  }

  private failPending(error: string): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.resolve({ ok: false, error });
    }
    this.pending.clear();
  }

  private emitConnection(status: ConnectionStatus, detail: string): void {
    for (const listener of [...this.connectionListeners]) listener(status, detail);
  }

  private finish(detail: string): void {
    if (this.closed) return;
    this.closed = true;
    this.emitConnection('closed', detail);
  }

  private close(): void {
    if (this.closed) return;
    this.generation += 1;
    this.connected = false;
    this.transport?.close();
    this.transport = undefined;
    this.handshake?.reject(new UserError('the client was closed'));
    this.cancelSleep?.();
    this.failPending('the client was closed');
    this.finish('closed by the client');
  }
}

function subscribe<T>(set: Set<T>, listener: T): () => void {
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}
