/**
 * `nightshift plan` (DESIGN.md §1, §5): the planner agent writes a spec and a plan file; nightshift
 * parses and audits the plan, and gives every problem back to the planner for another round, at most
 * `rounds` times. Only a plan that passes comes out of here; putting it in the queue is enqueue.ts.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { AgentEvent } from '../agents/backend.js';
import { createBackend } from '../agents/factory.js';
import type { BackendName, Config } from '../config/schema.js';
import { BACKEND_NAMES } from '../config/schema.js';
import { UserError, errorMessage } from '../errors.js';
import { summariseEvent } from '../history/event-summary.js';
import { projectPaths } from '../paths.js';
import { chooseSandbox, type Sandbox } from '../sandbox/bwrap.js';
import { policyFromConfig } from '../security/policy.js';
import { auditTasks, formatAuditIssues } from '../tasks/audit.js';
import type { Task } from '../tasks/model.js';
import { parsePlanFile, type ParsedPlan } from '../tasks/plan-file.js';
import { requirePlannerBinary, runPlannerAgent } from './plan-agent.js';
import { PLAN_FILE, renderPlanPrompt, type GivenSpec } from './plan-prompt.js';

/** Planner rounds when neither --rounds nor the caller says otherwise. */
export const DEFAULT_PLAN_ROUNDS = 3;

/** A line of progress for the person watching. */
export interface PlanProgress {
  readonly kind: 'round' | 'agent' | 'problem' | 'warning';
  readonly text: string;
}

/** What the planner is asked to do. */
export interface PlanRequest {
  readonly root: string;
  readonly config: Config;
  /** The intent text (or the document) the planner plans from. */
  readonly intent: string;
  /** `docs/specs/<slug>.md`, or a given spec's path. */
  readonly specPath: string;
  readonly givenSpec?: GivenSpec;
  /** `--backend`; else `[backend] plan`; else `[backend] default`. */
  readonly backend?: string;
  /** Tasks the plan adds to (with --append): audited against and shown to the planner. */
  readonly existing: readonly Task[];
  readonly learnings?: readonly string[];
  readonly rounds?: number;
  readonly specOnly?: boolean;
  /** Names the log folder `.nightshift/logs/<runId>/`; default `plan-<time>`. */
  readonly runId?: string;
  readonly onProgress?: (progress: PlanProgress) => void;
  /** Polled while the planner runs; true stops it. */
  readonly stopped?: () => boolean;
  /** The run's sandbox (epochs); default the one `[sandbox]` asks for. */
  readonly sandbox?: Sandbox;
}

/** How planning ended. */
export interface PlanOutcome {
  /** True when the plan (or with specOnly, the spec) passed every check. */
  readonly ok: boolean;
  /** The audited plan (absent with specOnly or on failure). */
  readonly plan?: ParsedPlan;
  readonly specPath: string;
  readonly backend: BackendName;
  readonly roundsUsed: number;
  /** Audit warnings of the accepted plan. */
  readonly warnings: readonly string[];
  /** The last round's problems when not ok. */
  readonly problems: readonly string[];
  readonly costUsd: number;
  readonly logDir: string;
}

/** The backend that plans: the flag, else `[backend] plan`, else the default backend. */
export function plannerBackend(config: Config, flag: string | undefined): BackendName {
  const name = flag ?? (config.backend.plan || config.backend.default);
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new UserError(
      `unknown backend "${name}"${flag ? ' (--backend)' : ' ([backend] plan in nightshift.toml)'}`,
      {
        hint: `choose one of: ${BACKEND_NAMES.join(', ')}`,
      },
    );
  }
  return name as BackendName;
}

/** Runs planner rounds until the plan passes or the rounds are used up. */
export async function planRounds(request: PlanRequest): Promise<PlanOutcome> {
  const paths = projectPaths(request.root);
  const backendName = plannerBackend(request.config, request.backend);
  const backend = createBackend(backendName);
  const settings = request.config.backend[backendName];
  await requirePlannerBinary(backend, settings);
  const rounds = request.rounds ?? DEFAULT_PLAN_ROUNDS;
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new UserError(`--rounds must be a whole number ≥ 1, got ${rounds}`);
  const runId =
    request.runId ??
    `plan-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}`;
  const progress = request.onProgress ?? (() => undefined);
  const planFile = path.join(paths.root, PLAN_FILE);
  // The planner runs in the kernel sandbox too (refused, as `run` is, when bwrap was asked for and
  // cannot work here).
  const sandbox = request.sandbox ?? chooseSandbox(request.config.sandbox);
  const specFile = path.join(paths.root, request.specPath);
  // A plan file left by an earlier `plan` must not pass as this planner's work.
  await rm(planFile, { force: true });

  let problems: string[] = [];
  let costUsd = 0;
  for (let round = 1; round <= rounds; round++) {
    if (request.stopped?.()) break;
    progress({ kind: 'round', text: `planning (round ${round}/${rounds})…` });
    const previousSpec =
      !request.givenSpec && existsSync(specFile) && round > 1 ? await readFile(specFile, 'utf8') : undefined;
    const prompt = await renderPlanPrompt({
      root: paths.root,
      projectName: request.config.project.name || path.basename(paths.root),
      intent: request.intent,
      specPath: request.specPath,
      givenSpec: request.givenSpec,
      previousSpec,
      existing: request.existing,
      learnings: request.learnings ?? [],
      auditErrors: problems,
      specOnly: request.specOnly ?? false,
    });
    const agent = await runPlannerAgent({
      paths,
      specFile,
      sandbox,
      backend,
      settings,
      policy: policyFromConfig(request.config.security),
      prompt,
      round,
      runId,
      timeoutMs: request.config.run.agent_timeout_seconds * 1000,
      idleTimeoutMs: request.config.run.idle_timeout_seconds * 1000,
      maxLogBytes: Math.round(request.config.run.max_log_mb * 1024 * 1024),
      onEvent: (event: AgentEvent) => {
        const line = summariseEvent(event);
        if (line) progress({ kind: 'agent', text: line.text });
      },
      stopped: request.stopped,
    });
    costUsd += agent.costUsd;
    if (request.stopped?.()) break;
    const checked = await checkRound(request, specFile, planFile);
    if (checked.problems.length === 0) {
      if (!agent.ok)
        progress({
          kind: 'warning',
          text: `the planner ended with ${agent.reason} (code ${agent.exitCode ?? 'none'}), but what it wrote passes the checks`,
        });
      for (const warning of checked.warnings) progress({ kind: 'warning', text: warning });
      return {
        ok: true,
        plan: checked.plan,
        specPath: request.specPath,
        backend: backendName,
        roundsUsed: round,
        warnings: checked.warnings,
        problems: [],
        costUsd,
        logDir: path.dirname(agent.logPath),
      };
    }
    problems = agent.ok
      ? checked.problems
      : [
          `the planner did not finish (${agent.reason}, exit code ${agent.exitCode ?? 'none'}${agent.finalText ? `: ${agent.finalText.replace(/\s+/g, ' ').slice(0, 200)}` : ''})`,
          ...checked.problems,
        ];
    for (const problem of problems) progress({ kind: 'problem', text: problem });
  }
  return {
    ok: false,
    specPath: request.specPath,
    backend: backendName,
    roundsUsed: rounds,
    warnings: [],
    problems,
    costUsd,
    logDir: path.join(paths.logs, runId),
  };
}

interface RoundCheck {
  readonly problems: string[];
  readonly warnings: string[];
  readonly plan?: ParsedPlan;
}

/** The spec must exist; the plan must parse and pass the audit against the queue it joins. */
async function checkRound(request: PlanRequest, specFile: string, planFile: string): Promise<RoundCheck> {
  const problems: string[] = [];
  if (!request.givenSpec && !existsSync(specFile))
    problems.push(`the spec was not written: \`${request.specPath}\` does not exist`);
  if (request.specOnly) return { problems, warnings: [] };
  if (!existsSync(planFile))
    return { problems: [...problems, `the plan file \`${PLAN_FILE}\` was not written`], warnings: [] };
  let plan: ParsedPlan;
  try {
    plan = parsePlanFile(await readFile(planFile, 'utf8'), PLAN_FILE);
  } catch (error) {
    // parsePlanFile lists one problem per indented line after a heading line.
    const lines = errorMessage(error).split('\n');
    const details = lines.slice(1).map((line) => `${PLAN_FILE}: ${line.trim()}`);
    return {
      problems: [...problems, ...(details.length > 0 ? details : [lines[0] ?? 'not a valid plan file'])],
      warnings: [],
    };
  }
  if (plan.tasks.length === 0 && request.existing.length === 0)
    problems.push(`the plan file \`${PLAN_FILE}\` has no tasks`);
  const issues = auditTasks(plan.tasks, request.existing);
  problems.push(...formatAuditIssues(issues.filter((issue) => issue.severity === 'error')));
  // Epics are not the audit's business, but a task filed under an epic nobody defined is a typo.
  const epicIds = new Set([
    ...plan.epics.map((epic) => epic.id),
    ...request.existing.flatMap((task) => (task.epic ? [task.epic] : [])),
  ]);
  for (const task of plan.tasks) {
    if (task.epic !== undefined && plan.epics.length > 0 && !epicIds.has(task.epic)) {
      problems.push(
        `task "${task.id}" field epic: "${task.epic}" is not one of the plan's epics (${[...epicIds].join(', ')})`,
      );
    }
  }
  return {
    problems,
    warnings: formatAuditIssues(issues.filter((issue) => issue.severity === 'warning')),
    plan,
  };
}
