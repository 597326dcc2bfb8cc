/**
 * An attempt of an iterative task (DESIGN.md §5): baseline, then one agent change per iteration,
 * commit-before-compare, keep or revert that iteration's own commit, every iteration in
 * experiments.jsonl; what was kept lands like any passing attempt.
 */
import { attemptProcessTag } from '../agents/process-tree.js';
import type { AgentResult } from '../agents/agent-process.js';
import { describeOutage } from '../agents/outage.js';
import { renderCodePrompt } from './code-prompt.js';
import { land } from './land.js';
import type { AttemptContext, AttemptDeps, AttemptResult } from './types.js';
import { verify } from './verify.js';
import { commitAll, revertCommit } from '../git/git.js';
import type { AttemptLogPaths } from '../history/history.js';
import { appendExperiment, runIterations, type IterationStanding } from './iterate.js';
import type { Task } from '../tasks/model.js';
import type { Worktree } from '../git/worktree.js';
import { repoCacheFor, repoIdentity } from '../git/repo-cache.js';

/** Runs the keep/revert loop for one attempt. `runAgent` runs the coding agent with a prompt. */
export async function runIterativeAttempt(
  deps: AttemptDeps,
  context: AttemptContext,
  worktree: Worktree,
  logs: AttemptLogPaths,
  runAgent: (prompt: string) => Promise<AgentResult>,
): Promise<AttemptResult> {
  const { task, handle } = context;
  const basePrompt = await renderCodePrompt(deps, context);
  let lastAgent: AgentResult | undefined;
  const abort = new AbortController();
  const result = await runIterations({
    task,
    cwd: worktree.path,
    runIteration: async (n, standing) => {
      handle.setStatus('running');
      lastAgent = await runAgent(`${basePrompt}\n\n${iterationBrief(task, n, standing)}`);
      // An outage ends the attempt: the engine pauses the queue and runs it again later.
      if (handle.stopped() || lastAgent.outage) abort.abort();
    },
    gate: async () => {
      handle.setStatus('verifying');
      return verify(deps, task, worktree, logs, attemptProcessTag(context.runId, task.id, context.attempt));
    },
    commit: async (message) =>
      commitAll(worktree.path, message, {
        identity: await repoIdentity(deps.paths.root, repoCacheFor(deps)),
      }),
    revert: async (sha) => {
      await revertCommit(worktree.path, sha);
    },
    appendExperiment: (entry) => appendExperiment(deps.paths.experiments, entry),
    signal: abort.signal,
  });
  const checks = (result.iterations.at(-1)?.gate ?? result.baselineGate).checks;
  const outage = lastAgent?.outage;
  if (outage && !handle.stopped())
    return {
      outcome: 'interrupted',
      summary: `outage: ${describeOutage(outage.kind)} (${outage.message})`,
      checks,
      outage,
    };
  if (result.stop === 'aborted' || handle.stopped())
    return { outcome: 'interrupted', summary: 'stopped with the run', checks };
  if (result.bestMetric !== undefined) {
    handle.updateTask((t) => {
      t.bestMetric = result.bestMetric;
    });
  }
  const summary = `baseline ${result.baselineMetric ?? 'n/a'} → best ${result.bestMetric ?? 'n/a'}; kept ${result.kept} of ${result.iterations.length} iterations (${result.stop})`;
  handle.line('info', `${task.id}: ${summary}`);
  if (result.kept === 0 && !result.targetReached) {
    return {
      outcome: 'failed',
      summary: `no improvement: ${summary}`,
      checks,
      metric: result.bestMetric,
      sessionId: lastAgent?.sessionId,
    };
  }
  return land(deps, context, worktree, {
    outcome: 'passed',
    summary,
    checks,
    metric: result.bestMetric,
    sessionId: lastAgent?.sessionId,
  });
}

/**
 * What an iteration's prompt says of the experiment: the metric and its direction, the baseline,
 * the best so far, and how the last iteration went (kept or reverted), so the agent builds on
 * what worked instead of repeating what was rolled back.
 */
export function iterationBrief(task: Task, n: number, standing: IterationStanding): string {
  const show = (value: number | undefined): string => (value === undefined ? 'not measured' : String(value));
  const completion = task.completion.kind === 'numeric' ? task.completion : undefined;
  const max = task.execution.strategy === 'iterative' ? task.execution.maxIterations : n;
  const lines = [
    `## Iteration ${n} of at most ${max}`,
    '',
    completion
      ? `- Metric: \`${completion.jsonPath}\` from the verification output, ${completion.direction === 'maximize' ? 'higher is better (maximize)' : 'lower is better (minimize)'}${completion.target !== undefined ? `; target ${completion.target}` : ''}.`
      : "- Metric: the task's numeric completion.",
    `- Baseline (before any change): ${show(standing.baseline)}.`,
    `- Best so far: ${show(standing.best ?? task.bestMetric)}; the tree as it stands measures ${show(standing.current)}, and your change must beat that.`,
  ];
  const last = standing.last;
  if (last) {
    const why =
      last.comparison === 'no-changes'
        ? 'it changed no files'
        : last.comparison === 'gate-failed'
          ? 'its verification failed, so no metric was read'
          : `the metric ${last.comparison}`;
    lines.push(
      `- Last iteration (${last.iteration}): metric ${last.metric ?? 'not measured'}; ${last.decision === 'keep' ? 'KEPT' : 'REVERTED (its commit was undone)'} because ${why}.`,
    );
  } else lines.push('- This is the first iteration: nothing has been tried yet.');
  lines.push('', 'Make one focused change that should improve the metric.');
  return lines.join('\n');
}
