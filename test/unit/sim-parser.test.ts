import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentEvent, ClassifyInput } from '../../source/agents/backend.js';
import { SIM_QUESTION, classifySim, createSimParser, simBackend } from '../../source/agents/sim.js';

// Canned output of the sim agent, as written by dist/agents/sim-agent.js.
const CANNED = [
  '{"type":"init","session_id":"sim-r1-t1-1-abc123","model":"sim","simulated":true,"attempt":1,"task_id":"t1"}',
  '{"type":"text","text":"Simulated agent, no model. Task t1, attempt 1: 2 step(s)"}',
  '{"type":"usage","input_tokens":1240,"output_tokens":64,"cost_usd":0}',
  '{"type":"tool_use","id":"tool-1","name":"Write","input":"src/a.txt"}',
  '{"type":"tool_result","id":"tool-1","is_error":false,"output":"wrote 6 bytes to src/a.txt"}',
  '{"type":"tool_use","id":"tool-2","name":"Bash","input":"false"}',
  '{"type":"tool_result","id":"tool-2","is_error":true,"output":"\\n(exit code 1)"}',
  `{"type":"question","text":"${SIM_QUESTION}"}`,
  '{"type":"error","message":"something odd"}',
  '{"type":"result","ok":true,"text":"Done (simulated)","session_id":"sim-r1-t1-1-abc123","turns":3,"cost_usd":0}',
];

describe('sim output parser', () => {
  it('turns each sim line into the matching event', () => {
    const parser = createSimParser();
    const events = CANNED.flatMap((line) => parser.push(line));
    expect(events).toEqual<AgentEvent[]>([
      { type: 'init', sessionId: 'sim-r1-t1-1-abc123', model: 'sim' },
      { type: 'text', text: 'Simulated agent, no model. Task t1, attempt 1: 2 step(s)' },
      { type: 'usage', tokensIn: 1240, tokensOut: 64, costUsd: 0 },
      { type: 'tool-call', id: 'tool-1', name: 'Write', input: 'src/a.txt' },
      { type: 'tool-result', id: 'tool-1', isError: false, text: 'wrote 6 bytes to src/a.txt' },
      { type: 'tool-call', id: 'tool-2', name: 'Bash', input: 'false' },
      { type: 'tool-result', id: 'tool-2', isError: true, text: '\n(exit code 1)' },
      { type: 'text', text: SIM_QUESTION },
      { type: 'error', message: 'something odd' },
      {
        type: 'result',
        ok: true,
        text: 'Done (simulated)',
        costUsd: 0,
        sessionId: 'sim-r1-t1-1-abc123',
        turns: 3,
      },
    ]);
  });

  it('ignores banners, blank lines, broken JSON and unknown types', () => {
    const parser = createSimParser();
    for (const line of [
      'nightshift sim agent (simulated — no model)',
      '',
      '{"type":"text"',
      '[1,2]',
      '{"no":"type"}',
      '{"type":"future"}',
    ]) {
      expect(parser.push(line)).toEqual([]);
    }
  });

  it('tolerates a carriage return or spaces around a line', () => {
    expect(createSimParser().push('  {"type":"text","text":"hi"}\r')).toEqual([{ type: 'text', text: 'hi' }]);
  });
});

describe('sim state classifier', () => {
  const base: ClassifyInput = { screen: '', lastEvent: undefined, idleMs: 0, exited: false };
  const classify = (input: Partial<ClassifyInput>): string => classifySim({ ...base, ...input });

  it('is starting before the first event and exited after exit', () => {
    expect(classify({})).toBe('starting');
    expect(classify({ exited: true, screen: SIM_QUESTION })).toBe('exited');
  });

  it('sees the yes/no question on the last screen line as waiting for input', () => {
    const screen = `{"type":"question","text":"${SIM_QUESTION}"}\n${SIM_QUESTION} `;
    expect(classify({ screen, lastEvent: { type: 'text', text: SIM_QUESTION } })).toBe('waiting-input');
    // Once answered, the question scrolls up and is no longer the last line.
    expect(
      classify({ screen: `${screen}\n{"type":"text","text":"ok"}`, lastEvent: { type: 'text', text: 'ok' } }),
    ).toBe('thinking');
  });

  it('tells tools from tests from thinking from idle', () => {
    expect(classify({ lastEvent: { type: 'tool-call', name: 'Write', input: 'a.txt' } })).toBe('tool');
    expect(classify({ lastEvent: { type: 'tool-call', name: 'Bash', input: 'npm test' } })).toBe('testing');
    expect(classify({ lastEvent: { type: 'tool-call', name: 'Bash', input: 'python -m pytest -q' } })).toBe(
      'testing',
    );
    expect(classify({ lastEvent: { type: 'tool-result', isError: false, text: '' } })).toBe('thinking');
    expect(classify({ lastEvent: { type: 'result', ok: true, text: '' } })).toBe('idle');
  });

  it('calls a long silence stalled', () => {
    expect(classify({ lastEvent: { type: 'text', text: 'Thinking…' }, idleMs: 45_000 })).toBe('stalled');
  });
});

describe('sim backend command', () => {
  it('runs the built sim agent with node and passes the prompt and env through', async () => {
    const command = await simBackend.buildCommand({
      role: 'coding',
      prompt: 'sim: hang',
      cwd: '/tmp/work',
      attemptDir: '/tmp/attempt',
      settings: { model: '', plan_model: '', extra_args: ['--x'], command: '' },
      policy: { mode: 'blocklist', blocked: [], allowed: [] },
      env: { NIGHTSHIFT_TASK_ID: 't1', NIGHTSHIFT_ATTEMPT: '2', NIGHTSHIFT_RUN_ID: 'r1' },
      nightshiftCommand: ['nightshift'],
    });
    expect(command.file).toBe(process.execPath);
    expect(command.args[0]).toMatch(/dist\/agents\/sim-agent\.js$/);
    expect(command.args.slice(1)).toEqual(['-p', 'sim: hang', '--x']);
    expect(command.env).toEqual({
      NIGHTSHIFT_TASK_ID: 't1',
      NIGHTSHIFT_ATTEMPT: '2',
      NIGHTSHIFT_RUN_ID: 'r1',
    });
    expect(command.cwd).toBe('/tmp/work');
    expect(simBackend.simulated).toBe(true);
  });

  it('passes a prompt too long for one argv string through a file in the attempt folder', async () => {
    const attemptDir = mkdtempSync(path.join(os.tmpdir(), 'ns-simcmd-'));
    const prompt = `${'x'.repeat(150_000)}\nsim: hang`;
    const command = await simBackend.buildCommand({
      role: 'coding',
      prompt,
      cwd: attemptDir,
      attemptDir,
      settings: { model: '', plan_model: '', extra_args: [], command: '' },
      policy: { mode: 'blocklist', blocked: [], allowed: [] },
      env: {},
      nightshiftCommand: ['nightshift'],
    });
    const file = path.join(attemptDir, 'sim-prompt.md');
    expect(command.args.slice(1)).toEqual(['--prompt-file', file]);
    expect(readFileSync(file, 'utf8')).toBe(prompt);
    rmSync(attemptDir, { recursive: true, force: true });
  });
});
