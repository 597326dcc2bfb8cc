/**
 * Runs the planner agent: the backend's command in a pty through the same runner as coding agents
 * (agents/agent-process.ts), in the repository root, with role `plan`. Its log, record and prompt
 * go to `.nightshift/logs/<plan-run>/plan.<round>.*`. It runs in the same kernel sandbox as coding
 * agents (DESIGN.md §8): the main checkout stays read-only but for the spec's folder and
 * `.nightshift/` (where the plan file goes); the repository's refs, stash and config stay read-only.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startAgent, type AgentResult } from '../agents/agent-process.js';
import type { AgentEvent, Backend } from '../agents/backend.js';
import type { CommandPolicy } from '../security/command-policy.js';
import type { BackendSettings } from '../config/schema.js';
import { UserError } from '../errors.js';
import { attemptLogPaths } from '../history/history.js';
import { findOnPath } from '../init/probe.js';
import { engineSocketPath } from '../ipc/socket-path.js';
import { nightshiftCommand, type ProjectPaths } from '../paths.js';
import type { Sandbox } from '../sandbox/bwrap.js';

/** How often a stop request is looked for while the planner runs. */
const STOP_POLL_MS = 200;

/** One run of the planner agent. */
export interface PlannerAgentRun {
  readonly paths: ProjectPaths;
  readonly backend: Backend;
  readonly settings: BackendSettings;
  readonly policy: CommandPolicy;
  readonly prompt: string;
  /** The spec file the planner writes (absolute): its folder is writable in the sandbox. */
  readonly specFile?: string;
  /** The kernel sandbox (sandbox/bwrap.ts); absent or `off` = none. */
  readonly sandbox?: Sandbox;
  /** The planning round, from 1: the agent's NIGHTSHIFT_ATTEMPT. */
  readonly round: number;
  /** Names the log folder and is the agent's NIGHTSHIFT_RUN_ID. */
  readonly runId: string;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Cap of the planner's log in bytes (`[run] max_log_mb`); 0 = none. */
  readonly maxLogBytes?: number;
  readonly onEvent?: (event: AgentEvent) => void;
  /** Polled: true stops the agent (the engine is stopping during an epoch's re-plan). */
  readonly stopped?: () => boolean;
}

/** The result, with where its log is. */
export interface PlannerAgentResult extends AgentResult {
  readonly logPath: string;
  readonly promptPath: string;
}

/** Throws a UserError when a real backend's CLI cannot be found (before any round starts). */
export async function requirePlannerBinary(backend: Backend, settings: BackendSettings): Promise<void> {
  if (backend.simulated) return;
  const binary = backend.binary(settings);
  const found = binary.includes('/') ? existsSync(binary) : (await findOnPath(binary)) !== undefined;
  if (!found) {
    throw new UserError(`the ${backend.name} CLI ("${binary}") was not found, so it cannot plan`, {
      hint: `install it, set [backend.${backend.name}] command in nightshift.toml, or plan with --backend sim`,
    });
  }
}

/** Runs one planner round and resolves when the agent and all its processes are gone. */
export async function runPlannerAgent(run: PlannerAgentRun): Promise<PlannerAgentResult> {
  const logs = attemptLogPaths(run.paths, run.runId, 'plan', run.round);
  const attemptDir = path.join(logs.dir, `plan.${run.round}.plan`);
  await mkdir(attemptDir, { recursive: true, mode: 0o700 });
  // Kept for people (and tests) to see what the planner was told, audit errors included.
  const promptPath = path.join(attemptDir, 'prompt.md');
  await writeFile(promptPath, run.prompt);
  const command = await run.backend.buildCommand({
    role: 'plan',
    prompt: run.prompt,
    cwd: run.paths.root,
    attemptDir,
    settings: run.settings,
    policy: run.policy,
    nightshiftCommand: nightshiftCommand(),
    env: {
      NIGHTSHIFT_TASK_ID: 'plan',
      NIGHTSHIFT_ATTEMPT: String(run.round),
      NIGHTSHIFT_RUN_ID: run.runId,
      NIGHTSHIFT_ROLE: 'plan',
      NIGHTSHIFT_POLICY: JSON.stringify(run.policy),
      NIGHTSHIFT_DENIALS_FILE: path.join(attemptDir, 'denials.jsonl'),
    },
  });
  const specDir = run.specFile ? path.dirname(run.specFile) : undefined;
  if (specDir) await mkdir(specDir, { recursive: true });
  const agent = await startAgent({
    command,
    ...(run.sandbox &&
      run.sandbox.kind !== 'off' && {
        sandbox: {
          sandbox: run.sandbox,
          scope: {
            // Its writable "worktree" is the spec's folder; the checkout around it stays read-only.
            worktree: specDir ?? attemptDir,
            projectRoot: run.paths.root,
            writable: [attemptDir, run.paths.dir],
            readable: [path.dirname(engineSocketPath(run.paths.root))],
          },
        },
      }),
    backend: run.backend,
    logPath: logs.log,
    maxLogBytes: run.maxLogBytes,
    jsonlPath: logs.jsonl,
    timeoutMs: run.timeoutMs,
    idleTimeoutMs: run.idleTimeoutMs,
  });
  if (run.onEvent) agent.on('event', run.onEvent);
  const poll = run.stopped
    ? setInterval(() => {
        if (run.stopped?.()) void agent.stop('stopped');
      }, STOP_POLL_MS)
    : undefined;
  try {
    return { ...(await agent.result), logPath: logs.log, promptPath };
  } finally {
    if (poll) clearInterval(poll);
  }
}
