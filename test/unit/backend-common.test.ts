import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClassifyInput } from '../../source/agents/backend.js';
import {
  classifyAgent,
  looksLikeTestRun,
  parseJsonLine,
  policyPatterns,
  promptArgument,
  summarizeToolCall,
} from '../../source/agents/common.js';
import { testRequest } from '../support/agent-clis.js';
import { shellCommand } from '../../source/text.js';

const base: ClassifyInput = { screen: '', lastEvent: undefined, idleMs: 0, exited: false };

describe('common backend helpers', () => {
  it('reads only JSON object lines', () => {
    expect(parseJsonLine('{"type":"x"}')).toEqual({ type: 'x' });
    expect(parseJsonLine('Reading additional input from stdin...')).toBeUndefined();
    expect(parseJsonLine('{broken')).toBeUndefined();
    expect(parseJsonLine('[1]')).toBeUndefined();
  });

  it('summarises tool input on one line', () => {
    expect(summarizeToolCall('Bash', { command: 'npm test\n  --watch=false', description: 'x' })).toBe(
      'Bash: npm test --watch=false',
    );
    expect(summarizeToolCall('Write', { file_path: 'src/app.py', content: 'x' })).toBe('Write: src/app.py');
    expect(summarizeToolCall('Grep', { pattern: 'TODO' })).toBe('Grep: TODO');
    expect(summarizeToolCall('Bash', { command: ['bash', '-lc', 'ls'] })).toBe('Bash: bash -lc ls');
    expect(summarizeToolCall('Odd', {})).toBe('Odd');
    expect(summarizeToolCall('Bash', { command: 'x'.repeat(300) }).length).toBeLessThanOrEqual(126);
  });

  it('knows test runs', () => {
    for (const cmd of [
      'npm test',
      'npm run test -- -u',
      'pytest -q',
      'npx vitest run',
      'go test ./...',
      'cargo test',
      'cd app && python -m pytest',
    ]) {
      expect(looksLikeTestRun(`Bash: ${cmd}`), cmd).toBe(true);
    }
    for (const cmd of ['npm install', 'cat test.txt', 'git status', 'ls tests']) {
      expect(looksLikeTestRun(`Bash: ${cmd}`), cmd).toBe(false);
    }
  });

  it('classifies agent state', () => {
    expect(classifyAgent({ ...base, exited: true, screen: 'Do you want to proceed? (y/n)' })).toBe('exited');
    expect(classifyAgent(base)).toBe('starting');
    expect(classifyAgent({ ...base, lastEvent: { type: 'init' } })).toBe('thinking');
    expect(classifyAgent({ ...base, lastEvent: { type: 'text', text: 'hm' } })).toBe('thinking');
    expect(
      classifyAgent({ ...base, lastEvent: { type: 'tool-call', name: 'Bash', input: 'Bash: npm test' } }),
    ).toBe('testing');
    expect(
      classifyAgent({ ...base, lastEvent: { type: 'tool-call', name: 'Edit', input: 'Edit: a.ts' } }),
    ).toBe('tool');
    expect(classifyAgent({ ...base, screen: 'line\nDo you want to make this edit to a.ts?\n❯ 1. Yes' })).toBe(
      'waiting-input',
    );
    expect(classifyAgent({ ...base, screen: 'Overwrite? [y/N]' })).toBe('waiting-input');
    expect(classifyAgent({ ...base, idleMs: 11_000, lastEvent: { type: 'text', text: 'x' } })).toBe('idle');
    expect(classifyAgent({ ...base, idleMs: 61_000 })).toBe('stalled');
    // A long test run is still idle output-wise: idle time wins over a stale event.
    expect(
      classifyAgent({
        ...base,
        idleMs: 61_000,
        lastEvent: { type: 'tool-call', name: 'Bash', input: 'Bash: npm test' },
      }),
    ).toBe('stalled');
  });

  it('reads policy patterns as prefixes with wildcards', () => {
    expect(policyPatterns(['  git   push ', '', 'curl * | sh'])).toEqual([
      { text: 'git push', prefix: ['git', 'push'], wildcard: false },
      { text: 'curl * | sh', prefix: ['curl'], wildcard: true },
    ]);
  });

  it('quotes hook commands for sh', () => {
    expect(shellCommand(['/usr/bin/node', "/opt/it's here/x.js", 'hook'])).toBe(
      `/usr/bin/node '/opt/it'\\''s here/x.js' hook`,
    );
  });

  it('moves a prompt too long for argv into a file', async () => {
    const request = await testRequest({ prompt: 'x'.repeat(200_000) });
    const argument = await promptArgument(request);
    expect(argument).toContain(path.join(request.attemptDir, 'prompt.md'));
    expect(await readFile(path.join(request.attemptDir, 'prompt.md'), 'utf8')).toBe(request.prompt);
    expect(await promptArgument(await testRequest({ prompt: '--help me' }))).toBe(' --help me');
  });
});
