/**
 * The seam between the engine's regression workers (workers.ts) and the work of one re-test
 * (check.ts): which done tasks are due, and what one check on the integration branch found.
 */
import type { AgentView } from '../protocol/types.js';
import type { AttemptHandle } from '../attempt/types.js';
import type { GateCheck, Task } from '../tasks/model.js';

/** How one regression check ended. `interrupted`: stopped with the run; nothing is recorded. */
export type RegressionOutcome = 'passed' | 'failed' | 'error' | 'interrupted';

/** What one regression check found. */
export interface RegressionResult {
  readonly outcome: RegressionOutcome;
  /** One line: the failing check, or why the check could not run. */
  readonly summary: string;
  readonly checks: readonly GateCheck[];
  /** The tail of the gate's output. */
  readonly output: string;
  /** `<sha> <subject>` of the commits since the task last passed, oldest first (bounded). */
  readonly commits: readonly string[];
  /** The regression agent's proposed fix (`[regression] agent = true`), for the task's notes. */
  readonly proposal?: string;
}

/** What a check is given besides the task. */
export interface RegressionCheckContext {
  /** The integration branch's head to test. */
  readonly head: string;
  /** The last head the task passed on (its landing commit or a passing re-test), if known. */
  readonly passedHead: string | undefined;
  readonly runId: string;
  /** This run's number for the check, from 1 (log file names). */
  readonly n: number;
  /** Aborted when the run stops or a person stops the worker: the check ends as `interrupted`. */
  readonly signal: AbortSignal;
  /** Changes the worker's line on the board. */
  readonly update: (patch: Partial<Omit<AgentView, 'id'>>) => void;
  /** For the regression agent (runs a CLI like an attempt's agents do). */
  readonly handle: AttemptHandle;
}

/** What the engine's regression workers are built from; regression/check.ts makes the real one. */
export interface RegressionRunner {
  /** The integration branch's head now. */
  readonly head: () => Promise<string>;
  /** Of `tasks` (done, unclaimed), those due for a re-test on `head`, the longest untested first. */
  readonly due: (tasks: readonly Task[], head: string) => Promise<Task[]>;
  /** Runs a task's verification on `head` in a clean detached worktree, removed after. */
  readonly check: (task: Task, context: RegressionCheckContext) => Promise<RegressionResult>;
}
