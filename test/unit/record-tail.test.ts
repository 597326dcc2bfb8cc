/**
 * The agent record reader: lines longer than a read, split across many appends and reads, come out
 * whole and in order; a multi-byte character cut between reads is decoded whole; an earlier
 * attempt's record in the same file is skipped; the last line without a newline is handed out at
 * the end. A real file appended to while it is being followed.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordTail } from '../../source/agents/record-tail.js';

let root: string;
let counter = 0;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ns-record-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function file(initial = ''): string {
  counter += 1;
  const name = path.join(root, `r${counter}.jsonl`);
  writeFileSync(name, initial);
  return name;
}

describe('RecordTail', () => {
  it('hands out a line of several MB that arrives in many appends, read after each one', async () => {
    const name = file();
    const tail = await RecordTail.open(name);
    const long = JSON.stringify({ type: 'text', text: 'x'.repeat(3 * 1024 * 1024 + 17) });
    const seen: string[] = [];
    // Appends of odd sizes (not multiples of the read size), each followed by a read.
    for (let at = 0; at < long.length; at += 100_003) {
      appendFileSync(name, long.slice(at, at + 100_003));
      seen.push(...(await tail.readNew()));
    }
    expect(seen).toEqual([]);
    appendFileSync(name, '\n{"type":"result"}\r\n');
    seen.push(...(await tail.readNew()));
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(long);
    expect((JSON.parse(seen[0] ?? '') as { text: string }).text).toHaveLength(3 * 1024 * 1024 + 17);
    expect(seen[1]).toBe('{"type":"result"}');
    expect(await tail.finish()).toEqual([]);
  });

  it('reads a long line written at once, among short lines, in one go', async () => {
    const name = file();
    const tail = await RecordTail.open(name);
    const lines = ['a', 'é'.repeat(700_000), '', 'b'.repeat(1_000_001), 'c'];
    appendFileSync(name, lines.join('\n') + '\n');
    expect(await tail.readNew()).toEqual(lines);
    expect(await tail.finish()).toEqual([]);
  });

  it('decodes a multi-byte character cut between two reads', async () => {
    const name = file();
    const tail = await RecordTail.open(name);
    const text = '日本語のテキスト'.repeat(50_000);
    const bytes = Buffer.from(text + '\n');
    // Split inside a character: 3-byte characters, cut after 1 byte of one.
    appendFileSync(name, bytes.subarray(0, 30_001));
    expect(await tail.readNew()).toEqual([]);
    appendFileSync(name, bytes.subarray(30_001));
    expect(await tail.readNew()).toEqual([text]);
    expect(await tail.finish()).toEqual([]);
  });

  it('skips what the file held at open, and hands out a last line without a newline at the end', async () => {
    const name = file('{"earlier":"attempt"}\n');
    const tail = await RecordTail.open(name);
    appendFileSync(name, 'one\ntwo\nthree, no newline ' + 'z'.repeat(600_000));
    const got: string[] = [];
    tail.poke((lines) => got.push(...lines));
    const rest = await tail.finish();
    expect([...got, ...rest]).toEqual(['one', 'two', 'three, no newline ' + 'z'.repeat(600_000)]);
  });
});
