/**
 * An attempt of an iterative task (DESIGN.md §5): baseline, then one agent change per iteration,
 * commit-before-compare, keep or revert that iteration's own commit, every iteration in
 * experiments.jsonl; what was kept lands like any passing attempt.
 */
import type { AgentResult } from '../agents/agent-process.js';
import { describeOutage } from '../agents/outage.js';
import { renderCodePrompt } from './code-prompt.js';
import { land } from './land.js';
import type { AttemptContext, AttemptDeps, AttemptResult } from './types.js';
import { verify } from './verify.js';
import { commitAll, revertCommit } from '../git/git.js';
import type { AttemptLogPaths } from '../history/history.js';
import { appendExperiment, runIterations } from './iterate.js';
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
    runIteration: async (n) => {
      handle.setStatus('running');
      const best =
        task.bestMetric !== undefined
          ? ` The best ${task.completion.kind === 'numeric' ? task.completion.jsonPath : 'metric'} so far is ${task.bestMetric}.`
          : '';
      lastAgent = await runAgent(
        `${basePrompt}\n\nThis is iteration ${n}: make one focused change that should improve the metric.${best}`,
      );
      // An outage ends the attempt: the engine pauses the queue and runs it again later.
      if (handle.stopped() || lastAgent.outage) abort.abort();
    },
    gate: async () => {
      handle.setStatus('verifying');
      return verify(deps, task, worktree, logs);
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
