/**
 * The settings of one run: nightshift.toml's [run] table overridden by `run` flags.
 */
import type { BackendName, Config } from './schema.js';
import { BACKEND_NAMES } from './schema.js';
import { UserError } from '../errors.js';

/** Everything the engine needs to know about how to run. */
export interface RunOptions {
  readonly backend: BackendName;
  readonly parallel: number;
  readonly maxTasks: number;
  readonly maxRetries: number;
  readonly epochs: number;
  /** 0 = no limit. */
  readonly maxCostUsd: number;
  readonly dryRun: boolean;
  readonly yolo: boolean;
  readonly agentTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Cap of an attempt's terminal log in bytes (`[run] max_log_mb`); 0 = none. Default 50 MB. */
  readonly maxLogBytes?: number;
  readonly delayBetweenTasksMs: number;
  readonly autoCommit: boolean;
  readonly verificationTimeoutSeconds: number;
  /** Regression workers beside the coding agents (0 with --yolo). */
  readonly regressionAgents: number;
  /** Agent processes at once, coding and regression together (`[run] max_agents`). */
  readonly maxAgents: number;
  /** A regression agent investigates each failure (`[regression] agent`). */
  readonly regressionAgent: boolean;
}

/** Flags of `nightshift run` that override the config (all optional, as commander gives them). */
export interface RunFlags {
  readonly backend?: string;
  readonly parallel?: string;
  readonly maxTasks?: string;
  readonly maxRetries?: string;
  readonly epochs?: string;
  readonly maxCost?: string;
  readonly dryRun?: boolean;
  readonly yolo?: boolean;
  readonly regression?: string;
}

/** Merges flags over the config, with errors that name the flag. */
export function resolveRunOptions(config: Config, flags: RunFlags): RunOptions {
  const backend = flags.backend ?? config.backend.default;
  if (!(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw new UserError(`unknown backend "${backend}" (--backend)`, {
      hint: `choose one of: ${BACKEND_NAMES.join(', ')}`,
    });
  }
  return {
    backend: backend as BackendName,
    parallel: integerFlag('--parallel', flags.parallel, config.run.parallel, 1, MAX_PARALLEL),
    maxTasks: integerFlag('--max-tasks', flags.maxTasks, config.run.max_tasks, 1),
    maxRetries: integerFlag('--max-retries', flags.maxRetries, config.run.max_retries, 0),
    epochs: integerFlag('--epochs', flags.epochs, config.run.epochs, 1),
    maxCostUsd: numberFlag('--max-cost', flags.maxCost, config.run.max_cost_usd),
    dryRun: flags.dryRun ?? false,
    yolo: flags.yolo ?? false,
    agentTimeoutMs: config.run.agent_timeout_seconds * 1000,
    idleTimeoutMs: config.run.idle_timeout_seconds * 1000,
    maxLogBytes: Math.round(config.run.max_log_mb * 1024 * 1024),
    delayBetweenTasksMs: config.run.delay_between_tasks_ms,
    autoCommit: config.run.auto_commit,
    verificationTimeoutSeconds: config.verification.timeout_seconds,
    // --yolo (rapid prototyping) skips regression workers, whatever asked for them.
    regressionAgents: flags.yolo
      ? 0
      : integerFlag('--regression', flags.regression, config.regression.agents, 0, 64),
    regressionAgent: config.regression.agent,
    maxAgents: config.run.max_agents,
  };
}

/** The most coding agents at once, as [run] parallel in nightshift.toml allows. */
const MAX_PARALLEL = 64;

function integerFlag(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UserError(`${flag} must be an integer ${range}, got "${value}"`);
  }
  return parsed;
}

function numberFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new UserError(`${flag} must be a number ≥ 0, got "${value}"`);
  return parsed;
}
