/**
 * OpenAI Codex CLI (`@openai/codex`, checked with 0.169.0). Runs
 * `codex exec --json --skip-git-repo-check -s workspace-write -C DIR [-c K=V]… [-m M] PROMPT` and
 * reads its JSONL: `thread.started`, `turn.*`, `item.*`, `error`.
 *
 * The user's own codex home (CODEX_HOME, else ~/.codex) is used as it is: their login (auth.json,
 * which codex refreshes in place, under its own lock), config.toml (providers, profiles),
 * AGENTS.md and `rules/*.rules` stay theirs, and nothing of it is copied. nightshift layers on top:
 * its MCP server with `-c mcp_servers.NAME.…` overrides, and its command policy as
 * `$CODEX_HOME/rules/nightshift.rules` — codex 0.169 has no flag for an extra rules file and loads
 * every `*.rules` there, so that one file (rewritten for each attempt, marked as nightshift's) is
 * also seen by the user's own codex sessions; it only forbids what the project's policy forbids.
 *
 * Policy (DESIGN.md §8): a PreToolUse hook, `nightshift hook pre-tool-use`, parses each shell
 * command before codex runs it (as claude's hook does), added with a `-c hooks.PreToolUse=…`
 * override; codex runs only hooks the user trusted, and nightshift's own is vetted by construction,
 * so `--dangerously-bypass-hook-trust` lets it run (0.169 has no way to trust one hook by flag).
 * The execpolicy — `prefix_rule(..., decision="forbidden")` lines — stays as a second, spelling
 * layer, with the workspace-write sandbox. An execpolicy denial shows only on codex's stderr (the
 * screen); a hook denial as the command's output ("Command blocked by PreToolUse hook: …").
 *
 * `NIGHTSHIFT_CODEX_BASE_URL` (tests, self-hosted gateways) layers a `nightshift` provider with
 * that base URL through `-c` overrides; the rest of the user's config still applies.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { AgentCommand, AgentEvent, AgentRequest, Backend, OutputParser } from './backend.js';
import {
  activePatterns,
  agentEnv,
  asArray,
  asNumber,
  asObject,
  asString,
  classifyAgent,
  denyReason,
  modelFor,
  parseJsonLine,
  promptArgument,
  textEvent,
  type JsonObject,
} from './common.js';
import { readMcpServers, type McpServers } from '../mcp/servers-file.js';
import { oneLine, shellCommand } from '../text.js';
import { loginSpentReporter, withLoginHint } from './codex-login.js';

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

async function buildCommand(request: AgentRequest): Promise<AgentCommand> {
  const home = codexHome(request);
  const tmpdir = await codexTmpdir(request, home);
  const rulesDir = path.join(home, 'rules');
  await mkdir(rulesDir, { recursive: true });
  await writeFile(path.join(rulesDir, CODEX_RULES_FILE), codexRules(request));
  const baseUrl = request.env[CODEX_BASE_URL_VAR] ?? process.env[CODEX_BASE_URL_VAR];
  const model = modelFor(request);
  const args = [
    'exec',
    '--json',
    '--skip-git-repo-check',
    '-s',
    codexSandboxMode(request),
    '-C',
    request.cwd,
    ...(baseUrl ? codexProviderOverrides(baseUrl) : []),
    ...codexHookArgs(request),
    ...codexMcpOverrides(await readMcpServers(request.mcpConfigPath)),
    ...(model ? ['-m', model] : []),
    ...request.settings.extra_args,
    // Last, so that extra_args cannot be taken as the prompt.
    await promptArgument(request),
  ];
  return {
    file: codexBackend.binary(request.settings),
    args,
    env: agentEnv(request, { CODEX_HOME: home, ...(tmpdir !== undefined && { TMPDIR: tmpdir }) }),
    cwd: request.cwd,
  };
}

/** `bash -lc 'npm test'` → `npm test`: codex wraps model commands in a login shell. */
export function unwrapShell(command: string): string {
  const match = /^(?:\/\S*\/)?(?:bash|sh|zsh)\s+-l?c\s+(['"])([\s\S]*)\1\s*$/.exec(command.trim());
  return match?.[2] ?? command;
}

/** A command_execution item's command, which is a string or an argv. */
function commandText(item: JsonObject): string {
  const command = item['command'];
  if (Array.isArray(command)) return unwrapShell(command.map(String).join(' '));
  return unwrapShell(asString(command) ?? '');
}

/** What a command prints when codex's sandbox cannot start its helper (bubblewrap installed). */
const SANDBOX_HELPER_MISSING = /bwrap: execvp codex-linux-sandbox/;

/** The error nightshift reports for it, once per run: every command the agent runs fails the same way. */
export const SANDBOX_HELPER_MESSAGE =
  'codex cannot run any command: bubblewrap could not start codex-linux-sandbox. codex creates that ' +
  'helper in CODEX_HOME/tmp/arg0 and refuses to when CODEX_HOME is under its temp dir ($TMPDIR, else ' +
  '/tmp); nightshift gives it a temp dir of its own then, so something else set TMPDIR: check the ' +
  "agent's environment.";

/** codex's stderr line for a command its execpolicy refused: the command, then the reason. */
const CODEX_REJECTED = /`([^`]+)` rejected: (.*?)\\*"\)/;

/** codex's warning, once per start, that `--dangerously-bypass-hook-trust` is on. */
const HOOK_TRUST_WARNING = /^`--dangerously-bypass-hook-trust` is enabled/;

/** codex 0.169's stderr text for a command a PreToolUse hook denied, before the hook's reason. */
const CODEX_HOOK_BLOCKED = 'error=Command blocked by PreToolUse hook: ';

/** [, command, reason] of a hook denial on codex's stderr, as CODEX_REJECTED's match has them. */
function hookBlocked(raw: string): [string, string, string] | undefined {
  const start = raw.indexOf(CODEX_HOOK_BLOCKED);
  if (start === -1) return undefined;
  const line = (raw.slice(start + CODEX_HOOK_BLOCKED.length).split(/\r?\n/)[0] ?? '').trimEnd();
  // The reason itself may end in a full stop: the command follows the last '. Command: '.
  const cut = line.lastIndexOf('. Command: ');
  if (cut === -1) return undefined;
  return [line, line.slice(cut + '. Command: '.length), line.slice(0, cut)];
}

/** The parser for one codex run. */
export function createCodexParser(): OutputParser {
  let threadId: string | undefined;
  let lastMessage = '';
  let sandboxReported = false;
  const spentLogin = loginSpentReporter();
  const announced = new Set<string>();
  const rejected = new Set<string>();

  const call = (id: string | undefined, name: string, input: string): AgentEvent[] => {
    if (id !== undefined) {
      if (announced.has(id)) return [];
      announced.add(id);
    }
    return [{ type: 'tool-call', ...(id !== undefined && { id }), name, input }];
  };

  const started = (item: JsonObject): AgentEvent[] => {
    const id = asString(item['id']);
    switch (asString(item['type'])) {
      case 'command_execution':
        return call(id, 'Bash', `Bash: ${oneLine(commandText(item))}`);
      case 'file_change':
        return call(id, 'Edit', editSummary(item));
      case 'mcp_tool_call':
        return call(id, 'mcp', `${asString(item['server']) ?? 'mcp'}.${asString(item['tool']) ?? 'tool'}`);
      case 'web_search':
        return call(id, 'WebSearch', `WebSearch: ${oneLine(asString(item['query']) ?? '')}`);
      default:
        return [];
    }
  };

  const completed = (item: JsonObject): AgentEvent[] => {
    const id = asString(item['id']);
    const status = asString(item['status']);
    switch (asString(item['type'])) {
      case 'agent_message': {
        const text = asString(item['text']) ?? '';
        if (text.trim()) lastMessage = text;
        return textEvent(text);
      }
      case 'command_execution': {
        const events = started(item);
        if (status === 'declined') {
          return [
            ...events,
            { type: 'denied', command: commandText(item), reason: 'refused by codex execpolicy or sandbox' },
          ];
        }
        const exitCode = asNumber(item['exit_code']);
        const isError = status === 'failed' || (exitCode !== undefined && exitCode !== 0);
        const text = asString(item['aggregated_output']) ?? '';
        const result: AgentEvent = { type: 'tool-result', ...(id !== undefined && { id }), isError, text };
        if (isError && SANDBOX_HELPER_MISSING.test(text) && !sandboxReported) {
          sandboxReported = true;
          return [...events, result, { type: 'error', message: SANDBOX_HELPER_MESSAGE }];
        }
        return [...events, result];
      }
      case 'file_change':
      case 'mcp_tool_call':
      case 'web_search': {
        const isError = status === 'failed';
        const error = asString(asObject(item['error'])?.['message']);
        const text = error ?? editSummary(item);
        return [...started(item), { type: 'tool-result', ...(id !== undefined && { id }), isError, text }];
      }
      case 'error':
        // The trust bypass is nightshift's own choice for its own hook: not news for the board.
        if (HOOK_TRUST_WARNING.test(asString(item['message']) ?? '')) return [];
        // An error item is a warning codex goes on after ("Model metadata for … not found").
        return [
          { type: 'error', message: asString(item['message']) ?? 'codex reported an error', warning: true },
        ];
      default:
        // reasoning, todo_list: nothing the board shows as an event.
        return [];
    }
  };

  return {
    terminal: (raw) => {
      // A command the execpolicy forbids appears only on codex's stderr, never in its JSON:
      //   ERROR codex_core::tools::router: error=exec_command failed: CreateProcess { message:
      //   "Rejected(\"`/bin/bash -lc 'git push origin main'` rejected: nightshift policy: …\")" }
      // A command nightshift's PreToolUse hook denied, likewise only on stderr:
      //   ERROR codex_core::tools::router: error=Command blocked by PreToolUse hook: REASON. Command: CMD
      const spent = spentLogin(raw);
      if (spent) return spent;
      const match = CODEX_REJECTED.exec(raw) ?? hookBlocked(raw);
      if (!match) return [];
      const command = unwrapShell(match[1] ?? '');
      const reason = (match[2] ?? '').replace(/\\+"/g, '"').trim();
      const key = `${command}\n${reason}`;
      if (rejected.has(key)) return [];
      rejected.add(key);
      return [{ type: 'denied', command, reason }];
    },
    push: (raw) => {
      const line = parseJsonLine(raw);
      if (line === undefined) return [];
      const item = asObject(line['item']);
      switch (asString(line['type'])) {
        case 'thread.started':
          threadId = asString(line['thread_id']);
          return [{ type: 'init', ...(threadId !== undefined && { sessionId: threadId }) }];
        case 'item.started':
          return item ? started(item) : [];
        case 'item.completed':
          return item ? completed(item) : [];
        case 'turn.completed': {
          const usage = asObject(line['usage']);
          // input_tokens already includes cached_input_tokens; codex reports no cost.
          const tokensIn = asNumber(usage?.['input_tokens']) ?? 0;
          const tokensOut = asNumber(usage?.['output_tokens']) ?? 0;
          return [
            ...(tokensIn || tokensOut ? [{ type: 'usage' as const, tokensIn, tokensOut }] : []),
            {
              type: 'result',
              ok: true,
              text: lastMessage,
              ...(threadId !== undefined && { sessionId: threadId }),
            },
          ];
        }
        case 'turn.failed': {
          const message = withLoginHint(
            asString(asObject(line['error'])?.['message']) ?? 'codex turn failed',
          );
          return [
            { type: 'error', message },
            {
              type: 'result',
              ok: false,
              text: message,
              ...(threadId !== undefined && { sessionId: threadId }),
            },
          ];
        }
        case 'error': {
          // "Reconnecting... 2/5" is a warning: codex retries; a fatal error is followed by turn.failed.
          const message = withLoginHint(asString(line['message']) ?? 'codex reported an error');
          return [{ type: 'error', message, ...(/^Reconnecting/i.test(message) && { warning: true }) }];
        }
        default:
          return [];
      }
    },
  };
}

/** `Edit: src/a.ts, src/b.ts` for a file_change item. */
function editSummary(item: JsonObject): string {
  const paths = asArray(item['changes'])
    .map((change) => asString(asObject(change)?.['path']))
    .filter((file): file is string => file !== undefined);
  return paths.length > 0 ? `Edit: ${oneLine(paths.join(', '))}` : 'Edit';
}

/** Codex's own approval questions (only seen if it is run without exec). */
const CODEX_WAITING = [/Allow command\?|Approve (this )?command|Would you like to run/i];

/** The Codex backend. */
export const codexBackend: Backend = {
  name: 'codex',
  simulated: false,
  binary: (settings) => settings.command || 'codex',
  buildCommand,
  createParser: createCodexParser,
  classify: (input) => classifyAgent(input, CODEX_WAITING),
};
