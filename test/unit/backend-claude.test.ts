import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeBackend, createClaudeParser } from '../../source/agents/claude.js';
import { agentClis, parseFixture, runCli, skipReason, testRequest } from '../support/agent-clis.js';

describe('claude backend', () => {
  it('builds the print-mode command with a settings file', async () => {
    const request = await testRequest({
      settings: { model: 'sonnet', plan_model: '', extra_args: ['--max-budget-usd', '2'], command: '' },
    });
    const command = await claudeBackend.buildCommand(request);
    const settingsPath = path.join(request.attemptDir, 'claude-settings.json');
    expect(command.file).toBe('claude');
    expect(command.args).toEqual([
      '-p',
      'Fix the failing test.',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'dontAsk',
      '--model',
      'sonnet',
      '--settings',
      settingsPath,
      '--max-budget-usd',
      '2',
    ]);
    expect(command.cwd).toBe('/work/repo');
    expect(command.env).toMatchObject({
      NIGHTSHIFT_TASK_ID: 'T1',
      NIGHTSHIFT_ATTEMPT: '2',
      NIGHTSHIFT_RUN_ID: 'run-1',
      DISABLE_AUTOUPDATER: '1',
    });
    expect(command.env['IS_SANDBOX']).toBeUndefined();
    expect(JSON.parse(command.env['NIGHTSHIFT_POLICY'] ?? '')).toEqual(request.policy);
    const settings = JSON.parse(await readFile(settingsPath, 'utf8')) as Record<string, unknown>;
    expect(settings).toEqual({
      permissions: {
        allow: [
          'Read',
          'Edit',
          'Write',
          'MultiEdit',
          'NotebookEdit',
          'Glob',
          'Grep',
          'LS',
          'TodoWrite',
          'Task',
          'WebFetch',
          'WebSearch',
          'Bash',
        ],
        deny: ['Bash(sudo:*)', 'Bash(git push:*)', 'Bash(curl * | sh)'],
      },
      hooks: {
        PreToolUse: [
          {
            matcher: 'Bash',
            hooks: [
              {
                type: 'command',
                command: "/usr/bin/node '/opt/night shift/dist/cli/index.js' hook pre-tool-use",
              },
            ],
          },
        ],
      },
    });
  });

  it('uses plan_model for planning, allows only listed commands in allowlist mode, and allows MCP servers', async () => {
    const dir = await testRequest();
    const mcp = path.join(dir.attemptDir, 'mcp.json');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(mcp, JSON.stringify({ mcpServers: { nightshift: { command: 'x' } } })),
    );
    const request = await testRequest({
      role: 'plan',
      settings: { model: 'sonnet', plan_model: 'opus', extra_args: [], command: '/opt/claude' },
      policy: { mode: 'allowlist', blocked: [], allowed: ['npm test', 'git status'] },
      mcpConfigPath: mcp,
    });
    const command = await claudeBackend.buildCommand(request);
    expect(command.file).toBe('/opt/claude');
    expect(command.args).toContain('opus');
    expect(command.args.slice(-2)).toEqual(['--mcp-config', mcp]);
    const settings = JSON.parse(
      await readFile(path.join(request.attemptDir, 'claude-settings.json'), 'utf8'),
    ) as {
      permissions: { allow: string[]; deny: string[] };
    };
    expect(settings.permissions.allow).not.toContain('Bash');
    expect(settings.permissions.allow).toEqual(
      expect.arrayContaining(['Bash(npm test:*)', 'Bash(git status:*)', 'mcp__nightshift']),
    );
    expect(settings.permissions.deny).toEqual([]);
  });

  it('parses a captured session: tool calls, results, a denial, usage and cost', async () => {
    const events = await parseFixture(createClaudeParser, 'claude/2.1.197/session.jsonl');
    expect(events[0]).toEqual({
      type: 'init',
      sessionId: '36c6706b-8fc2-4249-9883-a4f2cc8f75b8',
      model: 'claude-opus-4-8[1m]',
    });
    const kinds = events.map((event) => event.type);
    expect(kinds).toEqual([
      'init',
      'tool-call',
      'usage',
      'tool-result',
      'tool-call',
      'usage',
      'tool-result',
      'denied',
      'text',
      'usage',
      'usage',
      'result',
    ]);
    expect(events.filter((e) => e.type === 'tool-call')).toEqual([
      { type: 'tool-call', id: 'toolu_0', name: 'Bash', input: 'Bash: echo hello' },
      { type: 'tool-call', id: 'toolu_1', name: 'Bash', input: 'Bash: sudo ls' },
    ]);
    expect(events).toContainEqual({ type: 'tool-result', id: 'toolu_0', isError: false, text: 'hello' });
    expect(events.filter((e) => e.type === 'denied')).toEqual([
      {
        type: 'denied',
        command: 'sudo ls',
        reason: 'Permission to use Bash with command sudo ls has been denied.',
      },
    ]);
    // Summed usage equals the result's totals (input incl. cache reads: 303 + 150; output 60).
    const usage = events.flatMap((e) => (e.type === 'usage' ? [e] : []));
    expect(usage.reduce((sum, e) => sum + e.tokensIn, 0)).toBe(453);
    expect(usage.reduce((sum, e) => sum + e.tokensOut, 0)).toBe(60);
    expect(events.at(-1)).toEqual({
      type: 'result',
      ok: true,
      text: 'All done: printed hello; sudo was refused.',
      costUsd: 0.004115000000000001,
      sessionId: '36c6706b-8fc2-4249-9883-a4f2cc8f75b8',
      turns: 3,
    });
  });

  it('reports a refused API call as a failed result', async () => {
    const events = await parseFixture(createClaudeParser, 'claude/2.1.197/refused.jsonl');
    const result = events.at(-1);
    expect(result).toMatchObject({ type: 'result', ok: false, costUsd: 0, turns: 1 });
    expect(result?.type === 'result' && result.text).toMatch(/Prompt is too long/);
  });

  it('reports permission_denials from the result line when no tool result said so', () => {
    const parser = createClaudeParser();
    const events = parser.push(
      JSON.stringify({
        type: 'result',
        subtype: 'error_max_turns',
        is_error: true,
        num_turns: 9,
        session_id: 's',
        total_cost_usd: 1.5,
        usage: { input_tokens: 10, output_tokens: 5 },
        permission_denials: [
          { tool_name: 'Bash', tool_use_id: 't9', tool_input: { command: 'git push origin main' } },
        ],
      }),
    );
    expect(events).toEqual([
      { type: 'denied', command: 'git push origin main', reason: 'denied by permission rules' },
      { type: 'usage', tokensIn: 10, tokensOut: 5 },
      { type: 'result', ok: false, text: 'error_max_turns', costUsd: 1.5, sessionId: 's', turns: 9 },
    ]);
  });

  it('classifies its trust question as waiting for input', () => {
    expect(
      claudeBackend.classify({
        screen: 'Do you trust the files in this folder?',
        lastEvent: undefined,
        idleMs: 0,
        exited: false,
      }),
    ).toBe('waiting-input');
  });

  const installed = agentClis.claude;
  it.skipIf(installed === undefined)(
    `accepts every flag we emit (${installed?.version ?? skipReason('claude') ?? ''})`,
    () => {
      const help = runCli('claude', ['--help']);
      for (const flag of [
        '-p',
        '--output-format',
        'stream-json',
        '--verbose',
        '--permission-mode',
        'dontAsk',
        '--model',
        '--settings',
        '--mcp-config',
      ]) {
        expect(help, flag).toContain(flag);
      }
    },
  );
});
