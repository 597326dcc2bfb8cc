/**
 * The report's unanswered questions come from the end of each attempt's record (`<task>.<n>.jsonl`),
 * read backwards: the question records that nothing followed, in the order asked, however large
 * the record before them.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReport } from '../../source/report/build-report.js';
import type { State } from '../../source/store/schema.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const line = (record: object): string => `${JSON.stringify(record)}\n`;
const question = (text: string): string => line({ type: 'question', text });
const text = (body: string): string => line({ type: 'text', text: body });

/** A report of one pending task whose one attempt left `record` as its event stream. */
function reportOf(write: (file: string) => void): { outcome: string; questions: readonly string[] } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'nightshift-report-q-'));
  dirs.push(root);
  const logs = path.join(root, 'logs');
  mkdirSync(path.join(logs, 'r1'), { recursive: true });
  const logPath = path.join(logs, 'r1', 'asker.1.log');
  write(logPath.replace(/\.log$/, '.jsonl'));
  const at = '2026-12-04T01:00:00.000Z';
  const state = {
    tasks: [
      {
        id: 'asker',
        title: 'asker',
        status: 'pending',
        attempts: [
          {
            n: 1,
            runId: 'r1',
            startedAt: at,
            endedAt: at,
            outcome: 'failed',
            logPath,
            checks: [],
            tokensIn: 0,
            tokensOut: 0,
            costUsd: 0,
            summary: '',
          },
        ],
      },
    ],
    runs: [{ id: 'r1', startedAt: at }],
  } as unknown as State;
  const report = buildReport(state, { logs, events: path.join(root, 'events.jsonl') }, { runId: 'r1' });
  const task = report.tasks[0];
  if (!task) throw new Error('no task in the report');
  return { outcome: task.outcome, questions: task.questions };
}

describe('unanswered questions in the report', () => {
  it('are the question records that end the record, in the order asked, after megabytes of output', () => {
    const result = reportOf((file) => {
      const output = text('x'.repeat(80));
      writeFileSync(file, output.repeat(50_000)); // ~4.5 MB
      appendFileSync(file, question('Apply? [y/N]') + question('Really? [y/N]'));
    });
    expect(result).toEqual({ outcome: 'waiting for input', questions: ['Apply? [y/N]', 'Really? [y/N]'] });
  });

  it('are none once the agent went on after its question', () => {
    const result = reportOf((file) => writeFileSync(file, question('Apply? [y/N]') + text('applied')));
    expect(result).toEqual({ outcome: 'pending', questions: [] });
  });

  it('skip a last line cut by a killed writer', () => {
    const result = reportOf((file) =>
      writeFileSync(file, text('hello') + question('Apply? [y/N]') + '{"type":"te'),
    );
    expect(result.questions).toEqual(['Apply? [y/N]']);
  });

  it('keep a question that spans the chunks it is read in, multi-byte characters whole', () => {
    const long = `Überschreiben ${'é'.repeat(70_000)}? [y/N]`; // ~140 KB: crosses two 64 KB reads
    const result = reportOf((file) => writeFileSync(file, text('a') + question(long)));
    expect(result.questions).toEqual([long]);
  });

  it('are found after a record longer than any string (600 MB), which is not read', () => {
    const result = reportOf((file) => {
      writeFileSync(file, '');
      truncateSync(file, 600 * 1024 * 1024); // sparse: no disk used, and more than V8's 512 MB strings
      appendFileSync(file, `\n${question('Apply? [y/N]')}`);
    });
    expect(result).toEqual({ outcome: 'waiting for input', questions: ['Apply? [y/N]'] });
  });
});
