import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOpencodeParser, opencodeBackend } from '../../source/agents/opencode.js';
import { OPENCODE_PLUGIN_DENIAL, OPENCODE_TOOL_START } from '../../source/agents/opencode-plugin.js';
import { createToolTracker } from '../../source/agents/common.js';
import { agentClis, parseFixture, runCli, skipReason, testRequest } from '../support/agent-clis.js';

describe('opencode backend', () => {
  it('builds run --format json with the permission map in OPENCODE_CONFIG_CONTENT', async () => {
    const request = await testRequest({
      settings: { model: 'anthropic/claude-sonnet-4', plan_model: '', extra_args: [], command: '' },
    });
    const command = await opencodeBackend.buildCommand(request);
    expect(command.file).toBe('opencode');
    expect(command.args).toEqual([
      'run',
      '--format',
      'json',
      '-m',
      'anthropic/claude-sonnet-4',
      '--dir',
      '/work/repo',
      'Fix the failing test.',
    ]);
    const config = JSON.parse(command.env['OPENCODE_CONFIG_CONTENT'] ?? '{}') as {
      permission: { bash: Record<string, string> };
    };
    expect(config.permission).toEqual({
      edit: 'allow',
      webfetch: 'allow',
      bash: {
        '*': 'allow',
        sudo: 'deny',
        'sudo *': 'deny',
        'git push': 'deny',
        'git push *': 'deny',
        'curl * | sh': 'deny',
        'curl * | sh *': 'deny',
      },
    });
    // The last matching pattern wins in opencode, so the catch-all must come first.
    expect(Object.keys(config.permission.bash)[0]).toBe('*');
  });

  it('keeps the caller’s config (e.g. a test provider) and denies by default in allowlist mode', async () => {
    const request = await testRequest({
      env: {
        OPENCODE_CONFIG_CONTENT: JSON.stringify({
          provider: { fake: { npm: '@ai-sdk/openai-compatible' } },
          permission: { read: 'allow' },
        }),
      },
      policy: { mode: 'allowlist', blocked: [], allowed: ['npm test'] },
    });
    const command = await opencodeBackend.buildCommand(request);
    const config = JSON.parse(command.env['OPENCODE_CONFIG_CONTENT'] ?? '{}') as Record<string, unknown>;
    expect(config['provider']).toEqual({ fake: { npm: '@ai-sdk/openai-compatible' } });
    expect(config['permission']).toEqual({
      read: 'allow',
      edit: 'allow',
      webfetch: 'allow',
      bash: { '*': 'deny', 'npm test': 'allow', 'npm test *': 'allow' },
    });
  });

  it('parses a session: text, tool calls with results, a denial, per-step usage and cost', async () => {
    const events = await parseFixture(createOpencodeParser, 'opencode/1.18.33/session.jsonl');
    expect(events).toEqual([
      { type: 'init', sessionId: 'ses_5d1c3b2a1ffeQ7pXo2Yb3nVw4k' },
      { type: 'text', text: 'Running the tests first.' },
      { type: 'tool-call', id: 'call_1', name: 'Bash', input: 'Bash: npm test' },
      { type: 'tool-result', id: 'call_1', isError: false, text: '1 failing\n' },
      { type: 'usage', tokensIn: 4200, tokensOut: 80, costUsd: 0.0123 },
      { type: 'tool-call', id: 'call_2', name: 'Edit', input: 'Edit: /repo/src/app.ts' },
      { type: 'tool-result', id: 'call_2', isError: false, text: 'Edit applied successfully.' },
      { type: 'tool-call', id: 'call_3', name: 'Bash', input: 'Bash: sudo ls' },
      {
        type: 'tool-result',
        id: 'call_3',
        isError: true,
        text: expect.stringMatching(/rule which prevents/) as string,
      },
      { type: 'denied', command: 'sudo ls', reason: expect.stringMatching(/rule which prevents/) as string },
      { type: 'text', text: 'Fixed src/app.ts.' },
      { type: 'usage', tokensIn: 4600, tokensOut: 50, costUsd: 0.0077 },
    ]);
  });

  it('parses an error line', async () => {
    const events = await parseFixture(createOpencodeParser, 'opencode/1.18.33/error.jsonl');
    expect(events).toEqual([
      { type: 'init', sessionId: 'ses_5d1c3b2a2ffeR8qYp3Zc4oWx5m' },
      { type: 'error', message: 'Model not found: anthropic/claude-nope' },
    ]);
  });

  it('classifies state', () => {
    const base = { screen: '', idleMs: 0, exited: false };
    expect(
      opencodeBackend.classify({
        ...base,
        lastEvent: { type: 'tool-call', name: 'Bash', input: 'Bash: go test ./...' },
      }),
    ).toBe('testing');
    expect(
      opencodeBackend.classify({
        ...base,
        lastEvent: { type: 'usage', tokensIn: 1, tokensOut: 1 },
        idleMs: 20_000,
      }),
    ).toBe('idle');
  });

  const installed = agentClis.opencode;
  it.skipIf(installed === undefined)(
    `accepts every flag we emit (${installed?.version ?? skipReason('opencode') ?? ''})`,
    () => {
      const help = runCli('opencode', ['run', '--help']);
      for (const flag of ['--format', 'json', '-m, --model', '--dir']) expect(help, flag).toContain(flag);
    },
  );

  it.skipIf(installed === undefined)('writes a config that opencode itself accepts', async () => {
    const command = await opencodeBackend.buildCommand(await testRequest());
    const home = await mkdtemp(path.join(tmpdir(), 'ns-opencode-home-'));
    const isolated = {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_DATA_HOME: path.join(home, '.local/share'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_STATE_HOME: path.join(home, '.local/state'),
    };
    // Without nightshift's plugin, which would make opencode npm-install @opencode-ai/plugin first
    // (from the network, 46 s measured at load 11): the permission map is what this checks.
    const { plugin: _plugin, ...withoutPlugin } = JSON.parse(
      command.env['OPENCODE_CONFIG_CONTENT'] ?? '{}',
    ) as Record<string, unknown>;
    const resolved = runCli('opencode', ['debug', 'config'], {
      ...isolated,
      OPENCODE_CONFIG_CONTENT: JSON.stringify(withoutPlugin),
    });
    expect(resolved).toContain('"sudo *": "deny"');
  });
});

/** opencode's line for a bash call that ended in `error`. */
function bashErrorLine(command: string, error: string): string {
  return JSON.stringify({
    type: 'tool_use',
    sessionID: 'ses_1',
    part: { type: 'tool', tool: 'bash', callID: 'c1', state: { status: 'error', input: { command }, error } },
  });
}

describe('opencode refusals', () => {
  it('a call nightshift’s policy plugin refused (its thrown error) is a denied event', () => {
    const line = bashErrorLine(
      'git -C . push origin main',
      `Error: ${OPENCODE_PLUGIN_DENIAL}git push is blocked by the nightshift policy.`,
    );
    expect(
      createOpencodeParser()
        .push(line)
        .filter((event) => event.type === 'denied'),
    ).toEqual([
      {
        type: 'denied',
        command: 'git -C . push origin main',
        reason: 'git push is blocked by the nightshift policy.',
      },
    ]);
  });

  it('a path outside the worktree is a denial by opencode, in its words, not by the policy', () => {
    const line = bashErrorLine(
      'cat /etc/hostname',
      'The user has specified a rule which prevents you from using this specific tool call. Here are some of the relevant rules [{"permission":"external_directory","pattern":"/etc/*","action":"ask"}]',
    );
    const denials = createOpencodeParser()
      .push(line)
      .filter((event) => event.type === 'denied');
    expect(denials).toEqual([expect.objectContaining({ by: 'opencode', command: 'cat /etc/hostname' })]);
    expect(denials[0]).toMatchObject({
      reason: expect.stringMatching(
        /^opencode refused a path outside the worktree \(.*external_directory/,
      ) as string,
    });
  });

  it("opencode 1.18.33's own ask, rejected by `run`, for a call naming an absolute path is the same", () => {
    const rejected = 'The user rejected permission to use this specific tool call.';
    const parser = createOpencodeParser();
    const outside = parser
      .push(bashErrorLine('cat /etc/hostname', rejected))
      .filter((e) => e.type === 'denied');
    expect(outside).toEqual([expect.objectContaining({ by: 'opencode', command: 'cat /etc/hostname' })]);
    // With no absolute path it is not opencode's path check: an ordinary denial, by the rules.
    const inside = parser.push(bashErrorLine('sudo ls', rejected)).filter((e) => e.type === 'denied');
    expect(inside).toEqual([{ type: 'denied', command: 'sudo ls', reason: rejected }]);
  });
});

describe('an opencode call seen running', () => {
  it("starts at the plugin's start line; opencode's late words and its finished line do not end it early", () => {
    const parser = createOpencodeParser();
    const tracker = createToolTracker();
    const feed = (line: object) => {
      const events = parser.push(JSON.stringify(line));
      for (const event of events) tracker.push(event);
      return events;
    };
    const started = feed({
      type: OPENCODE_TOOL_START,
      sessionID: 'ses_1',
      callID: 'c1',
      tool: 'bash',
      input: { command: 'npm test' },
    });
    expect(started.filter((e) => e.type === 'tool-call')).toEqual([
      { type: 'tool-call', id: 'c1', name: 'Bash', input: 'Bash: npm test' },
    ]);
    // opencode prints the step's words only now, though the model said them before the call.
    feed({ type: 'text', sessionID: 'ses_1', part: { type: 'text', text: 'Running the tests.' } });
    expect(tracker.running()).toMatchObject({ id: 'c1' });
    const finished = feed({
      type: 'tool_use',
      sessionID: 'ses_1',
      part: {
        type: 'tool',
        tool: 'bash',
        callID: 'c1',
        state: { status: 'completed', input: { command: 'npm test' }, output: 'ok' },
      },
    });
    // One call, not two: the finished line adds only its result.
    expect(finished.map((e) => e.type)).toEqual(['tool-result']);
    expect(tracker.running()).toBeUndefined();
  });
});
