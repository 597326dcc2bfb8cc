/**
 * One attempt of one task (DESIGN.md §4–§6): a fresh worktree from the integration branch, the
 * prompt, the agent in a pty, the gate, then commit + rebase + fast-forward on success, or
 * reflection on failure. Reports through the AttemptHandle; never touches the store directly.
 */
import { attemptProcessTag } from '../agents/process-tree.js';
import { mkdir } from 'node:fs/promises';
import type { AgentResult } from '../agents/agent-process.js';
import { describeOutage } from '../agents/outage.js';
import { createBackend } from '../agents/factory.js';
import { errorMessage } from '../errors.js';
import { repoCacheFor } from '../git/repo-cache.js';
import { createWorktree, removeWorktree, type Worktree } from '../git/worktree.js';
import { attemptLogPaths } from '../history/history.js';
import { formatGateChecks, keepAttempt, landedDiff, worktreeDiff } from '../report/attempt-archive.js';
import type { Task } from '../tasks/model.js';
import { runAgent } from './agent-run.js';
import { renderCodePrompt } from './code-prompt.js';
import { runIterativeAttempt } from './iterative.js';
import { land, type LandedBase } from './land.js';
import { reflectOnFailure } from './reflect.js';
import type {
  AfterAttempt,
  AttemptContext,
  AttemptDeps,
  AttemptHandle,
  AttemptResult,
  AttemptRunner,
  AttemptScope,
} from './types.js';
import { verify } from './verify.js';
import type { AttemptCleanups } from './attempt-cleanup.js';
import { oneLine } from '../text.js';

/** Folders of the main checkout linked into each worktree so tests can run without reinstalling. */
const LINKED_FOLDERS = ['node_modules', '.venv', 'venv'];

/** What the composition root plugs into every attempt. */
export interface AttemptHooks {
  /** After every attempt, with its worktree still there (the quality check and review loop). */
  readonly afterAttempt?: AfterAttempt;
  /**
   * Where the attempt's kept files and worktree removal go after it reported; the run drains it
   * before it ends. Without it they are done before the attempt returns.
   */
  readonly cleanups?: AttemptCleanups;
}

/** The attempt runner the engine calls. */
export function createAttemptRunner(runDeps: AttemptDeps, hooks: AttemptHooks = {}): AttemptRunner {
  return async (context) => {
    const { task, attempt, runId, handle } = context;
    const deps = depsForTask(runDeps, task);
    const logs = attemptLogPaths(deps.paths, runId, task.id, attempt);
    await mkdir(logs.dir, { recursive: true, mode: 0o700 });
    handle.updateTask((t) => {
      const current = t.attempts.at(-1);
      if (current) current.logPath = logs.log;
    });
    const kept: KeptFiles = { prompts: [] };
    const runCoding = (prompt: string): Promise<AgentResult> => {
      kept.prompts.push(prompt);
      return runAgent(deps, context, worktree!, logs, prompt);
    };
    let worktree: Worktree | undefined;
    let result: AttemptResult | undefined;
    let keepBranch = false;
    // The previous attempt's removal deletes the branch this one is about to make.
    await hooks.cleanups?.settled(task.id);
    try {
      worktree = await createWorktree(deps.paths.root, task.id, attempt, {
        baseRef: deps.integrationBranch,
        links: LINKED_FOLDERS,
        cache: repoCacheFor(deps),
      });
      result =
        task.execution.strategy === 'iterative'
          ? await runIterativeAttempt(deps, context, worktree, logs, runCoding)
          : await runSinglePass({ deps, context, worktree, logs }, runCoding, kept);
      // The quality check (both gate outcomes) and, when due, the review agent (review/).
      keepBranch = result.waiting !== undefined;
      await hooks.afterAttempt?.(context, worktree, result);
      return { ...result, logPath: logs.log };
    } finally {
      if (worktree) {
        const done = worktree;
        // Interrupted attempts keep their worktree for inspection (DESIGN.md §3); others are removed.
        const remove = !handle.stopped();
        const cleanup = async (): Promise<void> => {
          await keepForInspection(deps, context, done, kept, result);
          if (remove)
            await removeWorktree(deps.paths.root, done.path, { branch: done.branch, keepBranch }).catch(
              () => undefined,
            );
        };
        // Nothing in the cleanup changes what the attempt reports: the task is done without waiting.
        if (hooks.cleanups) hooks.cleanups.defer(task.id, cleanup);
        else await cleanup();
      }
    }
  };
}

/** The deps of one task's attempts: its own backend and model when the task names them. */
export function depsForTask(deps: AttemptDeps, task: Pick<Task, 'backend' | 'model'>): AttemptDeps {
  if (task.backend === undefined && task.model === undefined) return deps;
  const name = (task.backend ?? deps.backend.name) as AttemptDeps['options']['backend'];
  const backend = name === deps.backend.name ? deps.backend : createBackend(name);
  const settings = name === deps.backend.name ? deps.settings : deps.config.backend[name];
  return {
    ...deps,
    backend,
    settings: task.model === undefined ? settings : { ...settings, model: task.model },
  };
}

/** What an attempt leaves for `nightshift task diff`, gathered while it runs. */
interface KeptFiles extends LandedBase {
  readonly prompts: string[];
}

/**
 * Keeps the attempt's prompt, diff and gate output (report/attempt-archive.ts); the worktree is
 * removed next, and this is all a person can see of a failed attempt in the morning. Runs after
 * the attempt reported, while its worktree still exists.
 */
async function keepForInspection(
  deps: AttemptDeps,
  context: AttemptContext,
  worktree: Worktree,
  kept: KeptFiles,
  result: AttemptResult | undefined,
): Promise<void> {
  try {
    // A landed branch was rebased: its diff is taken against where it sits now; the landed commit
    // is all of it (one git process, where the worktree's diff takes three).
    const { diffBase } = kept;
    const diff =
      result?.commit !== undefined && diffBase !== undefined
        ? await landedDiff(worktree.path, diffBase, result.commit)
        : await worktreeDiff(worktree.path, diffBase ?? worktree.baseSha);
    const prompt = kept.prompts
      .map((text, index) => (kept.prompts.length > 1 ? `<!-- agent run ${index + 1} -->\n${text}` : text))
      .join('\n\n');
    await keepAttempt(
      deps.paths.dir,
      context.task.id,
      context.attempt,
      {
        prompt,
        diff,
        gate: result ? formatGateChecks(result.checks) : 'The attempt ended with an error before the gate.\n',
      },
      deps.config.run.keep_attempts,
    );
  } catch (error) {
    context.handle.line(
      'warn',
      `${context.task.id}: could not keep the attempt's files: ${errorMessage(error)}`,
    );
  }
}

async function runSinglePass(
  scope: AttemptScope,
  runCoding: (prompt: string) => Promise<AgentResult>,
  kept: KeptFiles,
): Promise<AttemptResult> {
  const { deps, context, worktree, logs } = scope;
  const { task, handle } = context;
  const prompt = await renderCodePrompt(deps, context);
  const agent = await runCoding(prompt);
  const early = agentFailure(agent, handle);
  if (early) return withReflection(scope, early, '');

  handle.setStatus('verifying');
  handle.line(
    'info',
    `${task.id}: verifying (${task.verification.commands.length} command${task.verification.commands.length === 1 ? '' : 's'})`,
  );
  const gate = await verify(
    deps,
    task,
    worktree,
    logs,
    attemptProcessTag(context.runId, task.id, context.attempt),
  );
  if (!gate.passed) {
    const failed = gate.checks.find((check) => !check.passed);
    const summary = `gate failed: ${failed ? `${failed.name}${failed.detail ? ` — ${detailGist(failed.detail)}` : ''}` : 'unknown check'}`;
    return withReflection(
      scope,
      {
        outcome: 'failed',
        summary,
        checks: gate.checks,
        exitCode: agent.exitCode,
        metric: gate.metric,
        sessionId: agent.sessionId,
      },
      gate.output,
    );
  }
  return land(
    deps,
    context,
    worktree,
    {
      outcome: 'passed',
      summary: oneLine(agent.finalText) || 'verified',
      checks: gate.checks,
      exitCode: agent.exitCode,
      metric: gate.metric,
      sessionId: agent.sessionId,
    },
    kept,
  );
}

/** An attempt result when the agent itself failed (before any gate), or undefined when it exited fine. */
function agentFailure(agent: AgentResult, handle: AttemptHandle): AttemptResult | undefined {
  const base = { checks: [], exitCode: agent.exitCode, sessionId: agent.sessionId };
  if (agent.reason === 'stopped' && handle.stopped())
    return { ...base, outcome: 'interrupted', summary: 'stopped with the run' };
  if (agent.reason === 'stopped') return { ...base, outcome: 'failed', summary: 'agent stopped by a person' };
  // The model API was out, not the task at fault: no reflection, and the engine spends no retry.
  if (agent.outage)
    return {
      ...base,
      outcome: 'interrupted',
      summary: `outage: ${describeOutage(agent.outage.kind)} (${agent.outage.message})`,
      outage: agent.outage,
    };
  if (agent.reason === 'timeout')
    return { ...base, outcome: 'timeout', summary: 'agent hit the wall-clock timeout' };
  if (agent.reason === 'idle')
    return { ...base, outcome: 'timeout', summary: 'agent produced no output for the idle timeout' };
  if (!agent.ok) {
    const detail = oneLine(agent.endedOn ?? agent.finalText);
    return {
      ...base,
      outcome: 'failed',
      summary: `agent exited with code ${agent.exitCode ?? 'unknown'}${detail ? `: ${detail}` : ''}`,
    };
  }
  return undefined;
}

/** Adds the reflection step to a failed result (never to interrupted ones). */
async function withReflection(
  scope: AttemptScope,
  failed: AttemptResult,
  gateOutput: string,
): Promise<AttemptResult> {
  const { context } = scope;
  if (failed.outcome === 'interrupted' || context.handle.stopped()) return failed;
  try {
    const reflection = await reflectOnFailure(scope, failed, gateOutput);
    return { ...failed, reflection };
  } catch (error) {
    context.handle.line('warn', `${context.task.id}: reflection failed: ${errorMessage(error)}`);
    return failed;
  }
}

/**
 * A failed check's detail in one line: its first line and, when output follows (`exit 1; last
 * output:` then the lines), the last of them — the first line alone said only "last output:".
 */
function detailGist(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return (lines.length > 1 ? `${lines[0]} ${lines.at(-1)}` : (lines[0] ?? '')).slice(0, 200);
}
