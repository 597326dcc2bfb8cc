/**
 * Follows an agent's append-only record (the `.jsonl` file tee writes, see agent-process.ts) from
 * its size at open, handing out complete lines.
 *
 * Linear in the bytes read, however long a line is: each read is scanned once for newlines, and the
 * pieces of a line that is not complete yet are kept as a list and joined once, when its newline
 * arrives. (Joining the kept part with every new read and scanning it again from its start was
 * quadratic: a 40 MB line without a newline took minutes and stalled the engine.) Lines are split
 * on bytes, so a multi-byte character cut between two reads is decoded whole.
 */
import { open, type FileHandle } from 'node:fs/promises';

/** Bytes per read. */
const READ_SIZE = 256 * 1024;

export class RecordTail {
  /** The pieces of the current line read so far (none holds a newline). */
  private pending: Buffer[] = [];
  private reading: Promise<void> = Promise.resolve();
  private queued = false;
  private readonly chunk = Buffer.allocUnsafe(READ_SIZE);

  private constructor(
    private readonly handle: FileHandle,
    private offset: number,
  ) {}

  /**
   * Creates the file if missing (tee -a appends) and starts at its current end: an earlier
   * attempt's record in the same file is not this attempt's.
   */
  static async open(file: string): Promise<RecordTail> {
    const handle = await open(file, 'a+', 0o600);
    const { size } = await handle.stat();
    return new RecordTail(handle, size);
  }

  /** Reads what is new (coalescing calls that arrive while a read is running). */
  poke(onLines: (lines: string[]) => void): void {
    if (this.queued) return;
    this.queued = true;
    this.reading = this.reading.then(async () => {
      this.queued = false;
      onLines(await this.readNew());
    });
  }

  /** Everything up to the end of the file, including a last line without a newline; then closes. */
  async finish(): Promise<string[]> {
    await this.reading;
    const lines = await this.readNew();
    if (this.pending.length > 0) lines.push(decodeLine(this.pending, Buffer.alloc(0)));
    this.pending = [];
    await this.handle.close();
    return lines;
  }

  /** Complete lines appended since the last read. */
  async readNew(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const { bytesRead } = await this.handle.read(this.chunk, 0, this.chunk.length, this.offset);
      if (bytesRead === 0) return lines;
      this.offset += bytesRead;
      const data = this.chunk.subarray(0, bytesRead);
      let start = 0;
      for (let newline = data.indexOf(0x0a); newline !== -1; newline = data.indexOf(0x0a, start)) {
        lines.push(decodeLine(this.pending, data.subarray(start, newline)));
        this.pending = [];
        start = newline + 1;
      }
      // The read buffer is reused: keep a copy of the unfinished tail.
      if (start < data.length) this.pending.push(Buffer.from(data.subarray(start)));
    }
  }
}

/** The kept pieces plus the last one as text, without a final `\r`. */
function decodeLine(pieces: readonly Buffer[], last: Buffer): string {
  const whole = pieces.length === 0 ? last : Buffer.concat([...pieces, last]);
  const end = whole.length > 0 && whole[whole.length - 1] === 0x0d ? whole.length - 1 : whole.length;
  return whole.toString('utf8', 0, end);
}
