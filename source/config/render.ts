/**
 * The commented nightshift.toml that `nightshift init` writes: every section and key of
 * DESIGN.md §1 at its default, so a user can see and change everything in one place.
 * Values come from `defaultConfig()` so the file cannot drift from the schema's defaults.
 */
import { BACKEND_NAMES, defaultConfig, type BackendName, type BackendSettings } from './schema.js';

/** What `init` knows when it writes the file. */
export interface RenderConfigOptions {
  /** `[project] name`. */
  readonly name: string;
  /** `[backend] default`. */
  readonly backend: BackendName;
}

/** A TOML value: JSON's string and array syntax is valid TOML for strings, numbers and booleans. */
function toml(value: string | number | boolean | readonly string[]): string {
  if (Array.isArray(value)) return `[${value.map((v) => toml(v as string)).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

const BACKEND_TITLES: Record<BackendName, string> = {
  claude: 'Claude Code (`claude`)',
  codex: 'OpenAI Codex CLI (`codex`)',
  gemini: 'Gemini CLI (`gemini`)',
  opencode: 'OpenCode (`opencode`)',
  sim: 'the simulated agent shipped with nightshift (no model, no API key)',
};

function backendTable(name: BackendName, settings: BackendSettings): string {
  return [
    `# ${BACKEND_TITLES[name]}`,
    `[backend.${name}]`,
    `model = ${toml(settings.model)}                 # model for coding attempts; empty = the CLI's default`,
    `plan_model = ${toml(settings.plan_model)}            # model for planning; empty = model`,
    `extra_args = ${toml(settings.extra_args)}            # appended to the CLI's command line`,
    `command = ${toml(settings.command)}               # path or name of the CLI; empty = ${name === 'sim' ? 'the built-in program' : `"${name}" on PATH`}`,
  ].join('\n');
}

/** The complete, commented nightshift.toml; it round-trips through `parseConfig`. */
export function renderConfig(options: RenderConfigOptions): string {
  const d = defaultConfig();
  const backends = BACKEND_NAMES.map((name) => backendTable(name, d.backend[name])).join('\n\n');
  return `# nightshift.toml: settings of this project's nightshift runs.
# Every key is optional; a missing key takes the default shown here.
# Command-line flags (e.g. \`nightshift run --parallel 4\`) override these for one run.

[project]
name = ${toml(options.name)}

[backend]
default = ${toml(options.backend)}          # claude | codex | gemini | opencode | sim
plan = ${toml(d.backend.plan)}                   # backend for \`nightshift plan\`; empty = default

${backends}

[run]
parallel = ${toml(d.run.parallel)}                # coding agents at once (1-64), each in its own git worktree
max_agents = ${toml(d.run.max_agents)}             # hard cap on agent processes: coding agents and regression workers together
max_retries = ${toml(d.run.max_retries)}             # attempts after the first before a task is blocked
max_tasks = ${toml(d.run.max_tasks)}             # stop after this many tasks in one run
epochs = ${toml(d.run.epochs)}                  # plan-run rounds
agent_timeout_seconds = ${toml(d.run.agent_timeout_seconds)}  # wall-clock limit of one attempt
idle_timeout_seconds = ${toml(d.run.idle_timeout_seconds)}    # an agent silent this long is stopped
delay_between_tasks_ms = ${toml(d.run.delay_between_tasks_ms)}    # pause before starting the next task
auto_commit = ${toml(d.run.auto_commit)}          # commit each task that passes its gate
max_cost_usd = ${toml(d.run.max_cost_usd)}            # stop the run at this cost; 0 = no limit
keep_attempts = ${toml(d.run.keep_attempts)}          # attempts kept per task for \`nightshift task diff\` (prompt, diff, gate output)
max_log_mb = ${toml(d.run.max_log_mb)}             # cap of one attempt's terminal log; rotated to .log.1 at half of it; 0 = no cap

[regression]
agents = ${toml(d.regression.agents)}                  # workers that re-run done tasks' checks on the integration branch (--yolo skips them)
agent = ${toml(d.regression.agent)}               # true: an agent investigates each regression and proposes the fix in the task's notes

[review]
every = ${toml(d.review.every)}                   # a review agent reads the landed work every N attempts; 0 = never (--yolo skips it)
score_drop = ${toml(d.review.score_drop)}             # ...and sooner when the rolling quality score falls by more than this

[verification]
timeout_seconds = ${toml(d.verification.timeout_seconds)}      # default limit of each verification command

[security]
mode = ${toml(d.security.mode)}           # "blocklist" (deny listed commands) or "allowlist" (allow only listed)
blocked_commands = ${toml(d.security.blocked_commands)}       # added to the built-in defaults (sudo, curl|sh, git push, …)
allowed_commands = ${toml(d.security.allowed_commands)}       # used in allowlist mode

[sandbox]
mode = ${toml(d.sandbox.mode)}                # agents and gates under bubblewrap: "auto" (where it works), "bwrap" (refuse to run without it), "off"
network = ${toml(d.sandbox.network)}             # false: only loopback inside the sandbox (the model API must then be local)
writable = ${toml(d.sandbox.writable)}               # more writable folders (worktree, /tmp, npm/pip/cargo caches, agent CLI state are already)

[notify]
command = ${toml(d.notify.command)}               # run with each event as JSON on stdin: run ended, task blocked, waiting for input, budget hit
bell = ${toml(d.notify.bell)}                # a terminal bell (and OSC 9) on attached boards for the same events

[ui]
max_fps = ${toml(d.ui.max_fps)}                # board frames per second at most (1-60)
`;
}
