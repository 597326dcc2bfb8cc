/**
 * The schema of `nightshift.toml` with its documented defaults (DESIGN.md §1).
 * Every key is optional in the file; a missing key takes the default shown here.
 */
import { z } from 'zod';

/**
 * Node's timers hold at most 2^31−1 ms (about 24.8 days); a longer delay fires at once, so a
 * 30-day timeout would end every attempt immediately. Longer values are rejected with this message.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** {@link MAX_TIMER_MS} in whole seconds (2147483). */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/** A timeout in seconds that a timer can hold. */
function timeoutSeconds(fallback: number) {
  return z
    .number()
    .positive()
    .max(MAX_TIMER_SECONDS, {
      message: 'must fit in a Node timer: at most about 24.8 days',
    })
    .default(fallback);
}

/** The largest `[run] max_log_mb` (1 TB): past it a cap means nothing. */
export const MAX_LOG_MB = 1024 * 1024;

/** Backends nightshift can drive. */
export const BACKEND_NAMES = ['claude', 'codex', 'gemini', 'opencode', 'sim'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

const backendSettingsSchema = z
  .object({
    /** Model for coding attempts; empty = the CLI's default. */
    model: z.string().default(''),
    /** Model for planning; empty = `model`. */
    plan_model: z.string().default(''),
    /** Extra arguments appended to the CLI's command line. */
    extra_args: z.array(z.string()).default([]),
    /** Path or name of the CLI binary; empty = the backend's usual name on PATH. */
    command: z.string().default(''),
  })
  .strict();
/** Settings of one backend table, e.g. `[backend.claude]`. */
export type BackendSettings = z.infer<typeof backendSettingsSchema>;

const backendDefaults = { model: '', plan_model: '', extra_args: [], command: '' };

export const configSchema = z
  .object({
    project: z
      .object({ name: z.string().default('') })
      .strict()
      .default({ name: '' }),
    backend: z
      .object({
        default: z.enum(BACKEND_NAMES).default('claude'),
        /** Backend for planning; empty = `default`. */
        plan: z.union([z.enum(BACKEND_NAMES), z.literal('')]).default(''),
        claude: backendSettingsSchema.default(backendDefaults),
        codex: backendSettingsSchema.default(backendDefaults),
        gemini: backendSettingsSchema.default(backendDefaults),
        opencode: backendSettingsSchema.default(backendDefaults),
        sim: backendSettingsSchema.default(backendDefaults),
      })
      .strict()
      .default({
        default: 'claude',
        plan: '',
        claude: backendDefaults,
        codex: backendDefaults,
        gemini: backendDefaults,
        opencode: backendDefaults,
        sim: backendDefaults,
      }),
    run: z
      .object({
        parallel: z.number().int().min(1).max(64).default(1),
        /** The hard cap on agent processes at once: coding agents and regression workers together. */
        max_agents: z.number().int().min(1).max(64).default(64),
        max_retries: z.number().int().min(0).default(3),
        max_tasks: z.number().int().min(1).default(999),
        epochs: z.number().int().min(1).default(1),
        agent_timeout_seconds: timeoutSeconds(3600),
        idle_timeout_seconds: timeoutSeconds(600),
        delay_between_tasks_ms: z
          .number()
          .int()
          .min(0)
          .max(MAX_TIMER_MS, { message: 'must fit in a Node timer: at most about 24.8 days' })
          .default(0),
        auto_commit: z.boolean().default(true),
        max_cost_usd: z.number().min(0).default(0),
        /** Attempts kept per task for `task diff` (prompt, diff, gate output); 0 = none. */
        keep_attempts: z.number().int().min(0).default(10),
        /** Cap of one attempt's terminal log in MB, rotated at half of it (agents/capped-log.ts); 0 = none. */
        max_log_mb: z.number().min(0).max(MAX_LOG_MB).default(50),
      })
      .strict()
      .default({
        parallel: 1,
        max_agents: 64,
        max_retries: 3,
        max_tasks: 999,
        epochs: 1,
        agent_timeout_seconds: 3600,
        idle_timeout_seconds: 600,
        delay_between_tasks_ms: 0,
        auto_commit: true,
        max_cost_usd: 0,
        keep_attempts: 10,
        max_log_mb: 50,
      }),
    regression: z
      .object({
        /** Regression workers beside the coding agents: each re-runs done tasks' checks on the integration branch. */
        agents: z.number().int().min(0).max(64).default(0),
        /** true: a regression agent investigates each failure and proposes the fix as the task's notes. */
        agent: z.boolean().default(false),
      })
      .strict()
      .default({ agents: 0, agent: false }),
    review: z
      .object({
        /** A review agent reads the landed work every N attempts; 0 = never. */
        every: z.number().int().min(0).default(5),
        /** …and sooner when the rolling quality score falls by more than this many points. */
        score_drop: z.number().min(0).max(100).default(20),
      })
      .strict()
      .default({ every: 5, score_drop: 20 }),
    verification: z
      .object({ timeout_seconds: timeoutSeconds(1800) })
      .strict()
      .default({ timeout_seconds: 1800 }),
    security: z
      .object({
        mode: z.enum(['blocklist', 'allowlist']).default('blocklist'),
        blocked_commands: z.array(z.string()).default([]),
        allowed_commands: z.array(z.string()).default([]),
      })
      .strict()
      .default({ mode: 'blocklist', blocked_commands: [], allowed_commands: [] }),
    sandbox: z
      .object({
        /** `bwrap`: agents and gates run under bubblewrap, and `run` refuses to start without it;
         * `auto`: bwrap where it works (Linux with user namespaces), else off; `off`: never. */
        mode: z.enum(['auto', 'bwrap', 'off']).default('auto'),
        /** false: the sandbox has only loopback (the agent's model API must then be on loopback too). */
        network: z.boolean().default(true),
        /** Writable folders on top of the defaults (worktree, /tmp, npm/pip/cargo caches, CLI state). */
        writable: z.array(z.string()).default([]),
      })
      .strict()
      .default({ mode: 'auto', network: true, writable: [] }),
    notify: z
      .object({
        /** Run through `sh -c` with the event as JSON on stdin; empty = no command. */
        command: z.string().default(''),
        /** A terminal bell and an OSC 9 notification on attached boards. */
        bell: z.boolean().default(true),
      })
      .strict()
      .default({ command: '', bell: true }),
    ui: z
      .object({ max_fps: z.number().int().min(1).max(60).default(10) })
      .strict()
      .default({ max_fps: 10 }),
  })
  .strict();

/** A fully defaulted configuration. */
export type Config = z.infer<typeof configSchema>;

/** The configuration with every default, as when `nightshift.toml` is empty. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
