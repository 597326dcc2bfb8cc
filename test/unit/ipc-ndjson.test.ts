import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  BoundedWriter,
  LineDecoder,
  MAX_LINE_BYTES,
  encodeMessage,
  readMessages,
} from '../../source/ipc/ndjson.js';

function decode(chunks: readonly Buffer[], max?: number): { lines: string[]; problems: string[] } {
  const lines: string[] = [];
  const problems: string[] = [];
  const decoder = new LineDecoder(
    { line: (text) => lines.push(text), problem: (message) => problems.push(message) },
    max,
  );
  for (const chunk of chunks) decoder.push(chunk);
  return { lines, problems };
}

describe('LineDecoder', () => {
  it('joins a line split across chunks and splits several lines in one chunk', () => {
    const { lines } = decode([Buffer.from('{"a":'), Buffer.from('1}\n{"b"'), Buffer.from(':2}\n{"c":3}\n')]);
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps a UTF-8 character split between chunks intact', () => {
    const bytes = Buffer.from('"né 漢字"\n');
    const { lines } = decode([bytes.subarray(0, 3), bytes.subarray(3, 6), bytes.subarray(6)]);
    expect(lines).toEqual(['"né 漢字"']);
  });

  it('holds an unfinished line until its newline arrives', () => {
    const received: string[] = [];
    const decoder = new LineDecoder({ line: (text) => received.push(text), problem: () => undefined });
    decoder.push(Buffer.from('{"partial":'));
    expect(received).toEqual([]);
    expect(decoder.bufferedBytes()).toBe(11);
    decoder.push(Buffer.from('true}\n'));
    expect(received).toEqual(['{"partial":true}']);
  });

  it('skips blank lines and strips a CR before the newline', () => {
    expect(decode([Buffer.from('\n\n{"a":1}\r\n  \n')]).lines).toEqual(['{"a":1}']);
  });

  it('drops an over-long line arriving in pieces, reports it once, and reads on', () => {
    const { lines, problems } = decode(
      [Buffer.alloc(60, 'x'), Buffer.alloc(60, 'y'), Buffer.from('zz\n"next"\n')],
      100,
    );
    expect(lines).toEqual(['"next"']);
    expect(problems).toEqual(['line longer than 100 bytes dropped']);
  });

  it('drops an over-long line that arrives whole with its newline', () => {
    const { lines, problems } = decode([Buffer.from(`${'x'.repeat(150)}\n"ok"\n`)], 100);
    expect(lines).toEqual(['"ok"']);
    expect(problems).toHaveLength(1);
  });

  it('refuses a line past 16 MiB by default without buffering it', () => {
    const problems: string[] = [];
    const lines: string[] = [];
    const decoder = new LineDecoder({
      line: (text) => lines.push(text),
      problem: (message) => problems.push(message),
    });
    const mebibyte = Buffer.alloc(1024 * 1024, 'a');
    for (let index = 0; index < 17; index += 1) decoder.push(mebibyte);
    expect(problems).toEqual(['line longer than 16 MiB dropped']);
    expect(decoder.bufferedBytes()).toBe(0);
    decoder.push(Buffer.from('tail\n{"after":1}\n'));
    expect(lines).toEqual(['{"after":1}']);
    expect(MAX_LINE_BYTES).toBe(16 * 1024 * 1024);
  });
});

describe('readMessages', () => {
  it('parses JSON lines and reports lines that are not JSON without stopping', () => {
    const input = new PassThrough();
    const values: unknown[] = [];
    const problems: string[] = [];
    const stop = readMessages(input, {
      message: (value) => values.push(value),
      problem: (message) => problems.push(message),
    });
    input.write('{"type":"a"}\nnot json\n');
    input.write(encodeMessage({ type: 'b', text: 'line\nbreak' }));
    expect(values).toEqual([{ type: 'a' }, { type: 'b', text: 'line\nbreak' }]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^not JSON .*: not json$/);
    stop();
    input.write('{"type":"c"}\n');
    expect(values).toHaveLength(2);
  });
});

describe('BoundedWriter', () => {
  it('writes until the unread queue passes the bound, then reports overflow', () => {
    // Nobody reads this PassThrough, so its queue only grows: a stalled client.
    const output = new PassThrough({ highWaterMark: 1024 });
    const writer = new BoundedWriter(output, 64 * 1024);
    const line = `${'x'.repeat(1023)}\n`;
    let written = 0;
    while (writer.write(line) === 'written') written += 1;
    expect(written).toBeGreaterThan(50);
    expect(writer.queuedBytes()).toBeLessThanOrEqual(64 * 1024);
    expect(writer.write(line)).toBe('overflow');
  });

  it('lets one message larger than the bound through an empty queue', () => {
    const writer = new BoundedWriter(new PassThrough(), 10);
    expect(writer.write(`${'y'.repeat(100)}\n`)).toBe('written');
  });

  it('says closed once the stream is gone', () => {
    const output = new PassThrough();
    output.destroy();
    expect(new BoundedWriter(output, 10).write('x\n')).toBe('closed');
  });
});
