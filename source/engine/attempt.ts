/**
 * One attempt of one task (DESIGN.md §4–§6): a fresh worktree from the integration branch, the
 * prompt, the agent in a pty, the gate, then commit + rebase + fast-forward on success, or
 * reflection on failure. Reports through the AttemptHandle; never touches the store directly.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { startAgent, type AgentProcess, type AgentResult } from '../agents/agent-process.js';
import type { AgentRequest, Backend, CommandPolicy } from '../agents/backend.js';
import type { BackendSettings, Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import type { ProjectPaths } from '../paths.js';
import { maskSecrets } from '../security/secrets.js';
import type { Task } from '../tasks/model.js';
import type { AttemptContext, AttemptHandle, AttemptResult, AttemptRunner } from './attempt-types.js';
import { summariseEvent } from './event-summary.js';
import { runGate, type GateResult } from './gate.js';
import { commitWork } from './git.js';
import { appendProgress, attemptLogPaths, type AttemptLogPaths } from './history.js';
import { buildTaskPromptValues, loadPrompt, renderTemplate } from './prompts.js';
import { reflectOnFailure } from './reflect.js';
import { attemptProcessTag } from './recovery.js';
import type { RunOptions } from './run-options.js';
import { createWorktree, integrate, removeWorktree, type Worktree } from './worktree.js';
import { repoCacheFor, repoIdentity } from './repo-cache.js';
import { runIterativeAttempt } from './attempt-iterative.js';
import { withTaskServer } from '../mcp/wiring.js';
import { createReviewLoop } from '../review/review-loop.js';
import { engineSocketPath } from '../ipc/socket-path.js';
import type { Sandbox, SandboxScope } from '../sandbox/bwrap.js';

/** What every attempt of a run shares. */
export interface AttemptDeps {
  readonly paths: ProjectPaths;
  readonly config: Config;
  readonly options: RunOptions;
  readonly backend: Backend;
  readonly settings: BackendSettings;
  readonly integrationBranch: string;
  readonly policy: CommandPolicy;
  readonly nightshiftCommand: readonly string[];
  /** The kernel sandbox every agent and gate command of the run is wrapped in; absent = none. */
  readonly sandbox?: Sandbox;
}

/** What an attempt's sandbox may write besides its worktree (`extra`), and what it must still reach. */
export function sandboxFor(
  deps: Pick<AttemptDeps, 'sandbox' | 'paths'>,
  worktree: string,
  extra: readonly string[] = [],
): { sandbox: Sandbox; scope: SandboxScope } | undefined {
  if (!deps.sandbox || deps.sandbox.kind === 'off') return undefined;
  return {
    sandbox: deps.sandbox,
    scope: {
      worktree,
      projectRoot: deps.paths.root,
      writable: extra,
      // The task tool server and the hook inside reach the engine through its socket.
      readable: [path.dirname(engineSocketPath(deps.paths.root))],
    },
  };
}

/** Folders of the main checkout linked into each worktree so tests can run without reinstalling. */
const LINKED_FOLDERS = ['node_modules', '.venv', 'venv'];

/** The attempt runner the engine calls. */
export function createAttemptRunner(deps: AttemptDeps): AttemptRunner {
  const review = createReviewLoop(deps);
  return async (context) => {
    const { task, attempt, runId, handle } = context;
    const logs = attemptLogPaths(deps.paths, runId, task.id, attempt);
    await mkdir(logs.dir, { recursive: true });
    handle.updateTask((t) => {
      const current = t.attempts.at(-1);
      if (current) current.logPath = logs.log;
    });
    let worktree: Worktree | undefined;
    try {
      worktree = await createWorktree(deps.paths.root, task.id, attempt, {
        baseRef: deps.integrationBranch,
        links: LINKED_FOLDERS,
        cache: repoCacheFor(deps),
      });
      const result =
        task.execution.strategy === 'iterative'
          ? await runIterativeAttempt(deps, context, worktree, logs, (prompt) =>
              runAgent(deps, context, worktree!, logs, prompt),
            )
          : await runSinglePass(deps, context, worktree, logs);
      await appendProgress(deps.paths, {
        at: new Date().toISOString(),
        taskId: task.id,
        title: task.title,
        attempt,
        outcome: result.outcome,
        commit: result.commit,
        summary: result.summary,
      }).catch(() => undefined);
      // The quality check (both gate outcomes) and, when due, the review agent (review/).
      await review.afterAttempt(context, worktree, result);
      return { ...result, logPath: logs.log };
    } finally {
      // Interrupted attempts keep their worktree for inspection (DESIGN.md §3); others are removed.
      if (worktree && !handle.stopped())
        await removeWorktree(deps.paths.root, worktree.path, { branch: worktree.branch }).catch(
          () => undefined,
        );
    }
  };
}

async function runSinglePass(
  deps: AttemptDeps,
  context: AttemptContext,
  worktree: Worktree,
  logs: AttemptLogPaths,
): Promise<AttemptResult> {
  const { task, handle } = context;
  const prompt = await renderCodePrompt(deps, context);
  const agent = await runAgent(deps, context, worktree, logs, prompt);
  const early = agentFailure(agent, handle);
  if (early) return withReflection(deps, context, worktree, logs, early, '');

  handle.setStatus('verifying');
  handle.line(
    'info',
    `${task.id}: verifying (${task.verification.commands.length} command${task.verification.commands.length === 1 ? '' : 's'})`,
  );
  const gate = await verify(deps, task, worktree, logs);
  if (!gate.passed) {
    const failed = gate.checks.find((check) => !check.passed);
    const summary = `gate failed: ${failed ? `${failed.name}${failed.detail ? ` — ${detailGist(failed.detail)}` : ''}` : 'unknown check'}`;
    return withReflection(
      deps,
      context,
      worktree,
      logs,
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
  return land(deps, context, worktree, {
    outcome: 'passed',
    summary: oneLine(agent.finalText) || 'verified',
    checks: gate.checks,
    exitCode: agent.exitCode,
    metric: gate.metric,
    sessionId: agent.sessionId,
  });
}

/** Commits the verified work in the worktree and lands it on the integration branch. */
export async function land(
  deps: AttemptDeps,
  context: AttemptContext,
  worktree: Worktree,
  passed: AttemptResult,
): Promise<AttemptResult> {
  const { task, attempt, handle } = context;
  const message = `${task.title}\n\nnightshift task ${task.id}, attempt ${attempt}${passed.metric !== undefined ? `, metric ${passed.metric}` : ''}`;
  const made = await commitWork(worktree.path, `nightshift(${task.id}): ${message}`, {
    identity: await repoIdentity(deps.paths.root, repoCacheFor(deps)),
  });
  const { sha } = made;
  if (!deps.options.autoCommit) {
    handle.line(
      'info',
      `${task.id}: passed; auto_commit is off, so the work stays on branch ${worktree.branch}`,
    );
    return { ...passed, commit: sha ?? undefined };
  }
  // Iterative attempts (and agents that commit themselves) leave a clean tree with commits on it.
  if (sha === null && made.parent === worktree.baseSha)
    return { ...passed, summary: `${passed.summary} (no file changes to commit)` };
  // What the commit told (its parent, nothing left over) spares integrate a status and, when the branch has not moved, the rebase.
  const committed = sha !== null && made.excluded.length === 0 ? { sha, parent: made.parent } : undefined;
  const landed = await integrate(deps.paths.root, worktree, {
    integrationBranch: deps.integrationBranch,
    cache: repoCacheFor(deps),
    ...(committed && { committed }),
  });
  if (!landed.ok) {
    handle.line(
      'warn',
      `${task.id}: ${landed.reason === 'conflict' ? 'rebase conflict' : 'main checkout has uncommitted changes'}: ${landed.files.join(', ')}`,
    );
    return {
      ...passed,
      outcome: 'failed',
      summary: `passed the gate but could not land: ${landed.reason} in ${landed.files.join(', ')}`,
      conflict: landed.conflict,
    };
  }
  return { ...passed, commit: landed.sha };
}

/** The gate in the worktree, output appended to the attempt log. */
export async function verify(
  deps: AttemptDeps,
  task: Task,
  worktree: Worktree,
  logs: AttemptLogPaths,
): Promise<GateResult> {
  return runGate(task, {
    cwd: worktree.path,
    baseRef: worktree.baseSha,
    timeoutSeconds: deps.options.verificationTimeoutSeconds,
    env: { NIGHTSHIFT_TASK_ID: task.id },
    logFile: logs.log,
    mask: maskSecrets,
    sandbox: sandboxFor(deps, worktree.path),
  });
}

/** The code prompt for this attempt, with the project's AGENT.md and learnings. */
export async function renderCodePrompt(deps: AttemptDeps, context: AttemptContext): Promise<string> {
  const template = await loadPrompt('code', deps.paths.root);
  const agentRulesPath = path.join(deps.paths.root, 'AGENT.md');
  const agentRules = existsSync(agentRulesPath) ? await readFile(agentRulesPath, 'utf8') : '';
  const values = buildTaskPromptValues(context.task, {
    attempt: context.attempt,
    maxAttempts: context.maxAttempts,
    learnings: [...context.learnings, ...context.task.learning],
    conflict: context.conflict,
    projectName: deps.config.project.name,
    agentRules,
  });
  return renderTemplate(template.text, values);
}

/** The request a backend turns into a command. */
export function agentRequest(
  deps: AttemptDeps,
  context: Pick<AttemptContext, 'task' | 'attempt' | 'runId'>,
  cwd: string,
  attemptDir: string,
  prompt: string,
  role: AgentRequest['role'],
): AgentRequest {
  return {
    role,
    prompt,
    cwd,
    attemptDir,
    settings: deps.settings,
    policy: deps.policy,
    nightshiftCommand: deps.nightshiftCommand,
    env: {
      NIGHTSHIFT_TASK_ID: context.task.id,
      NIGHTSHIFT_ATTEMPT: String(context.attempt),
      NIGHTSHIFT_RUN_ID: context.runId,
      NIGHTSHIFT_ROLE: role,
      // Agents work in worktrees outside the project; the task tool server needs to find it.
      NIGHTSHIFT_PROJECT_ROOT: deps.paths.root,
      NIGHTSHIFT_POLICY: JSON.stringify(deps.policy),
      NIGHTSHIFT_DENIALS_FILE: path.join(attemptDir, 'denials.jsonl'),
    },
  };
}

/** Runs the backend's agent for this attempt in the worktree and shows it on the board. */
export async function runAgent(
  deps: AttemptDeps,
  context: AttemptContext,
  worktree: Worktree,
  logs: AttemptLogPaths,
  prompt: string,
  role: AgentRequest['role'] = 'coding',
): Promise<AgentResult> {
  const { task, attempt, runId, handle } = context;
  const attemptDir = path.join(logs.dir, `${task.id}.${attempt}.${role}`);
  await mkdir(attemptDir, { recursive: true });
  const command = await deps.backend.buildCommand(
    await withTaskServer(agentRequest(deps, context, worktree.path, attemptDir, prompt, role)),
  );
  const record =
    role === 'coding' ? logs : { ...logs, jsonl: logs.jsonl.replace(/\.jsonl$/, `.${role}.jsonl`) };
  const agent: AgentProcess = await startAgent({
    command,
    backend: deps.backend,
    logPath: logs.log,
    jsonlPath: record.jsonl,
    timeoutMs: deps.options.agentTimeoutMs,
    idleTimeoutMs: deps.options.idleTimeoutMs,
    tag: attemptProcessTag(runId, task.id, attempt),
    // The attempt folder holds the CLI's private home, settings and the hook's denials file.
    sandbox: sandboxFor(deps, worktree.path, [attemptDir]),
  });
  const agentId = handle.addAgent(
    {
      name: handle.nextAgentName(),
      backend: deps.backend.name,
      simulated: deps.backend.simulated,
      taskId: task.id,
      attempt,
      role,
      state: 'starting',
      action: deps.backend.simulated ? 'simulated agent starting' : 'starting',
      startedAt: new Date().toISOString(),
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      pid: agent.pid,
    },
    {
      write: (data) => agent.write(data),
      resize: (cols, rows) => agent.resize(cols, rows),
      stop: async () => {
        await agent.stop('stopped');
      },
      onPty: (listener) => agent.on('data', listener),
    },
  );
  let tokensIn = 0;
  let tokensOut = 0;
  let costUsd = 0;
  agent.on('state', (state) => handle.updateAgent(agentId, { state }));
  agent.on('event', (event) => {
    const line = summariseEvent(event);
    if (line) {
      handle.agentOutput(agentId, maskSecrets(line.text));
      if (line.action) handle.updateAgent(agentId, { action: maskSecrets(line.action) });
    }
    if (event.type === 'usage') {
      tokensIn += event.tokensIn;
      tokensOut += event.tokensOut;
      costUsd += event.costUsd ?? 0;
      handle.addUsage(event.tokensIn, event.tokensOut, event.costUsd ?? 0);
      handle.updateAgent(agentId, { tokensIn, tokensOut, costUsd });
    }
    if (event.type === 'denied')
      handle.line('warn', `${task.id}: denied by policy: ${event.command} (${event.reason})`);
  });
  if (handle.stopped()) void agent.stop('stopped');
  const result = await agent.result;
  // The final result's totals are authoritative; add what the live usage events did not cover.
  const extra = {
    tokensIn: Math.max(0, result.tokensIn - tokensIn),
    tokensOut: Math.max(0, result.tokensOut - tokensOut),
    costUsd: Math.max(0, result.costUsd - costUsd),
  };
  if (extra.tokensIn + extra.tokensOut + extra.costUsd > 0)
    handle.addUsage(extra.tokensIn, extra.tokensOut, extra.costUsd);
  handle.updateAgent(agentId, {
    state: 'exited',
    action: `exited (${result.reason}${result.exitCode !== null ? `, code ${result.exitCode}` : ''})`,
  });
  return result;
}

/** An attempt result when the agent itself failed (before any gate), or undefined when it exited fine. */
function agentFailure(agent: AgentResult, handle: AttemptHandle): AttemptResult | undefined {
  const base = { checks: [], exitCode: agent.exitCode, sessionId: agent.sessionId };
  if (agent.reason === 'stopped' && handle.stopped())
    return { ...base, outcome: 'interrupted', summary: 'stopped with the run' };
  if (agent.reason === 'stopped') return { ...base, outcome: 'failed', summary: 'agent stopped by a person' };
  if (agent.reason === 'timeout')
    return { ...base, outcome: 'timeout', summary: 'agent hit the wall-clock timeout' };
  if (agent.reason === 'idle')
    return { ...base, outcome: 'timeout', summary: 'agent produced no output for the idle timeout' };
  if (!agent.ok) {
    const detail = oneLine(agent.finalText);
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
  deps: AttemptDeps,
  context: AttemptContext,
  worktree: Worktree,
  logs: AttemptLogPaths,
  failed: AttemptResult,
  gateOutput: string,
): Promise<AttemptResult> {
  if (failed.outcome === 'interrupted' || context.handle.stopped()) return failed;
  try {
    const reflection = await reflectOnFailure(deps, context, worktree, logs, failed, gateOutput);
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

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}
