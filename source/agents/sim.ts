/**
 * The `sim` backend: nightshift's own simulated coding agent (DESIGN.md §4), which needs no model
 * and no API key. The program is `sim-agent.ts`; this module builds its command, defines and parses
 * its output format, and classifies its state.
 *
 * Command: `node dist/agents/sim-agent.js -p PROMPT [extra_args…]`, or `--prompt-file FILE` when the
 * prompt is too long for one argv string (Linux caps a single argument at 128 KiB).
 * The script is resolved next to this compiled module (dist/agents/). Run from source (vitest),
 * there is no sim-agent.js beside sim.ts, so the built `dist/agents/sim-agent.js` is used: run
 * `npm run build` before tests that start the sim.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, assertNever } from '../errors.js';
import type { AgentState } from '../protocol/types.js';
import type { AgentEvent, Backend, ClassifyInput, OutputParser } from './backend.js';
import { modelFor } from './common.js';

/**
 * One line of the sim's stdout (JSON). Its own format, not any real CLI's:
 * `init` first, then `text`, `tool_use`/`tool_result` pairs, `usage` after each step, and a final
 * `result`; `error` for a problem before the result.
 */
export type SimLine =
  | {
      readonly type: 'init';
      readonly session_id: string;
      /** 'sim', or the model setting it was given. */
      readonly model: string;
      readonly simulated: true;
      readonly attempt: number;
      readonly task_id: string;
    }
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: string }
  | { readonly type: 'tool_result'; readonly id: string; readonly is_error: boolean; readonly output: string }
  | { readonly type: 'question'; readonly text: string }
  | {
      readonly type: 'usage';
      readonly input_tokens: number;
      readonly output_tokens: number;
      readonly cost_usd: number;
    }
  | {
      readonly type: 'result';
      readonly ok: boolean;
      readonly text: string;
      readonly session_id: string;
      readonly turns: number;
      readonly cost_usd: number;
    }
  | { readonly type: 'error'; readonly message: string };

/** The banner the sim prints on its terminal (stderr) before anything else. */
export const SIM_BANNER = 'nightshift sim agent (simulated — no model)';
/** The question `sim: ask` prints; the classifier recognises it on the screen. */
export const SIM_QUESTION = 'Apply the simulated changes? [y/N]';

// Prompts longer than this go through a file: MAX_ARG_STRLEN is 128 KiB per argument on Linux.
const MAX_ARGV_PROMPT = 100_000;
// With no output for this long, a running sim is shown as stalled (an idle timeout ends it later).
const STALLED_MS = 30_000;

/** Path of the compiled sim program; throws a UserError when it has not been built. */
export function simAgentScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, 'sim-agent.js');
  if (existsSync(beside)) return beside;
  // Running from source/agents/ (vitest): use the build output of the same tree.
  const built = path.resolve(here, '..', '..', 'dist', 'agents', 'sim-agent.js');
  if (existsSync(built)) return built;
  throw new UserError(`The simulated agent is not built: ${built} is missing`, {
    hint: 'Run npm run build.',
  });
}

/** Parses the sim's JSON lines into events. Non-JSON lines (none expected) yield nothing. */
export function createSimParser(): OutputParser {
  return {
    push: (line) => {
      const parsed = parseJson(line);
      return parsed ? simLineToEvents(parsed) : [];
    },
  };
}

function parseJson(line: string): SimLine | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'object' &&
      value !== null &&
      typeof (value as { type?: unknown }).type === 'string'
      ? (value as SimLine)
      : undefined;
  } catch {
    return undefined;
  }
}

function simLineToEvents(line: SimLine): AgentEvent[] {
  switch (line.type) {
    case 'init':
      return [{ type: 'init', sessionId: line.session_id, model: line.model }];
    case 'text':
    case 'question':
      return [{ type: 'text', text: line.text }];
    case 'tool_use':
      return [{ type: 'tool-call', id: line.id, name: line.name, input: line.input }];
    case 'tool_result':
      return [{ type: 'tool-result', id: line.id, isError: line.is_error, text: line.output }];
    case 'usage':
      return [
        { type: 'usage', tokensIn: line.input_tokens, tokensOut: line.output_tokens, costUsd: line.cost_usd },
      ];
    case 'result':
      return [
        {
          type: 'result',
          ok: line.ok,
          text: line.text,
          costUsd: line.cost_usd,
          sessionId: line.session_id,
          turns: line.turns,
        },
      ];
    case 'error':
      return [{ type: 'error', message: line.message }];
    default:
      // A line from a newer sim (or a stray object): ignore rather than fail the attempt.
      return [];
  }
}

const TEST_COMMAND =
  /\b(test|tests|pytest|vitest|jest|mocha|cargo test|go test|npm (run )?test|make check)\b/;

/** Classifies the sim's state from its screen and last event. */
export function classifySim(input: ClassifyInput): AgentState {
  if (input.exited) return 'exited';
  const lastLine = input.screen.trimEnd().split('\n').pop() ?? '';
  if (lastLine.includes(SIM_QUESTION)) return 'waiting-input';
  const event = input.lastEvent;
  if (event === undefined) return 'starting';
  if (input.idleMs >= STALLED_MS) return 'stalled';
  switch (event.type) {
    case 'init':
      return 'starting';
    case 'tool-call':
      return TEST_COMMAND.test(event.input) ? 'testing' : 'tool';
    case 'text':
    case 'tool-result':
    case 'usage':
      return 'thinking';
    case 'result':
    case 'error':
    case 'denied':
      return 'idle';
    default:
      return assertNever(event);
  }
}

/** The simulated agent backend. */
export const simBackend: Backend = {
  name: 'sim',
  simulated: true,
  binary: (settings) => settings.command || process.execPath,
  buildCommand: async (request) => {
    const script = simAgentScript();
    let promptArgs = ['-p', request.prompt];
    if (Buffer.byteLength(request.prompt) > MAX_ARGV_PROMPT) {
      const file = path.join(request.attemptDir, 'sim-prompt.md');
      await writeFile(file, request.prompt);
      promptArgs = ['--prompt-file', file];
    }
    return {
      file: request.settings.command || process.execPath,
      args: [
        script,
        ...promptArgs,
        ...(modelFor(request) ? ['--model', modelFor(request)] : []),
        ...request.settings.extra_args,
      ],
      env: { ...request.env },
      cwd: request.cwd,
    };
  },
  createParser: createSimParser,
  classify: classifySim,
};
