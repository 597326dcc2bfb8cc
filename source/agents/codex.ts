/**
 * OpenAI Codex CLI (`@openai/codex`, checked with 0.169.0). Runs
 * `codex exec --json --skip-git-repo-check -s workspace-write -C DIR [-m M] PROMPT` with a private
 * CODEX_HOME per attempt, and reads its JSONL: `thread.started`, `turn.*`, `item.*`, `error`.
 *
 * Policy (DESIGN.md §8): codex's hooks silently do not run unless trusted, so the guard is its
 * execpolicy — `prefix_rule(..., decision="forbidden")` lines in `$CODEX_HOME/rules/default.rules` —
 * plus the workspace-write sandbox. A denial shows only on codex's stderr (the screen), and as a
 * `declined` command item when the model's call is refused.
 */
import { appendFile, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
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
  oneLine,
  parseJsonLine,
  promptArgument,
  textEvent,
  type JsonObject,
} from './common.js';
import { readMcpServers, type McpServers } from '../mcp/servers-file.js';

/** Env var (in the request's env or nightshift's own) that points codex at another Responses API. */
export const CODEX_BASE_URL_VAR = 'NIGHTSHIFT_CODEX_BASE_URL';

/** A TOML/Starlark string literal (both accept JSON's escapes for what we write). */
function quoted(text: string): string {
  return JSON.stringify(text);
}

/** The content of `$CODEX_HOME/rules/default.rules` for the request's policy. */
export function codexRules(request: AgentRequest): string {
  const lines = ['# Written by nightshift for one attempt (DESIGN.md §8). Do not edit.'];
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

/** The `config.toml` that points codex at `baseUrl` through a provider of its own. */
export function codexProviderConfig(baseUrl: string): string {
  return [
    'model_provider = "nightshift"',
    '',
    '[model_providers.nightshift]',
    'name = "nightshift"',
    `base_url = ${quoted(baseUrl)}`,
    'wire_api = "responses"',
    'env_key = "OPENAI_API_KEY"',
    '',
  ].join('\n');
}

/** Seconds codex waits for an MCP server to start (its default of 10 is tight on a loaded machine). */
const MCP_STARTUP_TIMEOUT_SEC = 30;

/**
 * `[mcp_servers.NAME]` tables for the request's stdio MCP servers (the task tool server), leaving
 * out any name the config text already defines: a second table of the same name is a TOML error.
 */
export function codexMcpTables(servers: McpServers, existing = ''): string {
  const tables: string[] = [];
  for (const [name, server] of Object.entries(servers)) {
    const header = `[mcp_servers.${/^[A-Za-z0-9_-]+$/.test(name) ? name : quoted(name)}]`;
    if (existing.includes(`[mcp_servers.${name}]`) || existing.includes(`[mcp_servers.${quoted(name)}]`))
      continue;
    const env = Object.entries(server.env).map(([key, value]) => `${quoted(key)} = ${quoted(value)}`);
    tables.push(
      [
        header,
        `command = ${quoted(server.command)}`,
        `args = [${server.args.map(quoted).join(', ')}]`,
        `env = { ${env.join(', ')} }`,
        `startup_timeout_sec = ${MCP_STARTUP_TIMEOUT_SEC}`,
        '',
      ].join('\n'),
    );
  }
  return tables.join('\n');
}

/** Appends the request's MCP servers to the private home's config.toml (creating it if needed). */
async function addMcpServers(configPath: string, servers: McpServers): Promise<void> {
  if (Object.keys(servers).length === 0) return;
  const existing = await readFile(configPath, 'utf8').catch(() => '');
  const tables = codexMcpTables(servers, existing);
  if (tables === '') return;
  const separator = existing === '' ? '' : existing.endsWith('\n') ? '\n' : '\n\n';
  await appendFile(configPath, `${separator}${tables}`);
}

/** Copies `name` from the user's codex home when it exists; a missing file is normal. */
async function copyIfPresent(fromDir: string, toDir: string, name: string): Promise<void> {
  try {
    await copyFile(path.join(fromDir, name), path.join(toDir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

async function buildCommand(request: AgentRequest): Promise<AgentCommand> {
  const codexHome = path.join(request.attemptDir, 'codex-home');
  await mkdir(path.join(codexHome, 'rules'), { recursive: true });
  await writeFile(path.join(codexHome, 'rules', 'default.rules'), codexRules(request));
  // The user's login and provider must keep working in the private home.
  const userHome = process.env['CODEX_HOME'] || path.join(homedir(), '.codex');
  await copyIfPresent(userHome, codexHome, 'auth.json');
  const baseUrl = request.env[CODEX_BASE_URL_VAR] ?? process.env[CODEX_BASE_URL_VAR];
  if (baseUrl) {
    // Not merged into the user's config: a second top-level model_provider would be a TOML error.
    await writeFile(path.join(codexHome, 'config.toml'), codexProviderConfig(baseUrl));
  } else {
    await copyIfPresent(userHome, codexHome, 'config.toml');
  }
  await addMcpServers(path.join(codexHome, 'config.toml'), await readMcpServers(request.mcpConfigPath));
  const model = modelFor(request);
  const args = [
    'exec',
    '--json',
    '--skip-git-repo-check',
    '-s',
    process.env['NIGHTSHIFT_CODEX_SANDBOX'] || 'workspace-write', // danger-full-access when our bwrap holds it and nesting fails (sandbox/bwrap.ts)
    '-C',
    request.cwd,
    ...(model ? ['-m', model] : []),
    ...request.settings.extra_args,
    // Last, so that extra_args cannot be taken as the prompt.
    await promptArgument(request),
  ];
  return {
    file: codexBackend.binary(request.settings),
    args,
    env: agentEnv(request, { CODEX_HOME: codexHome }),
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

/** The parser for one codex run. */
export function createCodexParser(): OutputParser {
  let threadId: string | undefined;
  let lastMessage = '';
  const announced = new Set<string>();

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
        return [...events, { type: 'tool-result', ...(id !== undefined && { id }), isError, text }];
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
        return [{ type: 'error', message: asString(item['message']) ?? 'codex reported an error' }];
      default:
        // reasoning, todo_list: nothing the board shows as an event.
        return [];
    }
  };

  return {
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
          const message = asString(asObject(line['error'])?.['message']) ?? 'codex turn failed';
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
        case 'error':
          // Also "Reconnecting... 2/5": not fatal by itself; a fatal one is followed by turn.failed.
          return [{ type: 'error', message: asString(line['message']) ?? 'codex reported an error' }];
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
