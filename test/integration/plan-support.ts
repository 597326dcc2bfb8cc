/**
 * Scripted sim planners for the plan-*.test.ts files: an intent whose `sim:` directives write the
 * spec and, per planner round (`sim: on-attempt N`), a plan file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PlanTask } from '../support/engine-fixtures.js';

/** The title line every scripted intent starts with; its spec goes to docs/specs/build-a-greeter.md. */
export const INTENT_TITLE = 'Build a greeter';
export const SPEC_PATH = 'docs/specs/build-a-greeter.md';

/** A spec that passes nightshift's "is this a spec" test. */
export const SPEC_TEXT = [
  '# Greeter',
  '',
  '## Goal',
  'Say hello.',
  '',
  '## Acceptance criteria',
  '1. hello.txt exists',
].join('\n');

/** A plan file on one line (a `>>>` line inside a block would end it). */
export function planJson(
  tasks: readonly (PlanTask | Readonly<Record<string, unknown>>)[],
  epics?: readonly Readonly<Record<string, unknown>>[],
): string {
  return JSON.stringify({ project: 'plan-test', ...(epics ? { epics } : {}), tasks });
}

/**
 * An intent for the sim planner: the title line, the spec write, then per round the plan file to
 * write (`any` = every round).
 */
export function scriptedIntent(
  rounds: Readonly<Record<string, string>>,
  options: { readonly spec?: boolean } = {},
): string {
  const lines = [INTENT_TITLE, ''];
  if (options.spec !== false) lines.push(`sim: write ${SPEC_PATH} <<<`, SPEC_TEXT, '>>>');
  for (const [round, plan] of Object.entries(rounds)) {
    lines.push(`sim: on-attempt ${round}`, 'sim: write .nightshift/plan.json <<<', plan, '>>>');
  }
  return lines.join('\n');
}

/** The prompt the planner got in round `round` of the latest plan run (saved in its log folder). */
export function plannerPrompt(projectDir: string, round: number): string {
  const logs = path.join(projectDir, '.nightshift', 'logs');
  const runs = readdirSync(logs)
    .filter((name) => name.startsWith('plan-') || name.startsWith('epoch-'))
    .sort((a, b) => statSync(path.join(logs, a)).mtimeMs - statSync(path.join(logs, b)).mtimeMs);
  const latest = runs.at(-1);
  if (latest === undefined) throw new Error(`no planner logs in ${logs}`);
  return readFileSync(path.join(logs, latest, `plan.${round}.plan`, 'prompt.md'), 'utf8');
}
