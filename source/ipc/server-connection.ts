/**
 * One client of an engine, over any pair of streams (a socket, or stdin/stdout): the hello
 * handshake, the snapshot, events, commands, pty subscriptions and the read-only rule.
 */
import type { Readable, Writable } from 'node:stream';
import { errorMessage } from '../errors.js';
import { BoundedWriter, encodeMessage, formatBytes, MAX_LINE_BYTES, readMessages } from './ndjson.js';
import {
  COMMAND_NAMES,
  type CommandName,
  type EngineEvent,
  type EngineHost,
  READ_ONLY_COMMANDS,
} from '../protocol/types.js';
import { PROTOCOL_VERSION, type ServerMessage } from './messages.js';

/** Commands a read-only client may send: watching an agent's terminal changes nothing. */
export { READ_ONLY_COMMANDS };

/** Default bound on bytes queued for one client before it is dropped as too slow. */
export const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/** Where the server writes why it dropped or refused a client. */
export type IpcLog = (message: string) => void;

/** Settings shared by every connection of a server. */
export interface ConnectionOptions {
  readonly maxQueuedBytes?: number;
  readonly maxLineBytes?: number;
  readonly log?: IpcLog;
}

/** The default log: the engine's stderr, which a detached engine sends to its log file. */
export const stderrLog: IpcLog = (message) => {
  process.stderr.write(`nightshift ipc: ${message}\n`);
};

/**
 * Fans host events out to attached connections. One host subscription for all clients, and each
 * event is serialised once, however many boards watch.
 */
export class EventHub {
  private readonly members = new Set<EngineConnection>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly host: EngineHost) {}

  add(connection: EngineConnection): void {
    this.members.add(connection);
    this.unsubscribe ??= this.host.subscribe((event) => this.broadcast(event));
  }

  remove(connection: EngineConnection): void {
    this.members.delete(connection);
    if (this.members.size === 0) this.stop();
  }

  size(): number {
    return this.members.size;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private broadcast(event: EngineEvent): void {
    // An agent's output goes only to the clients watching it (a board watches the agent it shows),
    // and is not even serialised when none does.
    const members =
      event.type === 'agent-output'
        ? [...this.members].filter((member) => member.watchesOutput(event.agentId))
        : [...this.members]; // a copy: a member dropped for being slow leaves the set meanwhile
    if (members.length === 0) return;
    const line = encodeMessage({ type: 'event', event } satisfies ServerMessage);
    for (const member of members) member.sendLine(line);
  }
}

type Phase = 'hello' | 'attached' | 'closed';

/** Serves one client. Created by the server per socket, or once for a stream pair. */
export class EngineConnection {
  private phase: Phase = 'hello';
  private readonly: boolean = false;
  private readonly ptySubscriptions = new Map<string, () => void>();
  /** The agents whose output this client gets; null (until it says): all of them. */
  private outputWatch: ReadonlySet<string> | null = null;
  private readonly writer: BoundedWriter;
  private readonly stopReading: () => void;
  private readonly log: IpcLog;
  private readonly maxQueuedBytes: number;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly host: EngineHost,
    private readonly hub: EventHub,
    private readonly input: Readable,
    private readonly output: Writable,
    /** Names this client in log lines. */
    private readonly label: string,
    options: ConnectionOptions = {},
  ) {
    this.log = options.log ?? stderrLog;
    this.maxQueuedBytes = options.maxQueuedBytes ?? MAX_QUEUED_BYTES;
    this.writer = new BoundedWriter(output, this.maxQueuedBytes);
    this.stopReading = readMessages(
      input,
      {
        message: (value) => this.receive(value),
        problem: (message) => this.send({ type: 'error', message }),
      },
      options.maxLineBytes ?? MAX_LINE_BYTES,
    );
    const gone = (): void => this.close();
    input.once('end', gone);
    input.once('close', gone);
    output.once('close', gone);
    // A reset peer is an ordinary way for a client to leave; nothing to report.
    input.on('error', gone);
    output.on('error', gone);
  }

  /** True once the client said hello (and got its snapshot, unless it asked for none). */
  isAttached(): boolean {
    return this.phase === 'attached';
  }

  /** Whether this client gets `agent-output` events of `agentId`. */
  watchesOutput(agentId: string): boolean {
    return this.outputWatch === null || this.outputWatch.has(agentId);
  }

  /** Called once when the connection ends, whatever the reason. */
  onClose(listener: () => void): void {
    if (this.phase === 'closed') listener();
    else this.closeListeners.push(listener);
  }

  /** Queues one framed line; drops the client when its queue is past the bound. */
  sendLine(line: string): void {
    if (this.phase === 'closed') return;
    const outcome = this.writer.write(line);
    if (outcome === 'overflow') {
      this.log(
        `dropped ${this.label}: more than ${formatBytes(this.maxQueuedBytes)} queued unread ` +
          `(a slow or stalled client; it gets a fresh snapshot when it reconnects)`,
      );
      this.destroy();
    } else if (outcome === 'closed') {
      this.close();
    }
  }

  /** Ends the connection at once (no flush). */
  destroy(): void {
    this.input.destroy();
    this.output.destroy();
    this.close();
  }

  private send(message: ServerMessage): void {
    this.sendLine(encodeMessage(message));
  }

  /** Sends a last message and ends the stream after it is flushed. */
  private refuse(message: string): void {
    this.log(`refused ${this.label}: ${message}`);
    this.send({ type: 'error', message });
    // Destroy once flushed: a peer that never closes its side must not hold the socket open.
    this.output.end(() => this.input.destroy());
    this.close();
  }

  private receive(value: unknown): void {
    if (this.phase === 'closed') return;
    if (!isRecord(value) || typeof value['type'] !== 'string') {
      this.send({ type: 'error', message: 'every message needs a "type"' });
      return;
    }
    if (this.phase === 'hello') {
      this.hello(value);
      return;
    }
    if (value['type'] === 'command') {
      this.command(value);
      return;
    }
    this.send({ type: 'error', message: `unexpected message type "${value['type']}"` });
  }

  private hello(value: Record<string, unknown>): void {
    if (value['type'] !== 'hello') {
      this.refuse(`expected "hello" first, got "${String(value['type'])}"`);
      return;
    }
    const version = value['version'];
    if (typeof version !== 'number' || Math.trunc(version) !== Math.trunc(PROTOCOL_VERSION)) {
      this.refuse(
        `protocol version mismatch: this engine speaks version ${PROTOCOL_VERSION}, the client speaks ` +
          `version ${String(version)}; run the same nightshift version on both ends`,
      );
      return;
    }
    this.readonly = value['readonly'] === true;
    this.phase = 'attached';
    if (value['snapshot'] === false) return; // commands only
    // Snapshot and subscription in one synchronous step: no event can fall between them.
    this.send({ type: 'snapshot', state: this.host.snapshot() });
    if (this.phase === 'attached') this.hub.add(this);
  }

  private command(value: Record<string, unknown>): void {
    const id = value['id'];
    if (typeof id !== 'number' || !Number.isFinite(id)) {
      this.send({ type: 'error', message: 'a command needs a numeric "id"' });
      return;
    }
    const name = value['name'];
    const args = isRecord(value['args']) ? value['args'] : {};
    if (typeof name !== 'string' || !isCommandName(name)) {
      this.send({ type: 'result', id, ok: false, error: `unknown command "${String(name)}"` });
      return;
    }
    if (this.readonly && !READ_ONLY_COMMANDS.has(name)) {
      this.send({ type: 'result', id, ok: false, error: 'read-only attach' });
      return;
    }
    if (name === 'subscribe-pty' || name === 'unsubscribe-pty') {
      const agentId = args['agentId'];
      if (typeof agentId !== 'string' || agentId === '') {
        this.send({ type: 'result', id, ok: false, error: `${name} needs an "agentId"` });
        return;
      }
      if (name === 'subscribe-pty') this.subscribePty(agentId);
      else this.unsubscribePty(agentId);
      this.send({ type: 'result', id, ok: true });
      return;
    }
    if (name === 'watch-output') {
      const agentIds = args['agentIds'];
      if (agentIds !== null && !(Array.isArray(agentIds) && agentIds.every((a) => typeof a === 'string'))) {
        this.send({
          type: 'result',
          id,
          ok: false,
          error: 'watch-output needs "agentIds": a list of ids, or null',
        });
        return;
      }
      this.watchOutput(agentIds);
      this.send({ type: 'result', id, ok: true });
      return;
    }
    this.host.command(name, args).then(
      (result) => this.send({ type: 'result', id, ok: result.ok, error: result.error, value: result.value }),
      (error: unknown) => this.send({ type: 'result', id, ok: false, error: errorMessage(error) }),
    );
  }

  /**
   * Sets the agents whose output this client gets. Each one newly watched gets its newest lines
   * first, as one `replace` event, in the same synchronous step as the change: no line of it can
   * fall between them, and none is sent twice (host.agentOutput sends what was pending first).
   */
  private watchOutput(agentIds: readonly string[] | null): void {
    const before = this.outputWatch;
    const added =
      agentIds === null ? [] : agentIds.filter((agentId) => before === null || !before.has(agentId));
    const recent = added.map((agentId) => [agentId, this.host.agentOutput(agentId)] as const);
    this.outputWatch = agentIds === null ? null : new Set(agentIds);
    for (const [agentId, lines] of recent)
      this.send({
        type: 'event',
        event: { type: 'agent-output', agentId, text: lines.join('\n'), replace: true },
      });
  }

  private subscribePty(agentId: string): void {
    if (this.ptySubscriptions.has(agentId)) return;
    const unsubscribe = this.host.subscribePty(agentId, (data) => this.send({ type: 'pty', agentId, data }));
    this.ptySubscriptions.set(agentId, unsubscribe);
  }

  private unsubscribePty(agentId: string): void {
    this.ptySubscriptions.get(agentId)?.();
    this.ptySubscriptions.delete(agentId);
  }

  private close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.stopReading();
    for (const unsubscribe of this.ptySubscriptions.values()) unsubscribe();
    this.ptySubscriptions.clear();
    this.hub.remove(this);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}
