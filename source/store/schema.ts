/**
 * The shape of `.nightshift/state.json`: every durable fact of a project's queue and runs.
 * Raw agent output and event history live in append-only files under `.nightshift/logs/`, not here.
 */
import { z } from 'zod';
import { epicSchema, taskSchema } from '../tasks/model.js';

import { STATE_VERSION } from './version.js';

export { STATE_VERSION };

export const runRecordSchema = z.object({
  id: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  backend: z.string(),
  parallel: z.number().int().positive(),
  /** How the run ended; absent while it runs (or when its engine died). */
  outcome: z.enum(['done', 'blocked', 'stopped', 'interrupted', 'budget', 'limit', 'error']).optional(),
  tasksDone: z.number().int().nonnegative().default(0),
  attempts: z.number().int().nonnegative().default(0),
  tokensIn: z.number().nonnegative().default(0),
  tokensOut: z.number().nonnegative().default(0),
  costUsd: z.number().nonnegative().default(0),
  /** Done tasks that regression workers found broken in this run and reopened. */
  regressions: z
    .array(
      z.object({ taskId: z.string(), head: z.string(), at: z.string(), summary: z.string().default('') }),
    )
    .optional(),
});
/** One `nightshift run`. */
export type RunRecord = z.infer<typeof runRecordSchema>;

export const learningEntrySchema = z.object({
  at: z.string(),
  taskId: z.string().optional(),
  text: z.string(),
});
/** An entry of the project's learning journal, fed into later prompts. */
export type LearningEntry = z.infer<typeof learningEntrySchema>;

export const planInfoSchema = z.object({
  /** Where the plan came from: the intent text, or the path of the document. */
  source: z.string(),
  sourceKind: z.enum(['intent', 'file', 'stdin', 'import']),
  specPath: z.string().optional(),
  createdAt: z.string(),
  /** HEAD of the integration branch right after the plan entered the queue (reset --to-plan). */
  commit: z.string().optional(),
});
/** Where the current plan came from. */
export type PlanInfo = z.infer<typeof planInfoSchema>;

export const stateSchema = z.object({
  version: z.literal(STATE_VERSION),
  project: z.string(),
  epics: z.array(epicSchema).default([]),
  tasks: z.array(taskSchema).default([]),
  runs: z.array(runRecordSchema).default([]),
  learning: z.array(learningEntrySchema).default([]),
  plan: planInfoSchema.optional(),
});
/** The whole store. */
export type State = z.infer<typeof stateSchema>;

/** Runs kept in the store; older ones are dropped. */
export const MAX_RUNS_KEPT = 50;
/** Learning journal entries kept in the store. */
export const MAX_JOURNAL_KEPT = 200;
