/**
 * The task tool server wired into each backend's own MCP config (mcp/wiring.ts + agents/*.ts), and,
 * when the real CLI is in the test cache, that CLI's own `mcp list` reading the config and (gemini,
 * opencode) connecting to `nightshift mcp`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentCommand, AgentRequest } from '../../source/agents/backend.js';
import { createBackend } from '../../source/agents/factory.js';
import { withTaskServer } from '../../source/mcp/wiring.js';
import { agentClis, runCli as runAgentCli, testRequest } from '../support/agent-clis.js';
import { cliPath, runCli, tempDir, tempGitRepo } from '../support/cli.js';

let project: string;
let scratchHome: string;

beforeAll(async () => {
  project = await tempGitRepo('nightshift-wiring-');
  expect((await runCli(['init', '--use', 'sim'], { cwd: project })).exitCode).toBe(0);
  scratchHome = await tempDir('nightshift-wiring-home-');
}, 60_000);

async function wired(
  name: 'claude' | 'codex' | 'gemini' | 'opencode',
): Promise<{ request: AgentRequest; command: AgentCommand }> {
  const base = await testRequest({
    nightshiftCommand: [process.execPath, cliPath],
    env: {
      NIGHTSHIFT_TASK_ID: 'T1',
      NIGHTSHIFT_ATTEMPT: '2',
      NIGHTSHIFT_RUN_ID: 'run-1',
      NIGHTSHIFT_ROLE: 'coding',
      NIGHTSHIFT_PROJECT_ROOT: project,
    },
  });
  const request = await withTaskServer(base);
  return { request, command: await createBackend(name).buildCommand(request) };
}

const serverEnv = (): Record<string, string> => ({
  NIGHTSHIFT_PROJECT_ROOT: project,
  NIGHTSHIFT_TASK_ID: 'T1',
  NIGHTSHIFT_ATTEMPT: '2',
  NIGHTSHIFT_RUN_ID: 'run-1',
  NIGHTSHIFT_ROLE: 'coding',
});

describe('task tool server wiring', () => {
  it('writes <attemptDir>/mcp.json with `nightshift mcp` and the env it needs', async () => {
    const { request } = await wired('claude');
    expect(request.mcpConfigPath).toBe(path.join(request.attemptDir, 'mcp.json'));
    expect(JSON.parse(await readFile(request.mcpConfigPath ?? '', 'utf8'))).toEqual({
      mcpServers: { nightshift: { command: process.execPath, args: [cliPath, 'mcp'], env: serverEnv() } },
    });
  });

  it('claude: --mcp-config and the server allowed in the settings', async () => {
    const { request, command } = await wired('claude');
    expect(command.args).toEqual(expect.arrayContaining(['--mcp-config', request.mcpConfigPath]));
    const settings = JSON.parse(
      await readFile(path.join(request.attemptDir, 'claude-settings.json'), 'utf8'),
    ) as { permissions: { allow: string[] } };
    expect(settings.permissions.allow).toContain('mcp__nightshift');
  });

  it("codex: -c mcp_servers.nightshift overrides on the user's own codex config", async () => {
    const { command } = await wired('codex');
    const overrides = command.args.filter((_, i) => command.args[i - 1] === '-c').join('\n');
    expect(overrides).toContain(`mcp_servers.nightshift.args=[${JSON.stringify(cliPath)}, "mcp"]`);
    expect(overrides).toContain(`"NIGHTSHIFT_PROJECT_ROOT" = ${JSON.stringify(project)}`);
  });

  it('gemini: mcpServers in the settings of a private GEMINI_CLI_HOME', async () => {
    const { command } = await wired('gemini');
    const home = command.env['GEMINI_CLI_HOME'] ?? '';
    const settings = JSON.parse(
      await readFile(path.join(home, '.gemini', 'settings.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(settings['mcpServers']).toEqual({
      nightshift: { command: process.execPath, args: [cliPath, 'mcp'], env: serverEnv(), trust: true },
    });
    if (agentClis.gemini) {
      const listed = runAgentCli('gemini', ['mcp', 'list'], { ...command.env, HOME: scratchHome });
      expect(listed).toMatch(/nightshift: .* \(stdio\) - Connected/);
    }
  }, 90_000);

  it('opencode: a local server in the mcp table of OPENCODE_CONFIG_CONTENT', async () => {
    const { command } = await wired('opencode');
    const config = JSON.parse(command.env['OPENCODE_CONFIG_CONTENT'] ?? '{}') as Record<string, unknown>;
    expect(config['mcp']).toEqual({
      nightshift: {
        type: 'local',
        command: [process.execPath, cliPath, 'mcp'],
        environment: serverEnv(),
        enabled: true,
      },
    });
    if (agentClis.opencode) {
      // Without nightshift's plugin: with any plugin, opencode first npm-installs @opencode-ai/plugin
      // into a fresh home and waits for it (46 s measured at load 11, from the network); the mcp table
      // is what this checks.
      const { plugin: _plugin, ...withoutPlugin } = config;
      const listed = runAgentCli('opencode', ['mcp', 'list'], {
        OPENCODE_CONFIG_CONTENT: JSON.stringify(withoutPlugin),
        HOME: scratchHome,
      });
      // opencode colours its output even into a pipe.
      expect(listed.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')).toMatch(
        /✓ nightshift\s+connected/,
      );
    }
  }, 90_000);
});
