/**
 * The hook every CLI runs before a shell command (DESIGN.md §8): claude's and codex's PreToolUse,
 * gemini's BeforeTool. The CLI runs `nightshift hook pre-tool-use` with a JSON description of the
 * call on stdin; for a command the policy denies, the hook prints the CLI's deny answer and exits 0
 * — PreToolUse: `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny",
 * "permissionDecisionReason":"…"}}`; BeforeTool: `{"decision":"deny","reason":"…"}` — and the CLI
 * skips the tool and shows the reason to the model. Allowed calls print nothing, so the CLI's own
 * rules still apply.
 */
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import type { CommandPolicy } from './command-policy.js';
import { checkSecretPath } from './builtin-rules.js';
import { loadPolicy } from './load-policy.js';
import { evaluateCommand } from './policy.js';

/** The fields of claude's hook input that nightshift reads. */
export interface PreToolUseInput {
  readonly session_id?: string;
  readonly cwd?: string;
  readonly hook_event_name?: string;
  readonly tool_name?: string;
  readonly tool_input?: Readonly<Record<string, unknown>>;
}

/** The JSON a hook prints to deny a call: PreToolUse (claude, codex) or BeforeTool (gemini). */
type PreToolUseDenyOutput =
  | {
      readonly hookSpecificOutput: {
        readonly hookEventName: 'PreToolUse';
        readonly permissionDecision: 'deny';
        readonly permissionDecisionReason: string;
      };
    }
  | { readonly decision: 'deny'; readonly reason: string };

/** One line of `$NIGHTSHIFT_DENIALS_FILE`: what was denied, where, and why. */
export interface DenialRecord {
  readonly time: string;
  readonly tool: string;
  /** The whole command (or file path) the agent asked for. */
  readonly command: string;
  /** The part of it a rule denied, e.g. `git push origin main` out of `git add . && git push origin main`. */
  readonly denied: string;
  readonly reason: string;
  readonly cwd: string;
  readonly sessionId?: string;
  readonly taskId?: string;
  readonly attempt?: string;
}

/** Shell tools by CLI: claude's and codex's `Bash`, gemini's `run_shell_command`. */
const SHELL_TOOLS = new Set(['Bash', 'run_shell_command']);

/** Tools whose input names a file; they are checked against the secret folders (~/.ssh, …). */
const FILE_TOOLS = new Set(['Read', 'Write', 'Edit', 'MultiEdit', 'NotebookEdit', 'Glob', 'Grep', 'LS']);

function stringField(record: Readonly<Record<string, unknown>> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** Decides one tool call; returns the denial (command, denied part, reason) or undefined to allow. */
export function judgeToolCall(
  input: PreToolUseInput,
  policy: CommandPolicy,
  cwd: string,
): { command: string; denied: string; reason: string } | undefined {
  const tool = input.tool_name ?? '';
  if (SHELL_TOOLS.has(tool)) {
    const command = stringField(input.tool_input, 'command') ?? '';
    try {
      const verdict = evaluateCommand(policy, command, { cwd });
      if (verdict.decision === 'allow') return undefined;
      return { command, denied: verdict.command ?? command, reason: verdict.reason };
    } catch (error) {
      // Fail closed: a command nightshift cannot read is not one it lets run unattended.
      return {
        command,
        denied: command,
        reason: `nightshift could not check this command (${String(error)}), so it is blocked. Try a simpler command.`,
      };
    }
  }
  if (FILE_TOOLS.has(tool)) {
    const target =
      stringField(input.tool_input, 'file_path') ??
      stringField(input.tool_input, 'path') ??
      stringField(input.tool_input, 'notebook_path');
    const reason = target === undefined ? undefined : checkSecretPath(target, { cwd, home: os.homedir() });
    if (reason !== undefined && target !== undefined) return { command: target, denied: target, reason };
  }
  return undefined;
}

/** The hook's stdout for a denial, in the shape of the event that called it. */
function denyOutput(reason: string, event = 'PreToolUse'): PreToolUseDenyOutput {
  if (event === 'BeforeTool') return { decision: 'deny', reason };
  return {
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: 'deny',
      permissionDecisionReason: reason,
    },
  };
}

/** The outcome of one hook call: text for stdout, and diagnostics for stderr. */
export interface HookResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the hook on the CLI's stdin text; appends denials to `NIGHTSHIFT_DENIALS_FILE` when set. */
export function runPreToolUse(
  stdinText: string,
  env: Readonly<Record<string, string | undefined>>,
  processCwd: string,
): HookResult {
  let input: PreToolUseInput;
  try {
    const parsed: unknown = JSON.parse(stdinText);
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not a JSON object');
    input = parsed;
  } catch (error) {
    // Exit 0 with no decision would allow; claude treats a hook error as non-blocking anyway, so say why.
    return {
      stdout: '',
      stderr: `nightshift hook pre-tool-use: cannot read the hook input: ${String(error)}\n`,
    };
  }
  const cwd = typeof input.cwd === 'string' && input.cwd !== '' ? input.cwd : processCwd;
  const loaded = loadPolicy(env, cwd);
  const warning = loaded.warning ? `nightshift hook pre-tool-use: ${loaded.warning}\n` : '';
  const denial = judgeToolCall(input, loaded.policy, cwd);
  if (denial === undefined) return { stdout: '', stderr: warning };
  const file = env['NIGHTSHIFT_DENIALS_FILE'];
  let stderr = warning;
  if (file) {
    const record: DenialRecord = {
      time: new Date().toISOString(),
      tool: input.tool_name ?? '',
      command: denial.command,
      denied: denial.denied,
      reason: denial.reason,
      cwd,
      ...(input.session_id === undefined ? {} : { sessionId: input.session_id }),
      ...(env['NIGHTSHIFT_TASK_ID'] === undefined ? {} : { taskId: env['NIGHTSHIFT_TASK_ID'] }),
      ...(env['NIGHTSHIFT_ATTEMPT'] === undefined ? {} : { attempt: env['NIGHTSHIFT_ATTEMPT'] }),
    };
    try {
      // One appendFileSync per line: O_APPEND keeps concurrent agents' lines whole.
      appendFileSync(file, `${JSON.stringify(record)}\n`);
    } catch (error) {
      stderr += `nightshift hook pre-tool-use: cannot record the denial in ${file}: ${String(error)}\n`;
    }
  }
  return { stdout: `${JSON.stringify(denyOutput(denial.reason, input.hook_event_name))}\n`, stderr };
}
