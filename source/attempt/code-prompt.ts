/**
 * The code prompt of an attempt: templates/prompts/code.md with the task, the project's AGENT.md
 * and the learnings.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildTaskPromptValues, loadPrompt, renderTemplate } from './prompts.js';
import type { AttemptContext, AttemptDeps } from './types.js';

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
