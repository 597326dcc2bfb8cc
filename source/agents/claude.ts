/**
 * Claude Code (`@anthropic-ai/claude-code`, checked with 2.1.197). Runs
 * `claude -p PROMPT --output-format stream-json --verbose --permission-mode dontAsk --settings FILE`
 * and reads its stream-json lines: `system/init`, `assistant`, `user`, `result` (DESIGN.md §4).
 *
 * Permissions: `--permission-mode dontAsk` denies every tool use that no allow rule covers and never
 * prompts, so the settings file allows the usual tools and denies the policy's commands. It is used
 * instead of `--dangerously-skip-permissions`, which refuses to start as root unless IS_SANDBOX=1;
 * dontAsk behaves the same as root or not, so nightshift never sets IS_SANDBOX. The PreToolUse hook
 * (`nightshift hook pre-tool-use`) is the real guard: rules match prefixes, the hook sees the whole
 * command line (DESIGN.md §8).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
  modelFor,
  parseJsonLine,
  promptArgument,
  summarizeToolCall,
  textEvent,
  type JsonObject,
  type PolicyPattern,
} from './common.js';
import { oneLine, shellCommand } from '../text.js';

/** Tools a coding agent needs; everything else is denied by dontAsk mode. */
const ALLOWED_TOOLS = [
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
] as const;

/** A permission rule for one policy pattern: `Bash(git push:*)` (prefix) or `Bash(curl * | sh)`. */
export function claudeBashRule(pattern: PolicyPattern): string {
  return pattern.wildcard ? `Bash(${pattern.text})` : `Bash(${pattern.text}:*)`;
}

/** The content of `<attemptDir>/claude-settings.json`. */
export function claudeSettings(request: AgentRequest, mcpServers: readonly string[] = []): JsonObject {
  const patterns = activePatterns(request);
  const blocklist = request.policy.mode === 'blocklist';
  const allow = [
    ...ALLOWED_TOOLS,
    // Allowlist mode allows only the listed commands; dontAsk denies every other Bash call.
    ...(blocklist ? ['Bash'] : patterns.map(claudeBashRule)),
    ...mcpServers.map((name) => `mcp__${name}`),
  ];
  const deny = blocklist ? patterns.map(claudeBashRule) : [];
  return {
    permissions: { allow, deny },
    hooks: {
      PreToolUse: [
        {
          matcher: 'Bash',
          hooks: [
            {
              type: 'command',
              command: shellCommand([...request.nightshiftCommand, 'hook', 'pre-tool-use']),
            },
          ],
        },
      ],
    },
  };
}

/** Names of the servers in an MCP config file, so their tools can be allowed; [] when unreadable. */
async function mcpServerNames(file: string | undefined): Promise<readonly string[]> {
  if (file === undefined) return [];
  try {
    const servers = asObject(asObject(JSON.parse(await readFile(file, 'utf8')))?.['mcpServers']);
    return servers ? Object.keys(servers) : [];
  } catch {
    // A broken config is claude's to report (it names the file); the servers just stay unallowed.
    return [];
  }
}

async function buildCommand(request: AgentRequest): Promise<AgentCommand> {
  const settingsPath = path.join(request.attemptDir, 'claude-settings.json');
  // `run --dry-run` builds the command before any attempt folder exists.
  await mkdir(request.attemptDir, { recursive: true });
  const settings = claudeSettings(request, await mcpServerNames(request.mcpConfigPath));
  await writeFile(settingsPath, `${JSON.stringify(settings, null, 2)}\n`);
  const model = modelFor(request);
  const args = [
    '-p',
    await promptArgument(request),
    '--output-format',
    'stream-json',
    // stream-json in print mode requires --verbose (claude exits with an error without it).
    '--verbose',
    '--permission-mode',
    'dontAsk',
    ...(model ? ['--model', model] : []),
    '--settings',
    settingsPath,
    ...(request.mcpConfigPath ? ['--mcp-config', request.mcpConfigPath] : []),
    ...request.settings.extra_args,
  ];
  return {
    file: claudeBackend.binary(request.settings),
    args,
    // ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY come through the parent env the engine passes on.
    env: agentEnv(request, {
      // The pre-tool-use hook reads the policy from here (security/load-policy.ts).
      NIGHTSHIFT_POLICY: JSON.stringify(request.policy),
      // An unattended run must not update the CLI under itself.
      DISABLE_AUTOUPDATER: '1',
    }),
    cwd: request.cwd,
  };
}

/** Input, output and cache tokens of a usage object; cache reads and writes count as input. */
function usageTotals(usage: JsonObject | undefined): { tokensIn: number; tokensOut: number } {
  const n = (key: string): number => asNumber(usage?.[key]) ?? 0;
  return {
    tokensIn: n('input_tokens') + n('cache_creation_input_tokens') + n('cache_read_input_tokens'),
    tokensOut: n('output_tokens'),
  };
}

/**
 * Tool results that mean the policy (hook or deny rule) stopped the call, not that it failed. Claude
 * 2.1 runs the PreToolUse hook before its own rules and passes the hook's reason on verbatim as the
 * tool_result, so nightshift's own reasons (security/builtin-rules.ts, policy.ts) are listed too.
 */
const DENIAL_TEXT =
  /has been denied|nightshift policy|blocked by (a )?(hook|policy)|PreToolUse.*(denied|blocked)|blocked by (this project's )?nightshift|nightshift in allowlist mode|not allowed: in allowlist mode|nightshift could not check|for nightshift to check/i;

/** The parser for one claude run. */
export function createClaudeParser(): OutputParser {
  // Usage events are summed by the engine; claude repeats a message's usage on every content block
  // of that message, so only the growth since the last report of the same message is emitted.
  const reported = new Map<string, { tokensIn: number; tokensOut: number }>();
  const total = { tokensIn: 0, tokensOut: 0 };
  const toolInputs = new Map<string, string>();
  const denied = new Set<string>();

  const usageDelta = (key: string, usage: { tokensIn: number; tokensOut: number }): AgentEvent[] => {
    const before = reported.get(key) ?? { tokensIn: 0, tokensOut: 0 };
    const delta = {
      tokensIn: Math.max(0, usage.tokensIn - before.tokensIn),
      tokensOut: Math.max(0, usage.tokensOut - before.tokensOut),
    };
    reported.set(key, {
      tokensIn: Math.max(before.tokensIn, usage.tokensIn),
      tokensOut: Math.max(before.tokensOut, usage.tokensOut),
    });
    if (delta.tokensIn === 0 && delta.tokensOut === 0) return [];
    total.tokensIn += delta.tokensIn;
    total.tokensOut += delta.tokensOut;
    return [{ type: 'usage', ...delta }];
  };

  const assistant = (message: JsonObject): AgentEvent[] => {
    const events: AgentEvent[] = [];
    for (const part of asArray(message['content']).map(asObject)) {
      if (part === undefined) continue;
      const kind = asString(part['type']);
      if (kind === 'text') events.push(...textEvent(asString(part['text'])));
      else if (kind === 'tool_use') {
        const name = asString(part['name']) ?? 'tool';
        const id = asString(part['id']);
        const input = summarizeToolCall(name, part['input']);
        if (id !== undefined) toolInputs.set(id, input);
        events.push({ type: 'tool-call', ...(id !== undefined && { id }), name, input });
      }
    }
    const usage = asObject(message['usage']);
    if (usage)
      events.push(...usageDelta(asString(message['id']) ?? `message-${reported.size}`, usageTotals(usage)));
    return events;
  };

  const toolResults = (message: JsonObject): AgentEvent[] => {
    const events: AgentEvent[] = [];
    for (const part of asArray(message['content']).map(asObject)) {
      if (part === undefined || asString(part['type']) !== 'tool_result') continue;
      const id = asString(part['tool_use_id']);
      const isError = part['is_error'] === true;
      const text = resultText(part['content']);
      events.push({ type: 'tool-result', ...(id !== undefined && { id }), isError, text });
      if (isError && DENIAL_TEXT.test(text) && id !== undefined && !denied.has(id)) {
        denied.add(id);
        events.push({
          type: 'denied',
          command: commandOf(toolInputs.get(id) ?? ''),
          reason: oneLine(text, 200),
        });
      }
    }
    return events;
  };

  const result = (line: JsonObject): AgentEvent[] => {
    const events: AgentEvent[] = [];
    for (const denial of asArray(line['permission_denials']).map(asObject)) {
      const id = asString(denial?.['tool_use_id']);
      if (denial === undefined || (id !== undefined && denied.has(id))) continue;
      if (id !== undefined) denied.add(id);
      const summary = summarizeToolCall(asString(denial['tool_name']) ?? 'tool', denial['tool_input']);
      events.push({ type: 'denied', command: commandOf(summary), reason: 'denied by permission rules' });
    }
    // The result's usage is the run's total; report what the per-message usage missed.
    const final = usageTotals(asObject(line['usage']));
    const missing = {
      tokensIn: Math.max(0, final.tokensIn - total.tokensIn),
      tokensOut: Math.max(0, final.tokensOut - total.tokensOut),
    };
    if (missing.tokensIn > 0 || missing.tokensOut > 0) events.push(...usageDelta('result', missing));
    const subtype = asString(line['subtype']) ?? '';
    const ok = subtype === 'success' && line['is_error'] !== true;
    const text = asString(line['result']) ?? asArray(line['errors']).map(String).join('\n');
    const costUsd = asNumber(line['total_cost_usd']);
    const sessionId = asString(line['session_id']);
    const turns = asNumber(line['num_turns']);
    events.push({
      type: 'result',
      ok,
      text: text || subtype,
      ...(costUsd !== undefined && { costUsd }),
      ...(sessionId !== undefined && { sessionId }),
      ...(turns !== undefined && { turns }),
    });
    return events;
  };

  return {
    push: (raw) => {
      const line = parseJsonLine(raw);
      if (line === undefined) return [];
      const message = asObject(line['message']);
      switch (asString(line['type'])) {
        case 'system': {
          // Claude retries a failing API itself and says so: an outage in progress (agents/outage.ts).
          if (asString(line['subtype']) === 'api_retry') return [apiRetry(line)];
          if (asString(line['subtype']) !== 'init') return [];
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
        case 'assistant':
          return message ? assistant(message) : [];
        case 'user':
          return message ? toolResults(message) : [];
        case 'result':
          return result(line);
        default:
          return [];
      }
    },
  };
}

/** `{"type":"system","subtype":"api_retry","attempt":4,"max_retries":10,"error_status":500,"error":"server_error"}`. */
function apiRetry(line: JsonObject): AgentEvent {
  const status = asNumber(line['error_status']);
  const error = asString(line['error']) ?? 'error';
  const attempt = asNumber(line['attempt']);
  const max = asNumber(line['max_retries']);
  const count = attempt !== undefined ? ` ${attempt}${max !== undefined ? `/${max}` : ''}` : '';
  // No HTTP status: no answer at all (connection refused, reset, DNS, a timeout); claude says only
  // "unknown" then, so the message names what it means: the API cannot be reached (agents/outage.ts).
  const what = status !== undefined ? `${status} ${error}` : `connection failed, no response (${error})`;
  return { type: 'error', message: `API Error: ${what} (claude retries${count})` };
}

/** A tool_result's content: a string, or text parts. */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((part) => asString(asObject(part)?.['text']) ?? '')
    .filter(Boolean)
    .join('\n');
}

/** The command of a `Bash: cmd` summary; other summaries stay whole. */
function commandOf(summary: string): string {
  return summary.startsWith('Bash: ') ? summary.slice('Bash: '.length) : summary;
}

/** Questions Claude Code's terminal UI asks (only seen if it leaves print mode). */
const CLAUDE_WAITING = [/Do you trust the files in this folder/i, /❯ 1\. Yes/];

/** The Claude Code backend. */
export const claudeBackend: Backend = {
  name: 'claude',
  simulated: false,
  binary: (settings) => settings.command || 'claude',
  buildCommand,
  createParser: createClaudeParser,
  classify: (input) => classifyAgent(input, CLAUDE_WAITING),
};
