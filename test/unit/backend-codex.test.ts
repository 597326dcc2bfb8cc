import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codexBackend, createCodexParser, unwrapShell } from '../../source/agents/codex.js';
import { agentClis, parseFixture, runCli, skipReason, testRequest } from '../support/agent-clis.js';

describe('codex backend', () => {
  it("builds exec in the user's own CODEX_HOME: nothing copied, rules and MCP layered on", async () => {
    const userHome = await mkdtemp(path.join(tmpdir(), 'ns-codex-user-'));
    await writeFile(path.join(userHome, 'auth.json'), '{"OPENAI_API_KEY":"sk-x"}');
    await writeFile(path.join(userHome, 'config.toml'), 'model = "o3"\n');
    const mcp = path.join(userHome, 'mcp.json');
    await writeFile(
      mcp,
      JSON.stringify({
        mcpServers: { nightshift: { command: '/usr/bin/node', args: ['mcp'], env: { A: 'b' } } },
      }),
    );
    const request = await testRequest({
      settings: { model: 'gpt-5', plan_model: '', extra_args: [], command: '' },
      env: { NIGHTSHIFT_TASK_ID: 'T1', CODEX_HOME: userHome },
      mcpConfigPath: mcp,
    });
    const command = await codexBackend.buildCommand(request);
    expect(command.file).toBe('codex');
    expect(command.args).toEqual([
      'exec',
      '--json',
      '--skip-git-repo-check',
      '-s',
      'workspace-write',
      '-C',
      '/work/repo',
      '--dangerously-bypass-hook-trust',
      '-c',
      'features.hooks=true',
      '-c',
      expect.stringMatching(
        /^hooks\.PreToolUse=\[\{ matcher = "Bash", hooks = \[\{ type = "command", command = ".*hook pre-tool-use"/,
      ),
      '-c',
      'mcp_servers.nightshift.command="/usr/bin/node"',
      '-c',
      'mcp_servers.nightshift.args=["mcp"]',
      '-c',
      'mcp_servers.nightshift.env={ "A" = "b" }',
      '-c',
      'mcp_servers.nightshift.startup_timeout_sec=30',
      '-m',
      'gpt-5',
      'Fix the failing test.',
    ]);
    // The user's home is codex's home: no private copy of the login, no CODEX_HOME of our own.
    expect(command.env['CODEX_HOME']).toBe(userHome);
    expect(existsSync(path.join(request.attemptDir, 'codex-home'))).toBe(false);
    expect(await readFile(path.join(userHome, 'config.toml'), 'utf8')).toBe('model = "o3"\n');
    const rules = await readFile(path.join(userHome, 'rules', 'nightshift.rules'), 'utf8');
    expect(rules).toContain(
      'prefix_rule(pattern=["sudo"], decision="forbidden", justification="nightshift policy: commands matching \\"sudo\\" are not allowed in this run")',
    );
    expect(rules).toContain('prefix_rule(pattern=["git", "push"], decision="forbidden"');
    expect(rules).toContain('# not expressible as a prefix rule: curl * | sh');
  });

  it("turns codex's own sandbox off under nightshift's, and keeps it without", async () => {
    const userHome = await mkdtemp(path.join(tmpdir(), 'ns-codex-user-'));
    const mode = async (sandboxed: boolean | undefined): Promise<string | undefined> => {
      const request = { ...(await testRequest({ env: { CODEX_HOME: userHome } })), sandboxed };
      const { args } = await codexBackend.buildCommand(request);
      return args[args.indexOf('-s') + 1];
    };
    // Under bwrap codex's own sandbox would hide every command from `exec --json` (codex 0.169).
    expect(await mode(true)).toBe('danger-full-access');
    expect(await mode(false)).toBe('workspace-write');
    expect(await mode(undefined)).toBe('workspace-write');
  });

  it('layers a responses provider when a base URL is given, and allow rules in allowlist mode', async () => {
    const userHome = await mkdtemp(path.join(tmpdir(), 'ns-codex-user-'));
    const request = await testRequest({
      env: { NIGHTSHIFT_CODEX_BASE_URL: 'http://127.0.0.1:4000/v1', CODEX_HOME: userHome },
      policy: { mode: 'allowlist', blocked: [], allowed: ['npm test'] },
    });
    const command = await codexBackend.buildCommand(request);
    expect(command.args).toContain('model_provider="nightshift"');
    expect(command.args).toContain('model_providers.nightshift.base_url="http://127.0.0.1:4000/v1"');
    expect(command.args).toContain('model_providers.nightshift.wire_api="responses"');
    expect(existsSync(path.join(userHome, 'config.toml'))).toBe(false);
    expect(await readFile(path.join(userHome, 'rules', 'nightshift.rules'), 'utf8')).toContain(
      'prefix_rule(pattern=["npm", "test"], decision="allow")',
    );
  });

  it('unwraps the login shell codex puts around commands', () => {
    expect(unwrapShell("bash -lc 'npm test'")).toBe('npm test');
    expect(unwrapShell('/bin/bash -lc "ls -la"')).toBe('ls -la');
    expect(unwrapShell('npm test')).toBe('npm test');
  });

  it('parses a session: commands, edits, a declined command, usage without cost', async () => {
    const events = await parseFixture(createCodexParser, 'codex/0.169.0/session.jsonl');
    expect(events).toEqual([
      { type: 'init', sessionId: '0199a213-81c0-7800-8aa1-bbab2a035a53' },
      { type: 'tool-call', id: 'item_1', name: 'Bash', input: 'Bash: npm test' },
      { type: 'tool-result', id: 'item_1', isError: true, text: '1 failing\n' },
      { type: 'tool-call', id: 'item_2', name: 'Edit', input: 'Edit: /repo/src/app.ts, /repo/src/util.ts' },
      {
        type: 'tool-result',
        id: 'item_2',
        isError: false,
        text: 'Edit: /repo/src/app.ts, /repo/src/util.ts',
      },
      { type: 'tool-call', id: 'item_3', name: 'Bash', input: 'Bash: sudo ls' },
      { type: 'denied', command: 'sudo ls', reason: 'refused by codex execpolicy or sandbox' },
      { type: 'text', text: 'Fixed the failing test in src/app.ts.' },
      { type: 'usage', tokensIn: 24763, tokensOut: 122 },
      {
        type: 'result',
        ok: true,
        text: 'Fixed the failing test in src/app.ts.',
        sessionId: '0199a213-81c0-7800-8aa1-bbab2a035a53',
      },
    ]);
  });

  it('turns a failed turn into a failed result', async () => {
    const events = await parseFixture(createCodexParser, 'codex/0.169.0/network-failure.jsonl');
    expect(events.filter((e) => e.type === 'error')).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({
      type: 'result',
      ok: false,
      text: expect.stringMatching(/stream disconnected/) as string,
    });
  });

  it('classifies state', () => {
    const base = { screen: '', idleMs: 0, exited: false };
    expect(
      codexBackend.classify({
        ...base,
        lastEvent: { type: 'tool-call', name: 'Bash', input: 'Bash: cargo test' },
      }),
    ).toBe('testing');
    expect(codexBackend.classify({ ...base, lastEvent: undefined, exited: true })).toBe('exited');
  });

  const installed = agentClis.codex;
  it.skipIf(installed === undefined)(
    `accepts every flag we emit (${installed?.version ?? skipReason('codex') ?? ''})`,
    () => {
      const help = runCli('codex', ['exec', '--help']);
      for (const flag of [
        '--json',
        '--skip-git-repo-check',
        '--sandbox',
        'workspace-write',
        '--cd',
        '--model',
        '-s,',
        '-C,',
        '-m,',
      ]) {
        expect(help, flag).toContain(flag);
      }
    },
  );

  it.skipIf(installed === undefined)(
    'writes rules that codex itself reads as forbidding the blocked commands',
    async () => {
      const home = await mkdtemp(path.join(tmpdir(), 'ns-codex-home-'));
      await mkdir(home, { recursive: true });
      const request = await testRequest({ env: { CODEX_HOME: home } });
      await codexBackend.buildCommand(request);
      const rules = path.join(home, 'rules', 'nightshift.rules');
      const check = (...cmd: string[]): string =>
        runCli('codex', ['execpolicy', 'check', '--rules', rules, ...cmd], { CODEX_HOME: home });
      expect(check('git', 'push', 'origin', 'main')).toContain('forbidden');
      expect(check('sudo', 'ls')).toContain('forbidden');
      expect(check('git', 'status')).not.toContain('forbidden');
    },
  );

  it('reads a policy refusal from its stderr (codex reports it nowhere else), once', () => {
    const parser = createCodexParser();
    const line =
      '2026-12-02T02:53:01.282368Z ERROR codex_core::tools::router: error=exec_command failed: CreateProcess { message: "Rejected(\\"`/bin/bash -lc \'git push origin main\'` rejected: nightshift policy: commands matching \\\\\\"git push\\\\\\" are not allowed in this run\\")" }';
    const denied = {
      type: 'denied',
      command: 'git push origin main',
      reason: 'nightshift policy: commands matching "git push" are not allowed in this run',
    };
    expect(parser.terminal?.(line)).toEqual([denied]);
    expect(parser.terminal?.(line)).toEqual([]);
    expect(parser.terminal?.('Reading prompt from stdin...')).toEqual([]);
  });

  it("reads a denial of nightshift's PreToolUse hook from its stderr (a reason ending in a full stop)", () => {
    const parser = createCodexParser();
    const line =
      '2026-12-02T17:11:56.621254Z ERROR codex_core::tools::router: error=Command blocked by PreToolUse hook: git push is blocked by nightshift: agents never push. Leave your changes in the work tree.. Command: git -C . push origin HEAD:main';
    expect(parser.terminal?.(line)).toEqual([
      {
        type: 'denied',
        command: 'git -C . push origin HEAD:main',
        reason: 'git push is blocked by nightshift: agents never push. Leave your changes in the work tree.',
      },
    ]);
    expect(parser.terminal?.(line)).toEqual([]);
  });

  it("runs nightshift's hook before each shell command, and keeps quiet about the trust bypass it asks for", async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'codex-home-'));
    const request = await testRequest({ env: { CODEX_HOME: home } });
    const { args } = await codexBackend.buildCommand(request);
    expect(args).toContain('--dangerously-bypass-hook-trust');
    const hooks = args.find((arg) => arg.startsWith('hooks.PreToolUse='));
    expect(hooks).toMatch(/matcher = "Bash".*hook pre-tool-use/);
    const warning = JSON.stringify({
      type: 'item.completed',
      item: {
        id: 'item_0',
        type: 'error',
        message:
          '`--dangerously-bypass-hook-trust` is enabled. Enabled hooks may run without review for this invocation.',
      },
    });
    expect(createCodexParser().push(warning)).toEqual([]);
  });

  it('calls what codex goes on after a warning, not an error', () => {
    const parser = createCodexParser();
    const metadata = JSON.stringify({
      type: 'item.completed',
      item: { id: 'item_0', type: 'error', message: 'Model metadata for `m` not found.' },
    });
    expect(parser.push(metadata)).toEqual([
      { type: 'error', message: 'Model metadata for `m` not found.', warning: true },
    ]);
    const retry = JSON.stringify({ type: 'error', message: 'Reconnecting... 1/5 (high demand)' });
    expect(parser.push(retry)).toEqual([
      { type: 'error', message: 'Reconnecting... 1/5 (high demand)', warning: true },
    ]);
    const fatal = JSON.stringify({ type: 'error', message: 'exceeded retry limit, last status: 429' });
    expect(parser.push(fatal)).toEqual([
      { type: 'error', message: 'exceeded retry limit, last status: 429' },
    ]);
  });
});
