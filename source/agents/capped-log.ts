/**
 * An attempt's terminal log with a size cap (`[run] max_log_mb`): an agent that prints without end
 * must not fill the disk. When the log reaches half the cap it is rotated: `X.log` becomes
 * `X.log.1` (replacing an older one) and a new `X.log` starts with a line saying so, so the two files
 * together stay within the cap and always hold the most recent output. A later rotation drops the
 * oldest half and the new log's first line says how much was dropped in all.
 */
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';

const MB = 1024 * 1024;

/** The default cap of an attempt's log (`[run] max_log_mb`). */
export const DEFAULT_MAX_LOG_BYTES = 50 * MB;

/** The first line of a log that was rotated. */
export function rotationNote(file: string, maxBytes: number, droppedBytes: number): string {
  const cap = `[run] max_log_mb = ${formatMb(maxBytes)}`;
  const older = `earlier output is in ${path.basename(file)}.1`;
  const dropped = droppedBytes > 0 ? `; ${formatMb(droppedBytes)} MB before that were dropped` : '';
  return `[nightshift] log rotated at ${formatMb(maxBytes / 2)} MB (${cap}): ${older}${dropped}\r\n`;
}

function formatMb(bytes: number): string {
  const mb = bytes / MB;
  return Number.isInteger(mb) ? String(mb) : mb.toFixed(2);
}

export class CappedLog {
  readonly #file: string;
  readonly #maxBytes: number;
  #stream: WriteStream;
  /** Bytes in the current file. */
  #bytes: number;
  /** Bytes in `X.log.1`, dropped by the next rotation. */
  #rotatedBytes = 0;
  #droppedBytes = 0;
  /** Text written while a rotation is under way, written to the new file once it is open. */
  #held: string[] | undefined;
  #rotation: Promise<void> = Promise.resolve();
  #error: Error | undefined;

  /** Appends to `file`; `maxBytes` 0 = no cap. */
  constructor(file: string, maxBytes: number) {
    this.#file = file;
    this.#maxBytes = maxBytes;
    this.#bytes = sizeOf(file);
    this.#stream = this.#open('a');
  }

  /** The first write error (a full disk), if any: writing stops then, and nothing throws. */
  get error(): Error | undefined {
    return this.#error;
  }

  write(text: string): void {
    if (this.#error || text === '') return;
    if (this.#held) {
      this.#held.push(text);
      return;
    }
    this.#stream.write(text);
    this.#bytes += Buffer.byteLength(text);
    if (this.#maxBytes > 0 && this.#bytes >= this.#maxBytes / 2) this.#rotate();
  }

  /** Writes `last`, then closes the file once everything is on disk. */
  async end(last = ''): Promise<void> {
    this.write(last);
    // A rotation may start another one (held text past the cap again): wait for the last.
    let rotation: Promise<void>;
    do {
      rotation = this.#rotation;
      await rotation;
    } while (rotation !== this.#rotation);
    if (this.#error) return;
    await new Promise<void>((resolve) => this.#stream.end(resolve));
  }

  #open(flags: 'a' | 'w'): WriteStream {
    const stream = createWriteStream(this.#file, { flags, mode: 0o600 });
    stream.on('error', (error) => (this.#error ??= error));
    return stream;
  }

  #rotate(): void {
    this.#held = [];
    const full = this.#stream;
    this.#rotation = (async () => {
      await new Promise<void>((resolve) => full.end(resolve));
      if (this.#error) return;
      try {
        await rename(this.#file, `${this.#file}.1`);
      } catch (error) {
        this.#error ??= error as Error;
        return;
      }
      this.#droppedBytes += this.#rotatedBytes;
      this.#rotatedBytes = this.#bytes;
      this.#stream = this.#open('w');
      const note = rotationNote(this.#file, this.#maxBytes, this.#droppedBytes);
      this.#stream.write(note);
      this.#bytes = Buffer.byteLength(note);
      const held = this.#held ?? [];
      this.#held = undefined;
      for (const text of held) this.write(text);
    })();
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
