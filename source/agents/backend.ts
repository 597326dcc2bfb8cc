/**
 * One interface per agent CLI (DESIGN.md §4). A backend turns a prompt into a command, parses the
 * CLI's machine output into events, and classifies the agent's state. Every CLI-specific flag, event
 * shape and regex stays inside `agents/<name>.ts`. Backends know nothing of tasks beyond the prompt.
 */
import type { BackendName, BackendSettings } from '../config/schema.js';
import type { AgentState } from '../protocol/types.js';
import type { CommandPolicy } from '../security/command-policy.js';

/** Why an agent is being run. */
export type AgentRole = 'coding' | 'plan' | 'reflect' | 'review' | 'regression';

/** Everything a backend needs to build one agent invocation. */
export interface AgentRequest {
  readonly role: AgentRole;
  readonly prompt: string;
  /** Where the agent works (the attempt's worktree, or the repository root for planning). */
  readonly cwd: string;
  /** A private folder for this attempt: settings files, CODEX_HOME, policies, the .jsonl record. */
  readonly attemptDir: string;
  readonly settings: BackendSettings;
  readonly policy: CommandPolicy;
  /** NIGHTSHIFT_TASK_ID, NIGHTSHIFT_ATTEMPT, NIGHTSHIFT_RUN_ID and any test overrides. */
  readonly env: Readonly<Record<string, string>>;
  /** Path of an MCP server config for CLIs that take one, when the task tool server is wired in. */
  readonly mcpConfigPath?: string;
  /** The `nightshift` executable (node + script) hooks call back into, e.g. for pre-tool-use. */
  readonly nightshiftCommand: readonly string[];
  /**
   * True when nightshift's kernel sandbox (bwrap) holds the agent: a CLI with a sandbox of its own
   * (codex) then runs without it, so there is one sandbox, ours, and the CLI reports every command.
   */
  readonly sandboxed?: boolean;
}

/** A ready-to-spawn command. `stdout` carries the CLI's machine-readable output. */
export interface AgentCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** A structured event parsed from a CLI's machine output. */
export type AgentEvent =
  | { readonly type: 'init'; readonly sessionId?: string; readonly model?: string }
  /**
   * `late`: words the model said before the calls still running, printed only after they started
   * (opencode); they do not mean those calls have finished.
   */
  | { readonly type: 'text'; readonly text: string; readonly late?: boolean }
  | { readonly type: 'tool-call'; readonly id?: string; readonly name: string; readonly input: string }
  | { readonly type: 'tool-result'; readonly id?: string; readonly isError: boolean; readonly text: string }
  | {
      readonly type: 'usage';
      readonly tokensIn: number;
      readonly tokensOut: number;
      readonly costUsd?: number;
    }
  | {
      readonly type: 'result';
      readonly ok: boolean;
      readonly text: string;
      readonly costUsd?: number;
      readonly sessionId?: string;
      readonly turns?: number;
    }
  /**
   * A refused command. `by`: who refused it when not nightshift's policy (the CLI's own check, e.g.
   * `opencode` refusing a path outside its worktree); the run line says "denied by BY".
   */
  | { readonly type: 'denied'; readonly command: string; readonly reason: string; readonly by?: string }
  /** `warning`: the CLI went on (codex's "Reconnecting…", a missing model's metadata). */
  | { readonly type: 'error'; readonly message: string; readonly warning?: boolean };

/** Turns a CLI's output, one line at a time, into events. Stateful per attempt. */
export interface OutputParser {
  /** One complete line of the CLI's stdout (without the newline). Non-JSON lines may yield nothing. */
  readonly push: (line: string) => readonly AgentEvent[];
  /**
   * One line the CLI printed on its terminal (stderr and stdout both, ANSI codes removed), for what
   * a CLI reports only there (codex's policy refusals). Optional; JSON lines come through `push`.
   */
  readonly terminal?: (line: string) => readonly AgentEvent[];
}

/** What the state classifier sees. */
export interface ClassifyInput {
  /** The visible screen of the agent's virtual terminal. */
  readonly screen: string;
  /** The most recent structured event, if any. */
  readonly lastEvent: AgentEvent | undefined;
  /**
   * The tool call that has started and not yet finished, if any (see `createToolTracker`): while a
   * tool runs the agent is `tool` or `testing`, never `idle`, however quiet the tool is.
   */
  readonly runningTool?: Extract<AgentEvent, { type: 'tool-call' }>;
  /** Milliseconds since the agent last produced any output. */
  readonly idleMs: number;
  readonly exited: boolean;
}

/** One agent CLI. */
export interface Backend {
  readonly name: BackendName;
  /** True for the simulated agent; everything that shows it says "simulated". */
  readonly simulated: boolean;
  /** The CLI's executable name on PATH (or the configured `command`). */
  readonly binary: (settings: BackendSettings) => string;
  /** Builds the command; may write per-attempt files (settings, policies) into `attemptDir`. */
  readonly buildCommand: (request: AgentRequest) => Promise<AgentCommand>;
  readonly createParser: () => OutputParser;
  readonly classify: (input: ClassifyInput) => AgentState;
}

/** The agent CLIs, with the npm package that installs each. */
export const BACKEND_PACKAGES: Readonly<Record<Exclude<BackendName, 'sim'>, string>> = {
  claude: '@anthropic-ai/claude-code',
  codex: '@openai/codex',
  gemini: '@google/gemini-cli',
  opencode: 'opencode-ai',
};
