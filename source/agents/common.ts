/**
 * Helpers shared by the four real CLI backends (claude, codex, gemini, opencode): reading their
 * JSON lines without `any`, one-line summaries of tool input, the shared state classifier, and the
 * reading of command-policy patterns that each backend translates into its CLI's own rule format.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AgentEvent, AgentRequest, ClassifyInput } from './backend.js';
import type { AgentState } from '../protocol/types.js';
import { assertNever } from '../errors.js';
import { oneLine } from '../text.js';

/** How long a tool call's summary may be in the board's action column. */
const ACTION_CHARS = 120;

/** A parsed JSON object whose fields are read through the guards below. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** The JSON object on one output line, or undefined for blank, non-JSON or non-object lines. */
export function parseJsonLine(line: string): JsonObject | undefined {
  const trimmed = line.trim();
  // CLIs print warnings and progress on the same stream; only object lines carry events.
  if (!trimmed.startsWith('{')) return undefined;
  try {
    return asObject(JSON.parse(trimmed));
  } catch {
    return undefined;
  }
}

/** `value` as an object, or undefined. */
export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** `value` as an array, or an empty one. */
export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `value` as a string, or undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `value` as a finite number, or undefined. */
export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Input keys that name what a tool acts on, most telling first. */
const SUMMARY_KEYS = [
  'command',
  'cmd',
  'file_path',
  'filePath',
  'absolute_path',
  'path',
  'notebook_path',
  'pattern',
  'url',
  'query',
  'description',
  'prompt',
] as const;

/**
 * A one-line summary of a tool call, e.g. `Bash: npm test` or `Write: src/app.py`.
 * `name` is the display name the backend chose for the tool.
 */
export function summarizeToolCall(name: string, input: unknown): string {
  const object = asObject(input);
  if (object === undefined) {
    const text = typeof input === 'string' ? input : '';
    return text ? `${name}: ${oneLine(text, ACTION_CHARS)}` : name;
  }
  for (const key of SUMMARY_KEYS) {
    const value = object[key];
    // Some CLIs pass argv arrays (codex's shell tool); join them like a shell line.
    if (Array.isArray(value) && value.every((part) => typeof part === 'string')) {
      return `${name}: ${oneLine(value.join(' '), ACTION_CHARS)}`;
    }
    const text = asString(value);
    if (text) return `${name}: ${oneLine(text, ACTION_CHARS)}`;
  }
  const json = JSON.stringify(object);
  return json === '{}' ? name : `${name}: ${oneLine(json, ACTION_CHARS)}`;
}

/** Commands that run a project's tests (the board shows these as `testing`). */
const TEST_COMMAND =
  /(^|[\s;&|(/])(npm (run )?test|npx (vitest|jest|mocha)|yarn test|pnpm (run )?test|bun test|vitest|jest|mocha|pytest|python3? -m (pytest|unittest)|go test|cargo test|cargo nextest|mvn test|gradle test|\.\/gradlew test|dotnet test|rspec|bundle exec rspec|rake test|phpunit|mix test|tox|nox|make (test|check)|ctest)(\s|$|[;&|)])/;

/** True when a tool-call summary looks like a test run (`Bash: npm test`, `Bash: pytest -q`). */
export function looksLikeTestRun(summary: string): boolean {
  return TEST_COMMAND.test(summary);
}

/** After this long without output an agent is `idle`; after STALLED_MS it is `stalled`. */
export const IDLE_MS = 10_000;
export const STALLED_MS = 60_000;

/** Questions any CLI may leave on screen while it waits for a person. */
const COMMON_WAITING = [
  /\(y\/n\)|\[y\/n\]|\(yes\/no\)|\[Y\/n\]|\[y\/N\]/i,
  /Do you want to (proceed|continue|allow|make this edit|create|run)/i,
  /Press enter to continue/i,
  /Allow (once|always)|Yes, allow|No, and tell/i,
];

/** Lines at the bottom of the screen the classifier inspects for a pending question. */
const SCREEN_TAIL_LINES = 12;

/**
 * The state classifier all four real backends share; `waiting` adds a CLI's own prompt patterns.
 * Order matters: an exited agent is exited whatever its screen says; a question on screen beats the
 * last event, since the CLI stops emitting events while it waits; idle time beats a stale event.
 */
export function classifyAgent(input: ClassifyInput, waiting: readonly RegExp[] = []): AgentState {
  if (input.exited) return 'exited';
  const tail = input.screen.split('\n').slice(-SCREEN_TAIL_LINES).join('\n');
  if ([...COMMON_WAITING, ...waiting].some((pattern) => pattern.test(tail))) return 'waiting-input';
  // A running tool (a test suite, a build) may be silent for minutes: it is working, not idle.
  const running = input.runningTool;
  if (running !== undefined) return looksLikeTestRun(running.input) ? 'testing' : 'tool';
  if (input.idleMs > STALLED_MS) return 'stalled';
  if (input.idleMs > IDLE_MS) return 'idle';
  const event = input.lastEvent;
  if (event === undefined) return 'starting';
  switch (event.type) {
    case 'tool-call':
      return looksLikeTestRun(event.input) ? 'testing' : 'tool';
    case 'init':
    case 'text':
    case 'tool-result':
    case 'usage':
    case 'denied':
    case 'error':
      return 'thinking';
    case 'result':
      return 'idle';
    default:
      return assertNever(event);
  }
}

/** Tool calls that have started and not finished, read from the structured stream. */
export interface ToolTracker {
  /** Feeds one event. */
  readonly push: (event: AgentEvent) => void;
  /** The most recently started tool call still running, or undefined. */
  readonly running: () => Extract<AgentEvent, { type: 'tool-call' }> | undefined;
}

/**
 * Tracks running tool calls: a `tool-call` opens one, its `tool-result` (same id; without ids, the
 * oldest open call) closes it. A denial, the agent's next words (unless `late`) or the final result
 * close all: the CLI has moved on (codex reports a refused command without a result, claude may not
 * answer a call it abandons). Usage events change nothing, so the usage claude sends right after a tool call does
 * not make a running tool look like thinking.
 */
export function createToolTracker(): ToolTracker {
  const open: Extract<AgentEvent, { type: 'tool-call' }>[] = [];
  return {
    push: (event) => {
      switch (event.type) {
        case 'tool-call':
          open.push(event);
          break;
        case 'tool-result': {
          const index = event.id === undefined ? 0 : open.findIndex((call) => call.id === event.id);
          if (index >= 0 && index < open.length) open.splice(index, 1);
          break;
        }
        case 'text':
          if (!event.late) open.length = 0;
          break;
        case 'denied':
        case 'result':
          open.length = 0;
          break;
        default:
          break;
      }
    },
    running: () => open.at(-1),
  };
}

/** One command-policy pattern as words, with `*` standing for any text (DESIGN.md §8). */
export interface PolicyPattern {
  /** The pattern with whitespace collapsed, e.g. `git push`, `curl * | sh`. */
  readonly text: string;
  /** The words before the first word with a `*` in it: the part a prefix rule can express. */
  readonly prefix: readonly string[];
  /** True when the pattern has a `*`, so a pure prefix rule would only approximate it. */
  readonly wildcard: boolean;
}

/**
 * Reads the policy's patterns. A pattern is a command prefix in words (`sudo`, `git push`,
 * `npm publish`); `*` matches any text (`curl * | sh`). Blank patterns are dropped.
 */
export function policyPatterns(patterns: readonly string[]): readonly PolicyPattern[] {
  const result: PolicyPattern[] = [];
  for (const raw of patterns) {
    const text = raw.replace(/\s+/g, ' ').trim();
    if (!text) continue;
    const words = text.split(' ');
    const firstWild = words.findIndex((word) => word.includes('*'));
    result.push({
      text,
      prefix: firstWild < 0 ? words : words.slice(0, firstWild),
      wildcard: firstWild >= 0,
    });
  }
  return result;
}

/** The patterns a backend must deny (blocklist) or allow (allowlist), per the policy's mode. */
export function activePatterns(request: AgentRequest): readonly PolicyPattern[] {
  return policyPatterns(
    request.policy.mode === 'blocklist' ? request.policy.blocked : request.policy.allowed,
  );
}

/** Why a command was denied, as the CLIs show it to the model. */
export function denyReason(pattern: string): string {
  return `nightshift policy: commands matching "${pattern}" are not allowed in this run`;
}

/** Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN); stay well under it. */
const MAX_ARGV_PROMPT_BYTES = 100_000;

/**
 * The prompt as one argv string. A prompt too long for argv goes to `<attemptDir>/prompt.md` and the
 * argv carries a short instruction to read it: all four CLIs take the prompt as an argument, and in
 * a pty their stdin is the terminal, not a pipe we could fill.
 */
export async function promptArgument(request: AgentRequest): Promise<string> {
  if (Buffer.byteLength(request.prompt) <= MAX_ARGV_PROMPT_BYTES) {
    // A prompt starting with "-" would be read as an option by every one of these CLIs.
    return request.prompt.startsWith('-') ? ` ${request.prompt}` : request.prompt;
  }
  const file = path.join(request.attemptDir, 'prompt.md');
  await writeFile(file, request.prompt);
  return `Your complete instructions are in the file ${file}. Read that whole file first, then do exactly what it says.`;
}

/** The environment nightshift's policy hook reads: passed to it in its own env by CLIs that sanitize theirs. */
const HOOK_ENV = ['NIGHTSHIFT_POLICY', 'NIGHTSHIFT_DENIALS_FILE', 'NIGHTSHIFT_TASK_ID', 'NIGHTSHIFT_ATTEMPT'];

/** The request's values of the variables nightshift's policy hook reads. */
export function hookEnv(request: AgentRequest): Record<string, string> {
  return Object.fromEntries(
    HOOK_ENV.flatMap((name) => (request.env[name] === undefined ? [] : [[name, request.env[name]]])),
  );
}

/** The env every backend adds: NIGHTSHIFT_* from the request plus the backend's own variables. */
export function agentEnv(
  request: AgentRequest,
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  return { ...request.env, ...extra };
}

/** The model for this role: `plan_model` for planning when set, else `model`; '' = CLI default. */
export function modelFor(request: AgentRequest): string {
  if (request.role === 'plan' && request.settings.plan_model) return request.settings.plan_model;
  return request.settings.model;
}

/** A text event, or nothing for empty text. */
export function textEvent(text: string | undefined): AgentEvent[] {
  return text && text.trim() ? [{ type: 'text', text }] : [];
}

/**
 * Parses JSON with comments (`//`, `/* *\/`) and trailing commas, as gemini and opencode accept in
 * their settings files. Throws like JSON.parse on anything else that is not JSON.
 */
export function parseJsonc(text: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (inString) {
      out += char;
      if (char === '\\') {
        out += text[i + 1] ?? '';
        i += 1;
      } else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i += 1;
      out += '\n';
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      out += ' ';
    } else out += char;
  }
  // Trailing commas before } or ], outside strings (the split keeps string literals whole).
  const parts = out.split(/("(?:[^"\\]|\\.)*")/);
  return JSON.parse(
    parts.map((part, index) => (index % 2 === 1 ? part : part.replace(/,(\s*[}\]])/g, '$1'))).join(''),
  );
}
