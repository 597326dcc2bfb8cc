/**
 * `[regression] agent = true`: after a failed re-test, the regression agent (templates/prompts/
 * regression.md) runs in the same worktree of the head, reads the failure, and proposes a fix; the
 * proposal becomes the reopened task's notes. By default the gate alone decides (no agent, no cost).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { attemptLogPaths } from '../history/history.js';
import { runAgent } from '../attempt/agent-run.js';
import { lastJsonAnswer } from '../attempt/json-answer.js';
import { buildTaskPromptValues, loadPrompt, renderTemplate, truncateMiddle } from '../attempt/prompts.js';
import type { AttemptDeps } from '../attempt/types.js';
import type { Task } from '../tasks/model.js';
import type { RegressionCheckContext, RegressionResult } from './types.js';

/** What the regression agent answers (the template's JSON). */
interface RegressionAnswer {
  readonly status: 'pass' | 'fail';
  readonly evidence: string;
  readonly failures: readonly string[];
  readonly fix: string;
}

/** The agent's proposal for the task's notes, or undefined when it could not run or answer. */
export async function investigate(
  deps: AttemptDeps,
  task: Task,
  context: RegressionCheckContext,
  worktree: { readonly path: string; readonly baseSha: string },
  failed: RegressionResult,
): Promise<string | undefined> {
  try {
    const template = await loadPrompt('regression', deps.paths.root);
    const rulesPath = path.join(deps.paths.root, 'AGENT.md');
    const values = {
      ...buildTaskPromptValues(task, {
        attempt: 1,
        maxAttempts: 1,
        learnings: [],
        projectName: deps.config.project.name,
        agentRules: existsSync(rulesPath) ? await readFile(rulesPath, 'utf8') : '',
      }),
      gate_output: truncateMiddle(failed.output || failed.summary, 150, 12_000),
      commits_since_pass: failed.commits.map((line) => `- ${line}`).join('\n'),
    };
    const logs = attemptLogPaths(deps.paths, context.runId, task.id, context.n);
    const result = await runAgent(
      deps,
      {
        task,
        attempt: context.n,
        maxAttempts: 1,
        runId: context.runId,
        learnings: [],
        handle: context.handle,
      },
      { path: worktree.path, branch: '(detached)', baseSha: worktree.baseSha },
      { ...logs, log: logs.log.replace(/\.log$/, '.regression.log') },
      renderTemplate(template.text, values),
      'regression',
    );
    const answer = lastJsonAnswer(result.finalText, readAnswer);
    if (!answer) {
      context.handle.line('warn', `${task.id}: the regression agent gave no answer nightshift could read`);
      return undefined;
    }
    return formatProposal(answer, context.head);
  } catch (error) {
    context.handle.line('warn', `${task.id}: regression agent could not run: ${errorMessage(error)}`);
    return undefined;
  }
}

function readAnswer(record: Readonly<Record<string, unknown>>): RegressionAnswer | undefined {
  const { status, evidence, failures, fix } = record;
  if (status !== 'pass' && status !== 'fail') return undefined;
  return {
    status,
    evidence: typeof evidence === 'string' ? evidence : '',
    failures: Array.isArray(failures) ? failures.filter((f): f is string => typeof f === 'string') : [],
    fix: typeof fix === 'string' ? fix : '',
  };
}

/** The notes text: what broke and the proposed fix, in the agent's words. */
function formatProposal(answer: RegressionAnswer, head: string): string {
  const lines = [`Regression agent on ${head.slice(0, 8)} (${answer.status}): ${answer.evidence}`.trim()];
  for (const failure of answer.failures) lines.push(`- broken: ${failure}`);
  if (answer.fix) lines.push(`Proposed fix: ${answer.fix}`);
  return lines.join('\n').slice(0, 4000);
}
