/**
 * The planner's prompt (templates/prompts/plan.md, or the project's override): the values of its
 * placeholders, named as in templates/prompts/README.md.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { oneLine } from '../text.js';
import { bulletList, loadPrompt, renderTemplate, truncateMiddle } from '../attempt/prompts.js';
import { planJsonSchema } from '../tasks/plan-schema.js';
import type { Task } from '../tasks/model.js';

/** Where the planner writes the plan file, relative to the repository root. */
export const PLAN_FILE = '.nightshift/plan.json';

/** A spec the planner plans from instead of writing one. */
export interface GivenSpec {
  /** Relative to the repository root when inside it. */
  readonly path: string;
  readonly text: string;
  /** Why it is given, shown to the planner: e.g. "given by the user". */
  readonly origin: string;
}

/** Everything that varies between planner prompts. */
export interface PlanPromptInput {
  readonly root: string;
  readonly projectName: string;
  readonly intent: string;
  readonly specPath: string;
  /** The spec the planner must not rewrite (a `-f` spec, or the first plan's spec in an epoch). */
  readonly givenSpec?: GivenSpec;
  /** The spec the planner wrote in the previous round, if any. */
  readonly previousSpec?: string;
  /** Tasks already in the queue, shown so the plan adds to them (empty with --replace). */
  readonly existing: readonly Task[];
  readonly learnings: readonly string[];
  /** Problems of the previous round (one per line), empty on the first. */
  readonly auditErrors: readonly string[];
  readonly specOnly: boolean;
}

/** `- id — title (status)`, with the block reason for blocked tasks. */
export function formatExistingTasks(tasks: readonly Task[]): string {
  return bulletList(
    tasks.map((task) => {
      const status =
        task.status === 'blocked' && task.blockReason
          ? `blocked: ${oneLine(task.blockReason, 160)}`
          : task.status;
      const deps = task.dependsOn.length > 0 ? `; depends on ${task.dependsOn.join(', ')}` : '';
      return `${task.id} — ${oneLine(task.title, 120)} (${status}${deps})`;
    }),
  );
}

/** The `audit_errors` block: empty on a first round. */
export function formatAuditErrors(errors: readonly string[]): string {
  if (errors.length === 0) return '';
  return [
    '# Audit errors from the last round',
    '',
    `What you wrote last round did not pass nightshift's checks. Fix every problem below in place (edit \`${PLAN_FILE}\``,
    'and the spec; keep what is fine), then end as before. Nothing enters the queue until all of them are gone.',
    '',
    ...errors.map((line) => `- ${line}`),
  ].join('\n');
}

/** The placeholder values of plan.md. */
export async function planPromptValues(input: PlanPromptInput): Promise<Record<string, string>> {
  const agentRulesPath = path.join(input.root, 'AGENT.md');
  const agentRules = existsSync(agentRulesPath) ? await readFile(agentRulesPath, 'utf8') : '';
  const schema = `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
  const spec = input.givenSpec
    ? `(${input.givenSpec.origin}, at \`${input.givenSpec.path}\`: plan from it and leave the file as it is)\n\n${truncateMiddle(input.givenSpec.text.trim(), 600, 60_000)}`
    : truncateMiddle((input.previousSpec ?? '').trim(), 600, 60_000);
  return {
    project_name: input.projectName,
    agent_rules: agentRules.trim(),
    learnings: bulletList(
      input.learnings
        .map((text) => oneLine(text, 400))
        .filter(Boolean)
        .slice(-10),
    ),
    intent: input.intent.trim(),
    spec,
    spec_path: input.specPath,
    plan_path: PLAN_FILE,
    plan_schema: schema.trim(),
    existing_tasks: formatExistingTasks(input.existing),
    audit_errors: formatAuditErrors(input.auditErrors),
    spec_only_note: input.specOnly
      ? `This time write ONLY the spec (\`${input.specPath}\`): the user asked for the spec alone (--spec-only). Do not write \`${PLAN_FILE}\`.`
      : '',
  };
}

/** The rendered planner prompt. */
export async function renderPlanPrompt(input: PlanPromptInput): Promise<string> {
  const template = await loadPrompt('plan', input.root);
  return renderTemplate(template.text, await planPromptValues(input));
}
