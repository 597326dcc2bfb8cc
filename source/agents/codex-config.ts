/**
 * How nightshift runs codex on the user's own codex home: the home itself, nightshift's rules file
 * in it, and the `-c` overrides it layers on top (a provider, the policy hook, its MCP server),
 * with codex's own sandbox mode and temp dir (agents/codex.ts builds the command from these).
 */
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { AgentRequest } from './backend.js';
import { activePatterns, denyReason } from './common.js';
import type { McpServers } from '../mcp/servers-file.js';
import { shellCommand } from '../text.js';

/** Env var (in the request's env or nightshift's own) that points codex at another Responses API. */
export const CODEX_BASE_URL_VAR = 'NIGHTSHIFT_CODEX_BASE_URL';

/** The name of nightshift's rules file in the user's `$CODEX_HOME/rules/`. */
export const CODEX_RULES_FILE = 'nightshift.rules';

/** A TOML/Starlark string literal (both accept JSON's escapes for what we write). */
function quoted(text: string): string {
  return JSON.stringify(text);
}

/** The user's codex home: CODEX_HOME from the request's env or nightshift's, else ~/.codex. */
export function codexHome(request: Pick<AgentRequest, 'env'>): string {
  return request.env['CODEX_HOME'] || process.env['CODEX_HOME'] || path.join(homedir(), '.codex');
}

/** The content of `$CODEX_HOME/rules/nightshift.rules` for the request's policy. */
export function codexRules(request: AgentRequest): string {
  const lines = [
    '# Written by nightshift for its agents (their command policy); rewritten for every attempt. Do not edit.',
  ];
  const decision = request.policy.mode === 'blocklist' ? 'forbidden' : 'allow';
  if (request.policy.mode === 'allowlist') {
    lines.push('# Allowlist mode: listed prefixes run; the workspace-write sandbox confines the rest.');
  }
  for (const pattern of activePatterns(request)) {
    // A prefix rule cannot say "curl, then anything, then | sh"; cutting such a pattern at its
    // wildcard would forbid every curl. The policy hook elsewhere and the sandbox cover these.
    if (pattern.wildcard) {
      lines.push(`# not expressible as a prefix rule: ${pattern.text}`);
      continue;
    }
    const tokens = `[${pattern.prefix.map(quoted).join(', ')}]`;
    const justification =
      decision === 'forbidden' ? `, justification=${quoted(denyReason(pattern.text))}` : '';
    lines.push(`prefix_rule(pattern=${tokens}, decision=${quoted(decision)}${justification})`);
  }
  return `${lines.join('\n')}\n`;
}

/** `-c` overrides that add a `nightshift` provider at `baseUrl` and select it. */
export function codexProviderOverrides(baseUrl: string): string[] {
  return [
    'model_provider="nightshift"',
    'model_providers.nightshift.name="nightshift"',
    `model_providers.nightshift.base_url=${quoted(baseUrl)}`,
    'model_providers.nightshift.wire_api="responses"',
    'model_providers.nightshift.env_key="OPENAI_API_KEY"',
  ].flatMap((override) => ['-c', override]);
}

/**
 * `-c` overrides and the flag that make codex run nightshift's PreToolUse hook before each shell
 * command (its exec tool is `Bash` to hooks); `features.hooks` in case the user turned hooks off.
 */
export function codexHookArgs(request: AgentRequest): string[] {
  const command = shellCommand([...request.nightshiftCommand, 'hook', 'pre-tool-use']);
  const hook = `{ matcher = "Bash", hooks = [{ type = "command", command = ${quoted(command)} }] }`;
  return ['--dangerously-bypass-hook-trust', '-c', 'features.hooks=true', '-c', `hooks.PreToolUse=[${hook}]`];
}

/** Seconds codex waits for an MCP server to start (its default of 10 is tight on a loaded machine). */
const MCP_STARTUP_TIMEOUT_SEC = 30;

/** A TOML key segment: bare when it can be, else quoted. */
function keySegment(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : quoted(name);
}

/** `-c mcp_servers.NAME.…` overrides for the request's stdio MCP servers (the task tool server). */
export function codexMcpOverrides(servers: McpServers): string[] {
  const overrides: string[] = [];
  for (const [name, server] of Object.entries(servers)) {
    const key = `mcp_servers.${keySegment(name)}`;
    const env = Object.entries(server.env).map(([k, v]) => `${quoted(k)} = ${quoted(v)}`);
    overrides.push(
      `${key}.command=${quoted(server.command)}`,
      `${key}.args=[${server.args.map(quoted).join(', ')}]`,
      `${key}.env={ ${env.join(', ')} }`,
      `${key}.startup_timeout_sec=${MCP_STARTUP_TIMEOUT_SEC}`,
    );
  }
  return overrides.flatMap((override) => ['-c', override]);
}

/**
 * codex sets up its helpers (`codex-linux-sandbox`, `apply_patch`: links to itself in
 * `$CODEX_HOME/tmp/arg0`, put first on the PATH) only when CODEX_HOME does not lie under the
 * system temp dir — Rust's `std::env::temp_dir()`, i.e. $TMPDIR, else /tmp. Under it, codex starts
 * without them and every command fails ("bwrap: execvp codex-linux-sandbox"): a CI clone, or a
 * HOME, under /tmp. The sandbox sets TMPDIR=/tmp. So when CODEX_HOME is under /tmp or $TMPDIR,
 * codex gets a temp dir of its own in the attempt folder (writable in the sandbox) instead.
 */
export async function codexTmpdir(request: AgentRequest, home: string): Promise<string | undefined> {
  const roots = ['/tmp', request.env['TMPDIR'] || process.env['TMPDIR'] || '/tmp'];
  const under = (root: string): boolean => {
    const relative = path.relative(path.resolve(root), path.resolve(home));
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  if (!roots.some(under)) return undefined;
  const dir = path.join(request.attemptDir, 'tmp');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * codex's own sandbox mode. Under nightshift's bwrap it is off (`danger-full-access`): ours holds
 * (stricter: the repository's refs, stash and config read-only, ~/.ssh hidden), and codex 0.169
 * reports commands in `exec --json` only when its own sandbox is off — with it on, no
 * `command_execution` item is printed, so the board could not show a command and a kernel refusal
 * could not become a denial. Without ours, codex keeps its workspace-write sandbox.
 */
export function codexSandboxMode(request: Pick<AgentRequest, 'sandboxed'>): string {
  return request.sandboxed ? 'danger-full-access' : 'workspace-write';
}
