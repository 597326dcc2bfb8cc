/**
 * Running an agent for an attempt (coding, reflect, review): the backend's command in a pty in the
 * worktree, shown on the board while it runs, its usage counted.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startAgent, type AgentProcess, type AgentResult } from '../agents/agent-process.js';
import type { AgentEvent, AgentRequest } from '../agents/backend.js';
import { attemptProcessTag } from '../agents/process-tree.js';
import type { Worktree } from '../git/worktree.js';
import { summariseEvent } from '../history/event-summary.js';
import type { AttemptLogPaths } from '../history/history.js';
import { withTaskServer } from '../mcp/wiring.js';
import { maskSecrets } from '../security/secrets.js';
import { sandboxFor } from './sandbox.js';
import type { AttemptContext, AttemptDeps } from './types.js';

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
    sandboxed: deps.sandbox?.kind === 'bwrap',
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
  await mkdir(attemptDir, { recursive: true, mode: 0o700 });
  const command = await deps.backend.buildCommand(
    await withTaskServer(agentRequest(deps, context, worktree.path, attemptDir, prompt, role)),
  );
  const record =
    role === 'coding' ? logs : { ...logs, jsonl: logs.jsonl.replace(/\.jsonl$/, `.${role}.jsonl`) };
  const agent: AgentProcess = await startAgent({
    command,
    backend: deps.backend,
    logPath: logs.log,
    maxLogBytes: deps.options.maxLogBytes,
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
      // A new watcher first gets the screen so far (attach shows a question asked earlier).
      onPty: (listener) => agent.watch(listener),
    },
  );
  let tokensIn = 0;
  let tokensOut = 0;
  let costUsd = 0;
  // Tool calls by id, to name the command a sandbox refusal came from.
  const calls = new Map<string, string>();
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
    if (event.type === 'tool-call' && event.id !== undefined) calls.set(event.id, event.input);
    const denial = denialOf(event, calls);
    if (denial) {
      const text = maskSecrets(`${denial.command} — ${denial.reason}`);
      handle.line('warn', `${task.id}: denied by ${denial.by}: ${text}`);
      // Kept in the attempt's record, so `task show` and the report show it after the run.
      handle.updateTask((t) => {
        const current = t.attempts.at(-1);
        if (!current) return;
        const denials = current.denials ?? [];
        if (denials.length < MAX_DENIALS_KEPT) current.denials = [...denials, `${role}: ${text}`];
      });
    }
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

/** Denials kept per attempt in its record (the log and the .jsonl record keep every one). */
const MAX_DENIALS_KEPT = 50;

/**
 * What the kernel sandbox says when a write is refused: the tool's own error text (git pushing to a
 * read-only repository says only that it cannot create its temporary object directory).
 */
const SANDBOX_REFUSAL = /Read-only file system|EROFS|unable to create temporary object directory/;
/**
 * The same, as a program's error line (`rm: cannot remove 'x': Read-only file system`), for CLIs
 * whose shell tool reports a failed command as a success with its output (gemini, opencode).
 */
const SANDBOX_REFUSAL_LINE =
  /^[^\n]*(: Read-only file system|: EROFS\b[^\n]*|unable to create temporary object directory)\s*$/m;

/**
 * A refused command in an agent's events: a policy denial from the CLI's own mechanism, or a tool
 * that failed because the sandbox holds the place read-only (the CLI does not know it was refused).
 */
export function denialOf(
  event: AgentEvent,
  calls: ReadonlyMap<string, string>,
): { by: string; command: string; reason: string } | undefined {
  if (event.type === 'denied')
    return { by: event.by ?? 'policy', command: event.command, reason: event.reason };
  if (event.type !== 'tool-result') return undefined;
  if (!(event.isError ? SANDBOX_REFUSAL : SANDBOX_REFUSAL_LINE).test(event.text)) return undefined;
  const line = event.text.split('\n').find((text) => SANDBOX_REFUSAL.test(text)) ?? event.text;
  const call = event.id !== undefined ? calls.get(event.id) : undefined;
  return {
    by: 'sandbox',
    command: call ?? 'a tool call',
    reason: `sandbox: ${line.trim().slice(0, 200)}`,
  };
}
