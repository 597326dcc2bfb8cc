/**
 * Gemini CLI (`@google/gemini-cli`, checked with 0.61.0). Runs
 * `gemini -p PROMPT --output-format stream-json --approval-mode yolo --policy FILE [-m M]` and reads
 * its stream-json lines: `init`, `message`, `tool_use`, `tool_result`, `error`, `result`.
 *
 * Policy (DESIGN.md §8): a BeforeTool hook, `nightshift hook pre-tool-use`, parses each shell
 * command before gemini runs it (as claude's hook does), set in the attempt's private settings;
 * and a policy-engine TOML file passed with `--policy`, the spelling layer. Such files load in the
 * user tier (priority 4.x), above the built-in yolo allow-all rule (1.998), so a `deny` rule wins.
 * Headless mode needs a trusted workspace: GEMINI_CLI_TRUST_WORKSPACE=true.
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
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
  hookEnv,
  denyReason,
  modelFor,
  parseJsonLine,
  parseJsonc,
  promptArgument,
  summarizeToolCall,
  type JsonObject,
  type PolicyPattern,
} from './common.js';
import { readMcpServers, type McpServers } from '../mcp/servers-file.js';
import { oneLine, shellCommand } from '../text.js';

/** Gemini's shell tool, the one the policy rules apply to. */
const SHELL_TOOL = 'run_shell_command';

/** Gemini tool names → the names the board uses for every backend. */
const TOOL_NAMES: Readonly<Record<string, string>> = {
  [SHELL_TOOL]: 'Bash',
  write_file: 'Write',
  replace: 'Edit',
  read_file: 'Read',
  read_many_files: 'Read',
  glob: 'Glob',
  grep_search: 'Grep',
  search_file_content: 'Grep',
  list_directory: 'LS',
  web_fetch: 'WebFetch',
  google_web_search: 'WebSearch',
  write_todos: 'TodoWrite',
};

/** Rule priorities within the user tier: a deny beats any allow we write. */
const DENY_PRIORITY = 999;
const ALLOW_PRIORITY = 900;
const DEFAULT_DENY_PRIORITY = 100;

/** A regex matching a `*` pattern against the command; `*` is any text. */
function patternRegex(pattern: PolicyPattern): string {
  return pattern.text
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
}

/** The `[[rule]]` conditions selecting commands that match one pattern. */
function matchFields(pattern: PolicyPattern): string[] {
  return pattern.wildcard
    ? [`commandRegex = ${JSON.stringify(patternRegex(pattern))}`]
    : [`commandPrefix = ${JSON.stringify(pattern.text)}`];
}

/** The content of `<attemptDir>/gemini-policy.toml` for the request's policy. */
export function geminiPolicy(request: AgentRequest): string {
  const rules: string[][] = [];
  const blocklist = request.policy.mode === 'blocklist';
  if (!blocklist) {
    rules.push([
      `toolName = "${SHELL_TOOL}"`,
      'decision = "deny"',
      `priority = ${DEFAULT_DENY_PRIORITY}`,
      `denyMessage = ${JSON.stringify('nightshift policy: only the allowed commands may run in this run')}`,
    ]);
  }
  for (const pattern of activePatterns(request)) {
    rules.push([
      `toolName = "${SHELL_TOOL}"`,
      ...matchFields(pattern),
      `decision = "${blocklist ? 'deny' : 'allow'}"`,
      `priority = ${blocklist ? DENY_PRIORITY : ALLOW_PRIORITY}`,
      ...(blocklist ? [`denyMessage = ${JSON.stringify(denyReason(pattern.text))}`] : []),
    ]);
  }
  const header = '# Written by nightshift for one attempt (its command policy). Do not edit.';
  return `${[header, ...rules.map((rule) => ['[[rule]]', ...rule].join('\n'))].join('\n\n')}\n`;
}

/** The user's `~/.gemini` (GEMINI_CLI_HOME moves it, as gemini itself does). */
function userGeminiDir(request: AgentRequest): string {
  return path.join(request.env['GEMINI_CLI_HOME'] ?? process.env['GEMINI_CLI_HOME'] ?? homedir(), '.gemini');
}

/** The user's settings.json, read as gemini reads it (comments and trailing commas allowed); {} when absent. */
export async function readUserSettings(file: string): Promise<JsonObject> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {}; // No user settings: the usual case on a build machine.
  }
  try {
    return asObject(parseJsonc(text)) ?? {};
  } catch {
    // gemini itself reports a broken settings file (and exits); the run then shows its reason.
    return {};
  }
}

/**
 * The model used when neither nightshift's settings, the user's gemini settings (`model.name`) nor
 * GEMINI_MODEL name one. Without a model gemini 0.61 routes every turn through "auto" (a classifier
 * call to a flash-lite model first), which made one task take 4½ min instead of ~40 s.
 */
export const GEMINI_DEFAULT_MODEL = 'gemini-2.5-pro';

/** The model the user configured for gemini, or '' when none. */
function userModel(settings: JsonObject): string {
  const model = settings['model'];
  return asString(model) ?? asString(asObject(model)?.['name']) ?? '';
}

/** The BeforeTool hook group that runs nightshift's policy check before each shell command. */
export function geminiHookGroup(request: AgentRequest): JsonObject {
  // gemini gives hooks a sanitized env (none of nightshift's variables under CI): pass them.
  const env = hookEnv(request);
  const command = shellCommand([...request.nightshiftCommand, 'hook', 'pre-tool-use']);
  return {
    matcher: `^${SHELL_TOOL}$`,
    hooks: [{ name: 'nightshift-policy', type: 'command', command, env }],
  };
}

/**
 * The user's gemini settings with the request's MCP servers added to `mcpServers` and `hook` to
 * `hooks.BeforeTool` (the user's own servers and hooks stay). Settings with comments are read too
 * (gemini accepts them).
 */
export async function geminiSettings(
  servers: McpServers,
  userSettingsPath: string,
  hook?: JsonObject,
): Promise<JsonObject> {
  const base = await readUserSettings(userSettingsPath);
  const ours = Object.fromEntries(
    // trust: the agent runs with --approval-mode yolo anyway; this keeps tool calls from asking.
    Object.entries(servers).map(([name, server]) => [
      name,
      { command: server.command, args: server.args, env: server.env, trust: true },
    ]),
  );
  const hooks = asObject(base['hooks']) ?? {};
  const before = asArray(hooks['BeforeTool']);
  return {
    ...base,
    mcpServers: { ...(asObject(base['mcpServers']) ?? {}), ...ours },
    ...(hook && { hooks: { ...hooks, BeforeTool: [...before, hook] } }),
  };
}

/**
 * A private GEMINI_CLI_HOME for an attempt: its settings carry the policy hook and the MCP servers.
 * gemini reads both only from settings files; system settings (GEMINI_CLI_SYSTEM_SETTINGS_PATH) are refused
 * unless root owns the file and every folder above it, and a project `.gemini/settings.json` would
 * land in the worktree and its commit. So `<attemptDir>/gemini-home/.gemini/` gets the user's
 * settings plus the servers, and links to everything else of the user's `~/.gemini` (credentials,
 * GEMINI.md, extensions), so logins and the user's setup keep working.
 */
async function privateHomeEnv(request: AgentRequest): Promise<Record<string, string>> {
  const servers = await readMcpServers(request.mcpConfigPath);
  const userDir = userGeminiDir(request);
  const home = path.join(request.attemptDir, 'gemini-home');
  const dir = path.join(home, '.gemini');
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(userDir).catch(() => [])) {
    if (name !== 'settings.json')
      await symlink(path.join(userDir, name), path.join(dir, name)).catch(() => undefined);
  }
  const userSettings = path.join(userDir, 'settings.json');
  const settings = await geminiSettings(servers, userSettings, geminiHookGroup(request));
  await writeFile(path.join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  return { GEMINI_CLI_HOME: home };
}

async function buildCommand(request: AgentRequest): Promise<AgentCommand> {
  const policyPath = path.join(request.attemptDir, 'gemini-policy.toml');
  // `run --dry-run` builds the command before any attempt folder exists.
  await mkdir(request.attemptDir, { recursive: true });
  await writeFile(policyPath, geminiPolicy(request));
  const configured =
    modelFor(request) ||
    (request.env['GEMINI_MODEL'] ?? process.env['GEMINI_MODEL'] ?? '') ||
    userModel(await readUserSettings(path.join(userGeminiDir(request), 'settings.json')));
  const model = configured || GEMINI_DEFAULT_MODEL;
  const args = [
    '-p',
    await promptArgument(request),
    '--output-format',
    'stream-json',
    '--approval-mode',
    'yolo',
    '--policy',
    policyPath,
    ...(model ? ['-m', model] : []),
    ...request.settings.extra_args,
  ];
  return {
    file: geminiBackend.binary(request.settings),
    args,
    env: agentEnv(request, { GEMINI_CLI_TRUST_WORKSPACE: 'true', ...(await privateHomeEnv(request)) }),
    cwd: request.cwd,
  };
}

/** What gemini 0.61 shows for a tool call a BeforeTool hook denied, before the hook's reason. */
const HOOK_BLOCKED = /^Tool execution blocked: /;

/** The parser for one gemini run. */
export function createGeminiParser(): OutputParser {
  // Assistant text arrives as small deltas; it is gathered and emitted as one text event when
  // anything else happens, so the board and the final result see whole messages.
  let pending = '';
  let lastMessage = '';
  const commands = new Map<string, string>();

  const flush = (): AgentEvent[] => {
    const text = pending;
    pending = '';
    if (!text.trim()) return [];
    lastMessage = text;
    return [{ type: 'text', text }];
  };

  const handle = (line: JsonObject): AgentEvent[] => {
    switch (asString(line['type'])) {
      case 'init': {
        const sessionId = asString(line['session_id']);
        const model = asString(line['model']);
        return [
          {
            type: 'init',
            ...(sessionId !== undefined && { sessionId }),
            ...(model !== undefined && { model }),
          },
        ];
      }
      case 'tool_use': {
        const tool = asString(line['tool_name']) ?? 'tool';
        const name = TOOL_NAMES[tool] ?? tool;
        const id = asString(line['tool_id']);
        const parameters = asObject(line['parameters']);
        const command = asString(parameters?.['command']);
        if (id !== undefined && command !== undefined) commands.set(id, command);
        return [
          {
            type: 'tool-call',
            ...(id !== undefined && { id }),
            name,
            input: summarizeToolCall(name, parameters),
          },
        ];
      }
      case 'tool_result': {
        const id = asString(line['tool_id']);
        const error = asObject(line['error']);
        const isError = asString(line['status']) === 'error';
        const text = asString(line['output']) || asString(error?.['message']) || '';
        const events: AgentEvent[] = [
          { type: 'tool-result', ...(id !== undefined && { id }), isError, text },
        ];
        // A deny rule of the policy TOML, or a BeforeTool hook's deny (nightshift's policy check).
        const hookBlocked = HOOK_BLOCKED.test(asString(line['output']) ?? '');
        if (asString(error?.['type']) === 'policy_violation' || hookBlocked) {
          const command = (id !== undefined && commands.get(id)) || 'tool call';
          events.push({
            type: 'denied',
            command,
            reason: oneLine(asString(error?.['message']) ?? 'denied by policy', 200),
          });
        }
        return events;
      }
      case 'error':
        return [{ type: 'error', message: asString(line['message']) ?? 'gemini reported an error' }];
      case 'result': {
        const stats = asObject(line['stats']);
        const tokensIn = asNumber(stats?.['input_tokens']) ?? 0;
        const tokensOut = asNumber(stats?.['output_tokens']) ?? 0;
        const ok = asString(line['status']) === 'success';
        const error = asString(asObject(line['error'])?.['message']);
        return [
          ...(tokensIn || tokensOut ? [{ type: 'usage' as const, tokensIn, tokensOut }] : []),
          { type: 'result', ok, text: ok ? lastMessage : (error ?? lastMessage) },
        ];
      }
      default:
        return [];
    }
  };

  return {
    push: (raw) => {
      const line = parseJsonLine(raw);
      if (line === undefined) return [];
      if (asString(line['type']) === 'message') {
        // The prompt is echoed back as a user message; only the assistant's words are events.
        if (asString(line['role']) === 'assistant') {
          const content = asString(line['content']) ?? '';
          pending = line['delta'] === true ? pending + content : content;
        }
        return [];
      }
      return [...flush(), ...handle(line)];
    },
  };
}

/** Questions Gemini CLI's terminal UI asks (only seen outside yolo/headless mode). */
const GEMINI_WAITING = [/Allow execution of|Apply this change\?|Do you trust this folder/i];

/** The Gemini CLI backend. */
export const geminiBackend: Backend = {
  name: 'gemini',
  simulated: false,
  binary: (settings) => settings.command || 'gemini',
  buildCommand,
  createParser: createGeminiParser,
  classify: (input) => classifyAgent(input, GEMINI_WAITING),
};
