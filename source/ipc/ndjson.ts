/**
 * Newline-delimited JSON framing (DESIGN.md §3): one JSON value per `\n`-terminated line.
 * Reading is bounded (an over-long line is dropped and reported, never buffered without end);
 * writing is bounded too, so a client that stops reading cannot make its queue grow forever.
 */
import type { Readable, Writable } from 'node:stream';

/** Longest accepted line: a generous ceiling for a big snapshot, far below what would hurt memory. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

const NEWLINE = 0x0a;

/** What a decoder reports besides complete lines. */
export interface LineDecoderHandlers {
  readonly line: (text: string) => void;
  /** A problem with the input that was skipped over (too long a line); the stream goes on. */
  readonly problem: (message: string) => void;
}

/**
 * Splits a byte stream into lines. Chunks are kept as a list and joined once per line, so a line
 * that arrives in many pieces costs O(length) rather than O(length²); bytes are decoded only when
 * a line is complete, so a UTF-8 character split across chunks survives.
 */
export class LineDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while dropping the rest of an over-long line, up to its newline. */
  private skipping = false;

  constructor(
    private readonly handlers: LineDecoderHandlers,
    private readonly maxLineBytes: number = MAX_LINE_BYTES,
  ) {}

  /** Feeds one chunk; calls `line` for each complete line in it. */
  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        this.keep(chunk.subarray(start));
        return;
      }
      const piece = chunk.subarray(start, end);
      start = end + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (this.pendingBytes + piece.length > this.maxLineBytes) {
        this.reset();
        this.tooLong();
        continue;
      }
      const whole = this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.reset();
      const text = whole.toString('utf8');
      // Tolerate CRLF from hand-written input (a person typing into `attach --stdio`).
      const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
      if (trimmed.trim() !== '') this.handlers.line(trimmed);
    }
  }

  /** Bytes held for an unfinished line. */
  bufferedBytes(): number {
    return this.pendingBytes;
  }

  private keep(rest: Buffer): void {
    if (this.skipping || rest.length === 0) return;
    if (this.pendingBytes + rest.length > this.maxLineBytes) {
      this.reset();
      this.skipping = true;
      this.tooLong();
      return;
    }
    // Copy: the caller's chunk may be a pooled buffer that is reused after this call.
    this.pending.push(Buffer.from(rest));
    this.pendingBytes += rest.length;
  }

  private reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private tooLong(): void {
    this.handlers.problem(`line longer than ${formatBytes(this.maxLineBytes)} dropped`);
  }
}

/** What `readMessages` reports. */
export interface MessageHandlers {
  /** One parsed JSON value (not yet validated: the caller checks its shape). */
  readonly message: (value: unknown) => void;
  /** A line that was not JSON, or too long; reading goes on. */
  readonly problem: (message: string) => void;
}

/** Parses each line of `input` as JSON. Returns a function that stops reading. */
export function readMessages(
  input: Readable,
  handlers: MessageHandlers,
  maxLineBytes = MAX_LINE_BYTES,
): () => void {
  const decoder = new LineDecoder(
    {
      line: (text) => {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (error) {
          handlers.problem(
            `not JSON (${error instanceof Error ? error.message : String(error)}): ${preview(text)}`,
          );
          return;
        }
        handlers.message(value);
      },
      problem: handlers.problem,
    },
    maxLineBytes,
  );
  const onData = (chunk: Buffer | string): void => {
    decoder.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  };
  input.on('data', onData);
  return () => {
    input.off('data', onData);
  };
}

/** One message as a framed line. JSON.stringify escapes newlines inside strings, so one line it is. */
export function encodeMessage(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}

/** Outcome of a bounded write. */
export type WriteOutcome = 'written' | 'overflow' | 'closed';

/**
 * Writes lines to a stream, refusing once more than `maxQueuedBytes` wait unsent in the stream
 * (its kernel buffer full and Node's queue grown). Node's own backpressure signal (`write()`
 * returning false past the 16 KiB high-water mark) is too eager for bursts of events, so the bound
 * is ours; past it the caller drops the peer rather than stalling the engine or exhausting memory.
 */
export class BoundedWriter {
  constructor(
    private readonly output: Writable,
    private readonly maxQueuedBytes: number,
  ) {}

  /** Queues one line (already framed). */
  write(line: string): WriteOutcome {
    if (this.output.destroyed || this.output.writableEnded) return 'closed';
    const queued = this.output.writableLength;
    if (queued > 0 && queued + Buffer.byteLength(line) > this.maxQueuedBytes) return 'overflow';
    this.output.write(line);
    return 'written';
  }

  /** Bytes queued in the stream and not yet handed to the operating system. */
  queuedBytes(): number {
    return this.output.writableLength;
  }
}

/** `16 MiB`, `512 KiB`, `12 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function preview(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
