/**
 * Scripted agents for the fake Anthropic server. A scenario reads the conversation so far — the
 * user's prompt, the system prompt (for the working directory) and the tool_result blocks — and
 * returns the next assistant turn, so a denied command's reason reaches it like a real model.
 */
import path from 'node:path';
import {
  contentText,
  toolResultsOf,
  type AssistantTurn,
  type MessagesRequest,
  type Scenario,
} from './fake-anthropic.js';

/** The text of the user's first message: the prompt the agent was started with. */
export function promptText(request: MessagesRequest): string {
  const first = request.messages.find((m) => m.role === 'user');
  return first === undefined ? '' : contentText(first.content);
}

/** The system prompt as one string. */
export function systemText(request: MessagesRequest): string {
  const system = request.system;
  if (system === undefined) return '';
  return typeof system === 'string' ? system : system.map((b) => b.text ?? '').join('\n');
}

/** The working directory claude reports in its system prompt ("Primary working directory: …"). */
export function workingDirectory(request: MessagesRequest): string | undefined {
  return /working directory:\s*(\S+)/i.exec(systemText(request))?.[1];
}

/** How many assistant turns the conversation already has: the index of the step to take now. */
export function stepIndex(request: MessagesRequest): number {
  return request.messages.filter((m) => m.role === 'assistant').length;
}

/** The tool_results of the last user message (the answers to the previous turn's tool calls). */
export function lastToolResults(request: MessagesRequest): ReturnType<typeof toolResultsOf> {
  const last = request.messages.at(-1);
  return last === undefined ? [] : toolResultsOf({ ...request, messages: [last] });
}

/**
 * The attempt number the prompt names (`attempt 2`, `Attempt: 3`, `NIGHTSHIFT_ATTEMPT=2`); 1 when
 * it names none.
 */
export function attemptFromPrompt(request: MessagesRequest): number {
  const match = /(?:NIGHTSHIFT_ATTEMPT\s*[=:]\s*|\battempt\s*(?:#|no\.?|number|:)?\s*)(\d+)/i.exec(
    promptText(request),
  );
  return match?.[1] === undefined ? 1 : Number(match[1]);
}

/** Runs one step per assistant turn; after the last step it ends with a summary of tool results. */
export function steps(list: readonly ((request: MessagesRequest) => AssistantTurn)[]): Scenario {
  return (request) => {
    const step = list[stepIndex(request)];
    if (step) return step(request);
    const results = lastToolResults(request);
    return text(
      `Done. ${results
        .map((r) => r.text)
        .join(' ')
        .slice(0, 400)}`,
    );
  };
}

/** A text-only turn (ends the agent's loop). */
export function text(value: string): AssistantTurn {
  return { content: [{ type: 'text', text: value }] };
}

/** A turn that calls one tool, with a line of narration first. */
export function tool(
  name: string,
  input: Readonly<Record<string, unknown>>,
  narration = `Using ${name}.`,
): AssistantTurn {
  return {
    content: [
      { type: 'text', text: narration },
      { type: 'tool_use', name, input },
    ],
  };
}

/**
 * Claude's Write tool wants absolute paths. Never fall back to the test runner's cwd: that would
 * write into the nightshift checkout. Without a known working directory the path stays relative.
 */
function absolute(request: MessagesRequest, file: string): string {
  const cwd = workingDirectory(request);
  return path.isAbsolute(file) || cwd === undefined ? file : path.join(cwd, file);
}

/** Options of {@link writesPassingCode}. */
export interface WriteOptions {
  /** Path relative to the agent's working directory (or absolute). */
  readonly file: string;
  readonly content: string;
  /** The check to run with Bash after writing; empty to skip. Default `npm test`. */
  readonly testCommand?: string;
}

/** Writes `file` with the Write tool, runs the test command with Bash, then summarizes. */
export function writesPassingCode(options: WriteOptions): Scenario {
  const testCommand = options.testCommand ?? 'npm test';
  return steps([
    (r) =>
      tool(
        'Write',
        { file_path: absolute(r, options.file), content: options.content },
        `Writing ${options.file}.`,
      ),
    ...(testCommand
      ? [
          (_r: MessagesRequest) =>
            tool('Bash', { command: testCommand, description: 'Run the tests' }, 'Running the tests.'),
        ]
      : []),
    (r) =>
      text(
        `Wrote ${options.file}${testCommand ? ` and ran \`${testCommand}\`` : ''}. ${lastToolResults(r)
          .map((t) => t.text)
          .join(' ')
          .slice(0, 300)}`,
      ),
  ]);
}

/** Options of {@link failsThenPasses}. */
export interface FailsThenPassesOptions extends WriteOptions {
  /** What attempts before `passOnAttempt` write instead of `content`. */
  readonly wrongContent: string;
  /** The first attempt that writes the right content; default 2. */
  readonly passOnAttempt?: number;
}

/**
 * Attempt 1 writes wrong content, a later attempt writes the right one. The attempt is read from the
 * user prompt (see {@link attemptFromPrompt}), so each new session decides afresh.
 */
export function failsThenPasses(options: FailsThenPassesOptions): Scenario {
  const pass = options.passOnAttempt ?? 2;
  const right = writesPassingCode(options);
  const wrong = writesPassingCode({ ...options, content: options.wrongContent });
  return (request) => (attemptFromPrompt(request) >= pass ? right(request) : wrong(request));
}

/** The reply the blocked-command scenario ends with; tests look for it. */
export const DENIED_SUMMARY_PREFIX = 'The command was denied:';

/**
 * Tries `git push origin main` (or `command`) with Bash, reads the tool_result, and finishes by
 * quoting the denial — or by saying it ran, if nothing denied it.
 */
export function triesBlockedCommand(command = 'git push origin main'): Scenario {
  return steps([
    () => tool('Bash', { command, description: 'Push the work' }, 'Pushing the branch.'),
    (r) => {
      const result = lastToolResults(r)[0];
      const reply = result?.text ?? '';
      return /blocked|denied/i.test(reply)
        ? text(`${DENIED_SUMMARY_PREFIX} ${reply}`)
        : text(`The command ran: ${reply}`);
    },
  ]);
}

/** Picks a scenario by a `scenario: NAME` line in the prompt, for runs that mix several. */
export function byPromptMarker(
  scenarios: Readonly<Record<string, Scenario>>,
  fallback: Scenario = () => text('Nothing to do.'),
): Scenario {
  return (request) => {
    const name = /scenario:\s*([\w-]+)/.exec(promptText(request))?.[1];
    return (name === undefined ? undefined : scenarios[name])?.(request) ?? fallback(request);
  };
}
