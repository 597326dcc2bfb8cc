import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGeminiParser, geminiBackend } from '../../source/agents/gemini.js';
import { agentClis, parseFixture, runCli, skipReason, testRequest } from '../support/agent-clis.js';

describe('gemini backend', () => {
  it('builds headless yolo mode with a policy file and a trusted workspace', async () => {
    const request = await testRequest({
      settings: { model: 'gemini-2.5-pro', plan_model: '', extra_args: [], command: '' },
    });
    const command = await geminiBackend.buildCommand(request);
    const policyPath = path.join(request.attemptDir, 'gemini-policy.toml');
    expect(command.file).toBe('gemini');
    expect(command.args).toEqual([
      '-p',
      'Fix the failing test.',
      '--output-format',
      'stream-json',
      '--approval-mode',
      'yolo',
      '--policy',
      policyPath,
      '-m',
      'gemini-2.5-pro',
    ]);
    expect(command.env).toMatchObject({ GEMINI_CLI_TRUST_WORKSPACE: 'true', NIGHTSHIFT_RUN_ID: 'run-1' });
    const policy = await readFile(policyPath, 'utf8');
    expect(policy).toContain(
      [
        '[[rule]]',
        'toolName = "run_shell_command"',
        'commandPrefix = "git push"',
        'decision = "deny"',
        'priority = 999',
        'denyMessage = "nightshift policy: commands matching \\"git push\\" are not allowed in this run"',
      ].join('\n'),
    );
    expect(policy).toContain('commandRegex = "curl .* \\\\| sh"');
  });

  it('denies the shell by default and allows listed prefixes in allowlist mode', async () => {
    const request = await testRequest({ policy: { mode: 'allowlist', blocked: [], allowed: ['npm test'] } });
    await geminiBackend.buildCommand(request);
    const policy = await readFile(path.join(request.attemptDir, 'gemini-policy.toml'), 'utf8');
    expect(policy).toMatch(/toolName = "run_shell_command"\ndecision = "deny"\npriority = 100/);
    expect(policy).toMatch(/commandPrefix = "npm test"\ndecision = "allow"\npriority = 900/);
  });

  it('parses a session: whole messages, tool calls, a policy denial, token stats', async () => {
    const events = await parseFixture(createGeminiParser, 'gemini/0.61.0/session.jsonl');
    expect(events).toEqual([
      { type: 'init', sessionId: 'c2a7e3c4-3f7b-4b8e-9d1e-2f0a9b6c1d22', model: 'gemini-2.5-pro' },
      { type: 'text', text: "I'll run the tests first." },
      { type: 'tool-call', id: 'run_shell_command-1', name: 'Bash', input: 'Bash: npm test' },
      { type: 'tool-result', id: 'run_shell_command-1', isError: false, text: '1 failing' },
      { type: 'tool-call', id: 'replace-2', name: 'Edit', input: 'Edit: /repo/src/app.ts' },
      { type: 'tool-result', id: 'replace-2', isError: false, text: '' },
      { type: 'tool-call', id: 'run_shell_command-3', name: 'Bash', input: 'Bash: sudo ls' },
      {
        type: 'tool-result',
        id: 'run_shell_command-3',
        isError: true,
        text: expect.stringMatching(/^Tool execution denied by policy/) as string,
      },
      {
        type: 'denied',
        command: 'sudo ls',
        reason: expect.stringMatching(/not allowed in this run/) as string,
      },
      { type: 'text', text: 'Fixed src/app.ts.' },
      { type: 'usage', tokensIn: 12000, tokensOut: 1000 },
      { type: 'result', ok: true, text: 'Fixed src/app.ts.' },
    ]);
  });

  it('turns an error result into a failed result', async () => {
    const events = await parseFixture(createGeminiParser, 'gemini/0.61.0/error.jsonl');
    expect(events.slice(1)).toEqual([
      { type: 'error', message: 'Maximum session turns exceeded' },
      { type: 'result', ok: false, text: 'Maximum session turns exceeded' },
    ]);
  });

  it('classifies state', () => {
    const base = { screen: '', idleMs: 0, exited: false };
    expect(
      geminiBackend.classify({
        ...base,
        lastEvent: { type: 'tool-call', name: 'Bash', input: 'Bash: pytest -q' },
      }),
    ).toBe('testing');
    expect(
      geminiBackend.classify({ ...base, lastEvent: undefined, screen: 'Allow execution of: npm?' }),
    ).toBe('waiting-input');
  });

  const installed = agentClis.gemini;
  it.skipIf(installed === undefined)(
    `accepts every flag we emit (${installed?.version ?? skipReason('gemini') ?? ''})`,
    () => {
      const help = runCli('gemini', ['--help']);
      for (const flag of [
        '-p, --prompt',
        '-o, --output-format',
        'stream-json',
        '--approval-mode',
        'yolo',
        '--policy',
        '-m, --model',
      ]) {
        expect(help, flag).toContain(flag);
      }
    },
  );
});
