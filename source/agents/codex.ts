/**
 * OpenAI Codex CLI (`@openai/codex`, checked with 0.169.0). Runs
 * `codex exec --json --skip-git-repo-check -s MODE -C DIR [-c K=V]… [-m M] PROMPT` and
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
 * layer, with codex's workspace-write sandbox when nightshift's own is off (codex-config.ts). An execpolicy denial shows only on codex's stderr (the
 * screen); a hook denial as the command's output ("Command blocked by PreToolUse hook: …").
 *
 * `NIGHTSHIFT_CODEX_BASE_URL` (tests, self-hosted gateways) layers a `nightshift` provider with
 * that base URL through `-c` overrides; the rest of the user's config still applies.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AgentCommand, AgentEvent, AgentRequest, Backend, OutputParser } from './backend.js';
import {
  agentEnv,
  asArray,
  asNumber,
  asObject,
  asString,
  classifyAgent,
  modelFor,
  parseJsonLine,
  promptArgument,
  textEvent,
  type JsonObject,
} from './common.js';
import { readMcpServers } from '../mcp/servers-file.js';
import { oneLine } from '../text.js';
import { loginSpentReporter, withLoginHint } from './codex-login.js';
import {
  CODEX_BASE_URL_VAR,
  CODEX_RULES_FILE,
  codexHome,
  codexHookArgs,
  codexMcpOverrides,
  codexProviderOverrides,
  codexRules,
  codexSandboxMode,
  codexTmpdir,
} from './codex-config.js';

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
