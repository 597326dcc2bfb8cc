/**
 * Runs the reflect prompt through the run's backend, in the failed attempt's worktree (before it is
 * removed), so the agent can look at what was written.
 */
import type { AgentResult } from '../agents/agent-process.js';
import { errorMessage } from '../errors.js';
import { runAgent } from './agent-run.js';
import type { AttemptResult, AttemptScope } from './types.js';
import { diffText, git } from '../git/git.js';
import { isEnvFile } from '../security/secrets.js';
import { buildTaskPromptValues, loadPrompt, renderTemplate, truncateMiddle } from './prompts.js';

/** The reflect agent's result, or undefined when it could not run (the caller falls back). */
export async function runReflectAgent(
  scope: AttemptScope,
  failed: AttemptResult,
  gateOutput: string,
): Promise<AgentResult | undefined> {
  const { deps, context, worktree, logs } = scope;
  try {
    const template = await loadPrompt('reflect', deps.paths.root);
    const diff = await attemptDiff(worktree.path, worktree.baseSha).catch(() => '');
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

/** At most this many new files are shown whole in the reflect prompt. */
const MAX_NEW_FILES = 50;

/**
 * The attempt's changes since it started, new files included: `git diff BASE` leaves out untracked
 * files, and new files are often all an agent wrote (the reflect agent saw an empty diff). Read-only:
 * `git diff --no-index` per file instead of `git add -N`, so the index stays as the agent left it.
 * `.env*` files stay out, as they do from commits.
 */
async function attemptDiff(cwd: string, baseSha: string): Promise<string> {
  const tracked = await diffText(cwd, baseSha);
  const untracked = (await git(cwd, ['ls-files', '--others', '--exclude-standard', '-z'])).stdout
    .split('\0')
    .filter((file) => file !== '' && !isEnvFile(file))
    .slice(0, MAX_NEW_FILES);
  const added: string[] = [];
  for (const file of untracked) {
    // --no-index exits 1 when the files differ, which they always do here.
    added.push(
      (await git(cwd, ['diff', '--no-index', '--no-color', '--', '/dev/null', file], { allowFailure: true }))
        .stdout,
    );
  }
  return [tracked, ...added].filter((part) => part.trim() !== '').join('\n');
}
