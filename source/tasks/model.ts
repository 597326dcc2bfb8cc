/**
 * The task model of DESIGN.md §5, as stored in `.nightshift/state.json` (camelCase).
 * The plan file format (snake_case) is converted to and from this in `plan-file.ts`.
 */
import { z } from 'zod';

/** Where a task is in its life. */
export const TASK_STATUSES = ['pending', 'running', 'verifying', 'done', 'blocked'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** How an attempt ended. */
export const ATTEMPT_OUTCOMES = ['running', 'passed', 'failed', 'interrupted', 'timeout', 'error'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export const verificationSchema = z.object({
  /** Globs (picomatch) every changed file must match, when given. */
  pathPatterns: z.array(z.string()).default([]),
  /** Shell commands that must all exit 0. */
  commands: z.array(z.string()).default([]),
  timeoutSeconds: z.number().positive().optional(),
  /** Working directory for the commands, relative to the repository (or worktree) root. */
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
});
/** The verification contract of a task. */
export type Verification = z.infer<typeof verificationSchema>;

export const completionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('boolean') }),
  z.object({
    kind: z.literal('numeric'),
    source: z.literal('json_stdout'),
    /** Dotted path into the JSON printed by the last verification command, e.g. `metrics.score`. */
    jsonPath: z.string().min(1),
    direction: z.enum(['maximize', 'minimize']),
    minImprovement: z.number().nonnegative().default(0),
    /** Optional threshold that counts as done. */
    target: z.number().optional(),
  }),
]);
/** The completion contract: a boolean gate or a numeric metric. */
export type Completion = z.infer<typeof completionSchema>;

export const executionSchema = z.discriminatedUnion('strategy', [
  z.object({ strategy: z.literal('single_pass') }),
  z.object({
    strategy: z.literal('iterative'),
    maxIterations: z.number().int().positive().default(5),
    rollbackOnRegression: z.boolean().default(true),
    keepOnEqual: z.boolean().default(false),
    stopAfterNoImprovement: z.number().int().positive().default(2),
  }),
]);
/** How a task is executed: one pass, or keep/revert iterations on a numeric metric. */
export type Execution = z.infer<typeof executionSchema>;

export const gateCheckSchema = z.object({
  kind: z.enum(['paths', 'command', 'completion']),
  name: z.string(),
  passed: z.boolean(),
  detail: z.string().default(''),
  durationMs: z.number().nonnegative().default(0),
});
/** One check of the gate (changed paths, one command, or the completion contract). */
export type GateCheck = z.infer<typeof gateCheckSchema>;

export const qualitySchema = z.object({
  /** 0–100: 100 is a small, tested, in-scope change that verified quickly. */
  score: z.number().int().min(0).max(100),
  files: z.number().int().nonnegative().default(0),
  insertions: z.number().int().nonnegative().default(0),
  deletions: z.number().int().nonnegative().default(0),
  /** Changed files outside the task's path patterns (when it has any). */
  outsidePatterns: z.array(z.string()).default([]),
  /** Test files added or changed. */
  testsChanged: z.number().int().nonnegative().default(0),
  /** TODO/FIXME markers in added lines. */
  todosAdded: z.number().int().nonnegative().default(0),
  /** Time the gate's checks took. */
  verifyMs: z.number().nonnegative().default(0),
  /** Why points were taken off (or what was good), one phrase each. */
  reasons: z.array(z.string()).default([]),
});
/** The zero-cost quality check of one attempt (review/quality.ts). */
export type Quality = z.infer<typeof qualitySchema>;

export const attemptSchema = z.object({
  n: z.number().int().positive(),
  runId: z.string(),
  backend: z.string(),
  agentName: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  outcome: z.enum(ATTEMPT_OUTCOMES),
  exitCode: z.number().int().nullable().optional(),
  checks: z.array(gateCheckSchema).default([]),
  metric: z.number().optional(),
  tokensIn: z.number().nonnegative().default(0),
  tokensOut: z.number().nonnegative().default(0),
  costUsd: z.number().nonnegative().default(0),
  /** One line on what happened: the failure reason or the agent's final result. */
  summary: z.string().default(''),
  /** What the reflection step concluded, fed into the next prompt. */
  reflection: z.string().optional(),
  commit: z.string().optional(),
  sessionId: z.string().optional(),
  /** Process id of the agent while the attempt runs (recovery kills its group if still alive). */
  pid: z.number().int().optional(),
  logPath: z.string().optional(),
  /** The quality check after the gate (review/quality.ts). */
  quality: qualitySchema.optional(),
  /**
   * Commands refused during the attempt, `command — reason`: by the command policy (in whichever
   * CLI's mechanism) or by the kernel sandbox (a write to a read-only place). Kept after the run.
   */
  denials: z.array(z.string()).optional(),
});
/** One attempt of an agent at a task. */
export type Attempt = z.infer<typeof attemptSchema>;

/**
 * Verified work committed on its branch that could not land yet (DESIGN §6): the task shows as
 * "verified, waiting to land" and lands without another agent run once what is in the way is gone.
 */
export const landingSchema = z.object({
  /** `nightshift/<task>`, holding the verified commit. */
  branch: z.string(),
  commit: z.string(),
  /** Files of the main checkout whose uncommitted edits stand in the way (may be empty). */
  files: z.array(z.string()).default([]),
  /** What stands in the way, in words (edits, a rebase in progress, …). */
  reason: z.string().default(''),
  since: z.string(),
});
/** A verified commit waiting to land. */
export type Landing = z.infer<typeof landingSchema>;

export const regressionRecordSchema = z.object({
  /** When the last regression check ended. */
  testedAt: z.string(),
  /** The integration branch's head it ran on. */
  head: z.string(),
  outcome: z.enum(['passed', 'failed', 'error']),
  /** The last head the task's checks passed on (its landing or a passing re-test). */
  passedHead: z.string().optional(),
  /** For a failed check: the failing output (tail) and the commits since it last passed. */
  output: z.string().optional(),
  commits: z.array(z.string()).default([]),
  /** How often re-tests have caught this task broken. */
  caught: z.number().int().nonnegative().default(0),
});
/** The last regression check of a done task (regression/), and what it found. */
export type RegressionRecord = z.infer<typeof regressionRecordSchema>;

export const taskSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  description: z.string().default(''),
  epic: z.string().optional(),
  priority: z.number().int().default(0),
  steps: z.array(z.string()).default([]),
  dependsOn: z.array(z.string()).default([]),
  docs: z.array(z.string()).default([]),
  status: z.enum(TASK_STATUSES).default('pending'),
  blockReason: z.string().optional(),
  /** Set while verified work waits on its branch to land (status stays `pending`). */
  landing: landingSchema.optional(),
  verification: verificationSchema.default({ pathPatterns: [], commands: [], env: {} }),
  completion: completionSchema.default({ kind: 'boolean' }),
  execution: executionSchema.default({ strategy: 'single_pass' }),
  attempts: z.array(attemptSchema).default([]),
  notes: z.string().default(''),
  /** Lessons from failed attempts (reflection), newest last, bounded. */
  learning: z.array(z.string()).default([]),
  /** The last regression check (set once a regression worker has re-tested the task). */
  regression: regressionRecordSchema.optional(),
  /** Best metric value kept so far (numeric completion). */
  bestMetric: z.number().optional(),
  /** The backend that runs this task, instead of the run's (`[backend] default` or `run --backend`). */
  backend: z.string().optional(),
  /** The model for this task's agent, instead of the backend's configured one. */
  model: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** A unit of work in the queue. */
export type Task = z.infer<typeof taskSchema>;
/**
 * What a caller supplies to create a task; the rest takes defaults. The timestamps are optional
 * because the queue sets them (with its clock) when the task enters it.
 */
export type TaskInput = Omit<z.input<typeof taskSchema>, 'createdAt' | 'updatedAt'> & {
  createdAt?: string;
  updatedAt?: string;
};

export const epicSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  description: z.string().default(''),
});
/** A group of tasks. */
export type Epic = z.infer<typeof epicSchema>;

/** Attempts kept per task; older ones are dropped (their logs stay on disk). */
export const MAX_ATTEMPTS_KEPT = 20;
/** Learning notes kept per task. */
export const MAX_LEARNING_KEPT = 10;
