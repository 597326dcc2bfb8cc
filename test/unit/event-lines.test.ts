import { describe, expect, it } from 'vitest';
import { jsonPrinter, linePrinter } from '../../source/cli/event-lines.js';

describe('linePrinter', () => {
  it('prints each line of a batched agent-output event with the agent prefix, only when verbose', () => {
    const out: string[] = [];
    const verbose = linePrinter((text) => out.push(text), { verbose: true });
    verbose({ type: 'agent-output', agentId: 'agent-1', text: '▸ Write: a.js\n  ↳ ok' });
    const lines = out.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {3}\[agent-1\] ▸ Write: a\.js$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d {3}\[agent-1\] {3}↳ ok$/);
    const quiet: string[] = [];
    linePrinter((text) => quiet.push(text))({ type: 'agent-output', agentId: 'agent-1', text: 'x' });
    expect(quiet).toEqual([]);
  });

  it('marks engine lines by level', () => {
    const out: string[] = [];
    const print = linePrinter((text) => out.push(text));
    print({ type: 'line', line: { at: '2026-01-01T10:00:00.000Z', level: 'success', message: 'a done' } });
    print({ type: 'line', line: { at: '2026-01-01T10:00:01.000Z', level: 'error', message: 'b blocked' } });
    expect(out[0]).toMatch(/ ✓ a done\n$/);
    expect(out[1]).toMatch(/ ✗ b blocked\n$/);
  });
});

describe('jsonPrinter', () => {
  it('prints one parseable JSON object per event', () => {
    const out: string[] = [];
    jsonPrinter((text) => out.push(text))({ type: 'ended', exitCode: 2, outcome: 'blocked' });
    expect(JSON.parse(out[0] ?? '')).toMatchObject({ type: 'ended', exitCode: 2, outcome: 'blocked' });
  });
});
