/**
 * Runs the reflect prompt through the run's backend, in the failed attempt's worktree (before it is
 * removed), so the agent can look at what was written.
 */
import type { AgentResult } from '../agents/agent-process.js';
import { errorMessage } from '../errors.js';
import type { AttemptContext, AttemptResult } from './attempt-types.js';
import { runAgent, type AttemptDeps } from './attempt.js';
import { diffText } from './git.js';
import { buildTaskPromptValues, loadPrompt, renderTemplate, truncateMiddle } from './prompts.js';
import type { AttemptLogPaths } from './history.js';
import type { Worktree } from './worktree.js';

/** The reflect agent's result, or undefined when it could not run (the caller falls back). */
export async function runReflectAgent(
  deps: AttemptDeps,
  context: AttemptContext,
  worktree: Worktree,
  logs: AttemptLogPaths,
  failed: AttemptResult,
  gateOutput: string,
): Promise<AgentResult | undefined> {
  try {
    const template = await loadPrompt('reflect', deps.paths.root);
    const diff = await diffText(worktree.path, worktree.baseSha).catch(() => '');
    const values = {
      ...buildTaskPromptValues(context.task, {
        attempt: context.attempt,
        maxAttempts: context.maxAttempts,
        learnings: context.learnings,
        projectName: deps.config.project.name,
      }),
      gate_output: truncateMiddle(gateOutput || failed.summary, 150, 12_000),
      diff: truncateMiddle(diff, 300, 20_000),
    };
    return await runAgent(deps, context, worktree, logs, renderTemplate(template.text, values), 'reflect');
  } catch (error) {
    context.handle.line('warn', `${context.task.id}: reflect agent could not run: ${errorMessage(error)}`);
    return undefined;
  }
}
