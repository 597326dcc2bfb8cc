/**
 * The capped attempt log: past half the cap it rotates to `X.log.1`, the new log's first line names
 * the cap and where the earlier output went (and how much was dropped), the two files stay within
 * the cap, and the newest output is always kept. Real files.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CappedLog } from '../../source/agents/capped-log.js';

const MB = 1024 * 1024;
let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ns-log-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** `count` numbered lines of about 100 bytes each. */
function lines(from: number, count: number): string {
  let text = '';
  for (let i = from; i < from + count; i++)
    text += `line ${String(i).padStart(8, '0')} ${'.'.repeat(80)}\r\n`;
  return text;
}

describe('CappedLog', () => {
  it('keeps an uncapped log whole', async () => {
    const file = path.join(root, 'plain.log');
    const log = new CappedLog(file, 0);
    for (let i = 0; i < 50; i++) log.write(lines(i * 1000, 1000));
    await log.end('bye\r\n');
    expect(statSync(file).size).toBeGreaterThan(4 * MB);
    expect(existsSync(`${file}.1`)).toBe(false);
    expect(readFileSync(file, 'utf8').endsWith('bye\r\n')).toBe(true);
  });

  it('rotates past half the cap, notes it in the log, and keeps the newest output within the cap', async () => {
    const file = path.join(root, 't1.1.log');
    const log = new CappedLog(file, 1 * MB);
    // ~6 MB in 10 KB writes, without waiting between them (as pty data arrives).
    const total = 60_000;
    for (let i = 0; i < total; i += 100) log.write(lines(i, 100));
    await log.end(`the end\r\n`);

    const current = readFileSync(file, 'utf8');
    const older = readFileSync(`${file}.1`, 'utf8');
    expect(current.length + older.length).toBeLessThanOrEqual(1 * MB + 20 * 1024);
    const first = current.split('\r\n')[0] ?? '';
    expect(first).toContain('log rotated');
    expect(first).toContain('[run] max_log_mb = 1');
    expect(first).toContain('t1.1.log.1');
    expect(first).toMatch(/MB before that were dropped/);
    // The newest lines are there, in order, nothing lost between the two files.
    expect(current.endsWith(`${lines(total - 1, 1)}the end\r\n`)).toBe(true);
    const numbers = (older + current)
      .split('\r\n')
      .map((line) => /^line (\d+) /.exec(line)?.[1])
      .filter((n) => n !== undefined)
      .map(Number);
    expect(numbers.at(-1)).toBe(total - 1);
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBe((numbers[i - 1] ?? 0) + 1);
  });

  it('counts what the file already holds (a second agent of the same attempt appends)', async () => {
    const file = path.join(root, 'shared.log');
    writeFileSync(file, lines(0, 6000)); // ~600 KB, past half of 1 MB
    const log = new CappedLog(file, 1 * MB);
    log.write('next agent\r\n');
    await log.end();
    expect(readFileSync(`${file}.1`, 'utf8').endsWith('next agent\r\n')).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/^\[nightshift\] log rotated/);
  });
});
