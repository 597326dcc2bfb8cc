/**
 * opencode's part of the parsing policy layer (DESIGN.md §8): a plugin whose `tool.execute.before`
 * hook runs `nightshift hook pre-tool-use` (the parser claude's PreToolUse hook uses) before each
 * bash call and throws to refuse one. opencode then records the call as a tool error with the
 * thrown message, and the model goes on. The file is plain JavaScript with only node builtins, so
 * opencode needs no npm install to load it; it lives in the attempt's folder, never the worktree.
 *
 * The same hook says when a call starts: opencode prints a tool call only once it has finished, so
 * a silent test suite would look idle (and be stopped as idle). For each call it lets by, the plugin
 * prints one `{"type":"nightshift_tool_start",…}` line on opencode's stdout, which nightshift
 * records with opencode's own lines and the parser reads as the call's start.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AgentRequest } from './backend.js';
import { hookEnv } from './common.js';

/** The start of the error text of a call the plugin refused; the parser reads it as a denial. */
export const OPENCODE_PLUGIN_DENIAL = 'nightshift policy refused this command: ';
/** The `type` of the line the plugin prints when a call starts. */
export const OPENCODE_TOOL_START = 'nightshift_tool_start';

/** The plugin's source for the request: the hook's command and env are baked in as JSON. */
export function opencodePluginSource(request: AgentRequest): string {
  const command = [...request.nightshiftCommand, 'hook', 'pre-tool-use'];
  const env = hookEnv(request);
  return `// Written by nightshift for one attempt: its policy check before each bash call, and a line
// on opencode's stdout when each call starts.
import { spawnSync } from 'node:child_process';
import { writeSync } from 'node:fs';

const COMMAND = ${JSON.stringify(command)};
const ENV = ${JSON.stringify(env)};
const DENIAL = ${JSON.stringify(OPENCODE_PLUGIN_DENIAL)};
const START = ${JSON.stringify(OPENCODE_TOOL_START)};

export const NightshiftPolicy = async ({ directory }) => ({
  'tool.execute.before': async (input, output) => {
    const args = output.args ?? {};
    if (input.tool === 'bash') check(input, args, directory);
    // The call runs now: say so, as one whole line beside opencode's own (a file's content cut).
    const shown = Object.fromEntries(
      Object.entries(args).map(([key, value]) => [key, typeof value === 'string' ? value.slice(0, 2000) : value]),
    );
    const line = { type: START, sessionID: input.sessionID, callID: input.callID, tool: input.tool, input: shown };
    // One synchronous write of the whole line to opencode's stdout, which nightshift records.
    writeSync(1, JSON.stringify(line) + '\\n');
  },
});

/** Runs nightshift's check of a bash call; throws to refuse it. */
function check(input, args, directory) {
  const call = {
    hook_event_name: 'PreToolUse',
    tool_name: 'Bash',
    tool_input: { command: String(args.command ?? '') },
    cwd: typeof args.workdir === 'string' ? args.workdir : directory,
    session_id: input.sessionID,
  };
  const run = spawnSync(COMMAND[0], COMMAND.slice(1), {
    input: JSON.stringify(call),
    env: { ...process.env, ...ENV },
    encoding: 'utf8',
  });
  // A check that cannot run refuses the call: the policy layer fails closed.
  if (run.error || run.status !== 0) {
    const why = run.error ? String(run.error) : \`exit \${run.status}: \${String(run.stderr).trim()}\`;
    throw new Error(DENIAL + 'nightshift could not check this command (' + why + ').');
  }
  let answer;
  try {
    answer = run.stdout.trim() ? JSON.parse(run.stdout) : undefined;
  } catch {
    throw new Error(DENIAL + 'nightshift could not read its check of this command.');
  }
  const reason = answer?.hookSpecificOutput?.permissionDecisionReason;
  if (typeof reason === 'string') throw new Error(DENIAL + reason);
}
`;
}

/** Writes the plugin into `<attemptDir>/opencode/` and returns its file URL for `plugin`. */
export async function writeOpencodePlugin(request: AgentRequest): Promise<string> {
  const dir = path.join(request.attemptDir, 'opencode');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'nightshift-policy.js');
  await writeFile(file, opencodePluginSource(request));
  return pathToFileURL(file).href;
}
