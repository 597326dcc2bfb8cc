/**
 * Iterative tasks (DESIGN §5): keep/revert experiments on a numeric metric.
 *
 *   baseline gate (the metric before any change)
 *   for each iteration up to maxIterations:
 *     the agent changes the tree → commit (before comparing, so a revert has an exact target)
 *     → gate → compare with the metric of the tree as it stands
 *     → keep (improved, or equal with keepOnEqual) or revert that iteration's own commit only
 *   stop after `stopAfterNoImprovement` consecutive iterations without improvement, or when a
 *   kept metric reaches the target.
 *
 * Every step is an injected function, so the driver is tested without agents; every iteration,
 * the baseline included, becomes a line of `.nightshift/experiments.jsonl`.
 */
import { UserError } from '../errors.js';
import type { Task } from '../tasks/model.js';
import {
  compareMetric,
  targetReached,
  type MetricComparison,
  type NumericCompletion,
} from '../gate/completion.js';
import type { GateResult } from '../gate/gate.js';
import { commitAll, revertCommit } from '../git/git.js';
import { appendJsonLine } from '../history/history.js';

/** One line of `.nightshift/experiments.jsonl`. */
export interface ExperimentEntry {
  readonly at: string;
  readonly taskId: string;
  /** 0 for the baseline. */
  readonly iteration: number;
  /** The metric the gate read; null when it could not (a failing command, no report). */
  readonly metric: number | null;
  /** The baseline metric of this series. */
  readonly baseline: number | null;
  readonly decision: 'keep' | 'revert' | 'baseline';
  /** The iteration's commit (kept, or the one reverted); null without changes. */
  readonly commit: string | null;
  /** Why, in a few words: `improved`, `regressed`, `equal`, `gate failed`, `no changes`. */
  readonly reason: string;
}

/** Appends an experiment line to `file` (normally `projectPaths(root).experiments`). */
export async function appendExperiment(file: string, entry: ExperimentEntry): Promise<void> {
  await appendJsonLine(file, entry);
}

/** Why the iterations ended. */
export type IterationStop = 'target' | 'no-improvement' | 'max-iterations' | 'aborted';

/** What {@link runIterations} is given. */
export interface IterationDeps {
  /** Must have iterative execution and numeric completion. */
  readonly task: Task;
  /** The working tree (worktree); used by the default `commit` and `revert`. */
  readonly cwd: string;
  /**
   * Runs the agent for iteration `n` (from 1) with where the series stands; resolves when it is
   * done, also when it failed.
   */
  readonly runIteration: (n: number, standing: IterationStanding) => Promise<void>;
  readonly gate: () => Promise<GateResult>;
  /** Commits the iteration's changes; null when there were none. Default: `commitAll(cwd, …)`. */
  readonly commit?: (message: string) => Promise<string | null>;
  /** Undoes exactly that commit. Default: `revertCommit(cwd, sha)`. */
  readonly revert?: (sha: string) => Promise<void>;
  readonly appendExperiment: (entry: ExperimentEntry) => Promise<void>;
  /** Checked before each iteration. */
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

/** Where a series stands before an iteration: what its prompt tells the agent. */
export interface IterationStanding {
  readonly baseline: number | undefined;
  /** The best metric of a kept tree so far (the baseline counts). */
  readonly best: number | undefined;
  /** The metric of the tree as it stands: what this change has to beat. */
  readonly current: number | undefined;
  /** The iteration before this one; undefined for the first. */
  readonly last: IterationRecord | undefined;
}

/** One iteration's outcome. */
export interface IterationRecord {
  readonly iteration: number;
  readonly metric: number | null;
  readonly decision: 'keep' | 'revert';
  readonly comparison: MetricComparison | 'gate-failed' | 'no-changes';
  readonly commit: string | null;
  readonly gate: GateResult;
}

/** What the iterations achieved. */
export interface IterationsResult {
  /** Iterations whose commit stayed. */
  readonly kept: number;
  /** The best metric of a tree that was kept (the baseline counts); undefined if none was read. */
  readonly bestMetric: number | undefined;
  readonly baselineMetric: number | undefined;
  readonly iterations: IterationRecord[];
  readonly stop: IterationStop;
  readonly targetReached: boolean;
  /** The baseline gate, for the attempt record. */
  readonly baselineGate: GateResult;
}

function better(a: number | undefined, b: number, completion: NumericCompletion): number {
  if (a === undefined) return b;
  return completion.direction === 'maximize' ? Math.max(a, b) : Math.min(a, b);
}

/**
 * Drives the keep/revert loop of an iterative task; see the module comment. A throw from an
 * injected function ends the loop and propagates (uncommitted changes stay for the caller).
 */
export async function runIterations(deps: IterationDeps): Promise<IterationsResult> {
  const { task } = deps;
  const { execution, completion } = task;
  if (execution.strategy !== 'iterative' || completion.kind !== 'numeric') {
    throw new UserError(
      `Task ${task.id} is not iterative with a numeric completion; it cannot run experiments.`,
    );
  }
  const now = deps.now ?? (() => new Date());
  const commit = deps.commit ?? ((message: string) => commitAll(deps.cwd, message));
  const revert = deps.revert ?? (async (sha: string) => void (await revertCommit(deps.cwd, sha)));

  const baselineGate = await deps.gate();
  const baseline = baselineGate.metric;
  await deps.appendExperiment({
    at: now().toISOString(),
    taskId: task.id,
    iteration: 0,
    metric: baseline ?? null,
    baseline: baseline ?? null,
    decision: 'baseline',
    commit: null,
    reason: baseline === undefined ? 'gate failed' : 'baseline',
  });
  // `current` is the metric of the tree as it stands: what the next change has to beat.
  let current = baseline;
  let best = baseline;
  let reached = baseline !== undefined && targetReached(baseline, completion);
  const iterations: IterationRecord[] = [];
  let kept = 0;
  let withoutImprovement = 0;
  let stop: IterationStop = reached ? 'target' : 'max-iterations';

  for (let n = 1; !reached && n <= execution.maxIterations; n++) {
    if (deps.signal?.aborted) {
      stop = 'aborted';
      break;
    }
    await deps.runIteration(n, { baseline, best, current, last: iterations.at(-1) });
    const sha = await commit(`nightshift: ${task.id} iteration ${n}: ${task.title}`);
    const gate = await deps.gate();
    const metric = gate.metric;
    const comparison: IterationRecord['comparison'] =
      sha === null
        ? 'no-changes'
        : metric === undefined
          ? 'gate-failed'
          : compareMetric(current, metric, completion);
    // A tree whose gate fails is never kept; a measured regression stays only when the task opts
    // out of rollback.
    const keep =
      sha !== null &&
      metric !== undefined &&
      (comparison === 'improved' ||
        (comparison === 'equal' && execution.keepOnEqual) ||
        (comparison === 'regressed' && !execution.rollbackOnRegression));
    if (keep && metric !== undefined) {
      kept++;
      current = metric;
      best = better(best, metric, completion);
      reached = targetReached(metric, completion);
    } else if (sha !== null) {
      await revert(sha);
    }
    withoutImprovement = comparison === 'improved' ? 0 : withoutImprovement + 1;
    iterations.push({
      iteration: n,
      metric: metric ?? null,
      decision: keep ? 'keep' : 'revert',
      comparison,
      commit: sha,
      gate,
    });
    await deps.appendExperiment({
      at: now().toISOString(),
      taskId: task.id,
      iteration: n,
      metric: metric ?? null,
      baseline: baseline ?? null,
      decision: keep ? 'keep' : 'revert',
      commit: sha,
      reason: comparison.replace('-', ' '),
    });
    if (reached) stop = 'target';
    else if (withoutImprovement >= execution.stopAfterNoImprovement) {
      stop = 'no-improvement';
      break;
    }
  }
  return {
    kept,
    bestMetric: best,
    baselineMetric: baseline,
    iterations,
    stop,
    targetReached: reached,
    baselineGate,
  };
}
