/**
 * OpenCode (`opencode-ai`, checked with 1.18.33). Runs
 * `opencode run --format json [-m provider/model] --dir DIR PROMPT` and reads its lines
 * `{type, timestamp, sessionID, part | error}` with type step_start, text, reasoning, tool_use,
 * step_finish and error. A tool_use line is printed once the tool has finished, so it carries both
 * the call and its result; nightshift's plugin prints a `nightshift_tool_start` line when a call
 * starts (opencode-plugin.ts), so a running call is seen running.
 *
 * Policy (DESIGN.md §8): a plugin (opencode-plugin.ts) whose `tool.execute.before` hook runs
 * nightshift's parser (`nightshift hook pre-tool-use`) before each bash call and throws to refuse
 * it, added to `plugin` in OPENCODE_CONFIG_CONTENT; and a `permission.bash` map there, the spelling
 * layer. OpenCode applies the LAST matching pattern, so the catch-all comes first. In `run` mode a
 * permission that would "ask" is rejected automatically (without --auto), so nothing here can hang
 * on a question.
 */
import type { AgentCommand, AgentEvent, AgentRequest, Backend, OutputParser } from './backend.js';
import {
  activePatterns,
  asArray,
  agentEnv,
  asNumber,
  asObject,
  asString,
  classifyAgent,
  modelFor,
  parseJsonLine,
  promptArgument,
  summarizeToolCall,
  textEvent,
  type JsonObject,
} from './common.js';
import { readMcpServers, type McpServers } from '../mcp/servers-file.js';
import { OPENCODE_PLUGIN_DENIAL, OPENCODE_TOOL_START, writeOpencodePlugin } from './opencode-plugin.js';
import { oneLine } from '../text.js';

/** OpenCode tool names → the names the board uses for every backend. */
const TOOL_NAMES: Readonly<Record<string, string>> = {
  bash: 'Bash',
  edit: 'Edit',
  write: 'Write',
  patch: 'Edit',
  read: 'Read',
  glob: 'Glob',
  grep: 'Grep',
  list: 'LS',
  webfetch: 'WebFetch',
  todowrite: 'TodoWrite',
  task: 'Task',
};

/** The `permission` table for the request's policy. */
export function opencodePermission(request: AgentRequest): JsonObject {
  const blocklist = request.policy.mode === 'blocklist';
  // Insertion order is evaluation order: the catch-all first, the specific patterns after it.
  const bash: Record<string, string> = { '*': blocklist ? 'allow' : 'deny' };
  for (const pattern of activePatterns(request)) {
    // `P` alone and `P *` with arguments: `sudo *` would not match a bare `sudo`.
    bash[pattern.text] = blocklist ? 'deny' : 'allow';
    bash[`${pattern.text} *`] = blocklist ? 'deny' : 'allow';
  }
  return { edit: 'allow', webfetch: 'allow', bash };
}

/**
 * The OPENCODE_CONFIG_CONTENT for the request: the caller's own config content (e.g. a provider
 * for a loopback test server) with nightshift's permission table laid over it, and `plugin` (the
 * policy plugin's file URL) added to the caller's plugins.
 */
export function opencodeConfig(
  request: AgentRequest,
  existing: string | undefined,
  plugin?: string,
): JsonObject {
  let base: JsonObject = {};
  if (existing) {
    try {
      base = asObject(JSON.parse(existing)) ?? {};
    } catch {
      // A broken OPENCODE_CONFIG_CONTENT would fail opencode anyway; ours must still apply.
      base = {};
    }
  }
  const permission = { ...(asObject(base['permission']) ?? {}), ...opencodePermission(request) };
  const plugins = asArray(base['plugin']);
  return {
    $schema: 'https://opencode.ai/config.json',
    ...base,
    permission,
    ...(plugin && { plugin: [...plugins, plugin] }),
  };
}

/** The config with the request's stdio MCP servers added to its `mcp` table (`type: "local"`). */
export function withOpencodeMcp(config: JsonObject, servers: McpServers): JsonObject {
  if (Object.keys(servers).length === 0) return config;
  const ours = Object.fromEntries(
    Object.entries(servers).map(([name, server]) => [
      name,
      { type: 'local', command: [server.command, ...server.args], environment: server.env, enabled: true },
    ]),
  );
  return { ...config, mcp: { ...(asObject(config['mcp']) ?? {}), ...ours } };
}

async function buildCommand(request: AgentRequest): Promise<AgentCommand> {
  const model = modelFor(request);
  const config = withOpencodeMcp(
    opencodeConfig(
      request,
      request.env['OPENCODE_CONFIG_CONTENT'] ?? process.env['OPENCODE_CONFIG_CONTENT'],
      await writeOpencodePlugin(request),
    ),
    await readMcpServers(request.mcpConfigPath),
  );
  const args = [
    'run',
    '--format',
    'json',
    ...(model ? ['-m', model] : []),
    '--dir',
    request.cwd,
    ...request.settings.extra_args,
    await promptArgument(request),
  ];
  return {
    file: opencodeBackend.binary(request.settings),
    args,
    env: agentEnv(request, { OPENCODE_CONFIG_CONTENT: JSON.stringify(config) }),
    cwd: request.cwd,
  };
}

/** Tool errors that mean a permission rule refused the call. */
const DENIAL_TEXT =
  /rule which prevents|permission.*(denied|rejected)|rejected permission|PermissionDenied|PermissionRejected/i;

/** A rejection by opencode's external_directory permission (a path outside the worktree). */
const OUTSIDE_WORKTREE = /external_directory|outside (of )?the (project|working) directory/i;

/**
 * opencode's answer to a permission that would ask, which `run` rejects by itself. nightshift's bash
 * rules only allow or deny, so an ask is opencode's own: for a call naming an absolute path, its
 * external_directory check (opencode 1.18.33 says only "The user rejected permission to use this
 * specific tool call.", not the path).
 */
const ASK_REJECTED = /rejected permission to use this specific tool call/i;
const NAMES_ABSOLUTE_PATH = /(^|[\s'"=<>:])\/[^\s]/;

/** The parser for one opencode run. */
export function createOpencodeParser(): OutputParser {
  let sessionId: string | undefined;
  // Calls whose start nightshift's plugin announced: their finished line adds only the result.
  const started = new Set<string>();

  const start = (line: JsonObject): AgentEvent[] => {
    const raw = asString(line['tool']) ?? 'tool';
    const name = TOOL_NAMES[raw] ?? raw;
    const id = asString(line['callID']);
    if (id !== undefined) started.add(id);
    const input = summarizeToolCall(name, asObject(line['input']));
    return [{ type: 'tool-call', ...(id !== undefined && { id }), name, input }];
  };

  const tool = (part: JsonObject): AgentEvent[] => {
    const raw = asString(part['tool']) ?? 'tool';
    const name = TOOL_NAMES[raw] ?? raw;
    const id = asString(part['callID']) ?? asString(part['id']);
    const state = asObject(part['state']);
    const input = asObject(state?.['input']);
    const isError = asString(state?.['status']) === 'error';
    const text = asString(state?.['output']) ?? asString(state?.['error']) ?? '';
    const events: AgentEvent[] = [];
    // A call the plugin announced has its tool-call already: this line adds only the result.
    if (!(id !== undefined && started.delete(id)))
      events.push({
        type: 'tool-call',
        ...(id !== undefined && { id }),
        name,
        input: summarizeToolCall(name, input),
      });
    events.push({ type: 'tool-result', ...(id !== undefined && { id }), isError, text });
    const pluginDenial = text.indexOf(OPENCODE_PLUGIN_DENIAL);
    if (isError && pluginDenial !== -1) {
      // nightshift's policy plugin threw (opencode-plugin.ts); opencode goes on after it.
      const command = asString(input?.['command']) ?? summarizeToolCall(name, input);
      const reason = text.slice(pluginDenial + OPENCODE_PLUGIN_DENIAL.length);
      events.push({ type: 'denied', command, reason: oneLine(reason, 200) });
    } else if (isError && DENIAL_TEXT.test(text)) {
      const command = asString(input?.['command']) ?? summarizeToolCall(name, input);
      if (OUTSIDE_WORKTREE.test(text) || (ASK_REJECTED.test(text) && NAMES_ABSOLUTE_PATH.test(command))) {
        // Not the command policy: opencode refuses paths outside --dir (its external_directory
        // permission, rejected in `run` mode). A refusal all the same, in its own words.
        events.push({
          type: 'denied',
          by: 'opencode',
          command,
          reason: `opencode refused a path outside the worktree (${oneLine(text, 160)})`,
        });
      } else events.push({ type: 'denied', command, reason: oneLine(text, 200) });
    }
    return events;
  };

  const usage = (part: JsonObject): AgentEvent[] => {
    const tokens = asObject(part['tokens']);
    const cache = asObject(tokens?.['cache']);
    const n = (object: JsonObject | undefined, key: string): number => asNumber(object?.[key]) ?? 0;
    // Cache reads and writes count as input, as for claude; reasoning tokens are output.
    const tokensIn = n(tokens, 'input') + n(cache, 'read') + n(cache, 'write');
    const tokensOut = n(tokens, 'output') + n(tokens, 'reasoning');
    const costUsd = asNumber(part['cost']);
    if (!tokensIn && !tokensOut && !costUsd) return [];
    return [{ type: 'usage', tokensIn, tokensOut, ...(costUsd !== undefined && { costUsd }) }];
  };

  return {
    push: (raw) => {
      const line = parseJsonLine(raw);
      if (line === undefined) return [];
      const events: AgentEvent[] = [];
      const lineSession = asString(line['sessionID']);
      if (sessionId === undefined && lineSession !== undefined) {
        sessionId = lineSession;
        events.push({ type: 'init', sessionId });
      }
      const part = asObject(line['part']);
      switch (asString(line['type'])) {
        case 'text': {
          // opencode prints a step's words once its calls have started: they came before them.
          const late = started.size > 0;
          for (const event of textEvent(asString(part?.['text'])))
            events.push(late && event.type === 'text' ? { ...event, late } : event);
          break;
        }
        case 'tool_use':
          if (part) events.push(...tool(part));
          break;
        case OPENCODE_TOOL_START:
          events.push(...start(line));
          break;
        case 'step_finish':
          if (part) events.push(...usage(part));
          break;
        case 'error': {
          // An API error carries the HTTP status beside the provider's words (`{"name":"APIError",
          // "data":{"message":"Rate limit reached…","statusCode":429,…}}`): keep it, the outage
          // classifier reads it (agents/outage.ts).
          const error = asObject(line['error']);
          const data = asObject(error?.['data']);
          const status = asNumber(data?.['statusCode']);
          const text =
            asString(data?.['message']) ?? asString(error?.['name']) ?? 'opencode reported an error';
          const message =
            status === undefined
              ? text
              : `${text} (${asString(error?.['name']) ?? 'error'}, status ${status})`;
          events.push({ type: 'error', message });
          break;
        }
        default:
          // step_start, reasoning: nothing the board shows as an event.
          break;
      }
      return events;
    },
  };
}

/** OpenCode's terminal UI questions (only seen outside `run`). */
const OPENCODE_WAITING = [/Permission required/i];

/** The OpenCode backend. */
export const opencodeBackend: Backend = {
  name: 'opencode',
  simulated: false,
  binary: (settings) => settings.command || 'opencode',
  buildCommand,
  createParser: createOpencodeParser,
  classify: (input) => classifyAgent(input, OPENCODE_WAITING),
};
