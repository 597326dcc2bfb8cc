/**
 * Prompt templates (templates/prompts/README.md): loading with the project override chain, filling
 * placeholders, and the values of a coding attempt's prompt.
 *
 * Template syntax, deliberately tiny:
 * - `{{name}}` (spaces inside the braces allowed) becomes the value's text; an unknown or empty
 *   value becomes the empty string. Values are inserted once and never re-scanned, so a value that
 *   contains `{{x}}` (a diff, a task description) stays as it is.
 * - `{{#if name}}…{{/if}}` keeps its body only when `name` is non-empty (after trimming). Blocks do
 *   not nest. The shipped templates do not need it; it is there for project overrides.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { templatesDir } from '../paths.js';
import type { Task } from '../tasks/model.js';
import { oneLine } from '../text.js';

/** The prompts nightshift ships. */
export const PROMPT_NAMES = ['plan', 'code', 'regression', 'reflect', 'review'] as const;
/** One of the shipped prompts. */
export type PromptName = (typeof PROMPT_NAMES)[number];

/** Earlier attempts shown in a prompt. */
export const PROMPT_ATTEMPTS_SHOWN = 3;
/** Journal lessons shown in a prompt. */
export const PROMPT_LEARNINGS_SHOWN = 10;

/** Fills `{{name}}` placeholders and `{{#if name}}…{{/if}}` blocks; see the module comment. */
export function renderTemplate(text: string, values: Readonly<Record<string, string>>): string {
  const value = (name: string): string => (Object.hasOwn(values, name) ? (values[name] ?? '') : '');
  // Blocks first, so a placeholder inside a dropped block is never filled; both passes use a
  // replace callback, whose results are not scanned again.
  const withBlocks = text.replace(
    /\{\{#if\s+([\w.-]+)\s*\}\}([\s\S]*?)\{\{\/if\s*\}\}/g,
    (_all, name: string, body: string) => (value(name).trim() ? body : ''),
  );
  return withBlocks.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_all, name: string) => value(name));
}

/** A loaded template and where it came from. */
export interface LoadedPrompt {
  readonly name: PromptName;
  readonly text: string;
  /** The file read: the project's override or the shipped template. */
  readonly path: string;
  readonly overridden: boolean;
}

/**
 * Loads prompt `name`: `<root>/.nightshift/prompts/<name>.md` when the project has one, else the
 * package's `templates/prompts/<name>.md`. `shippedDir` replaces the package folder (tests).
 */
export async function loadPrompt(
  name: PromptName,
  projectRoot: string,
  shippedDir: string = path.join(templatesDir, 'prompts'),
): Promise<LoadedPrompt> {
  const override = path.join(projectRoot, '.nightshift', 'prompts', `${name}.md`);
  const shipped = path.join(shippedDir, `${name}.md`);
  for (const [file, overridden] of [
    [override, true],
    [shipped, false],
  ] as const) {
    if (existsSync(file)) return { name, text: await readFile(file, 'utf8'), path: file, overridden };
  }
  throw new UserError(`No prompt template "${name}": neither ${override} nor ${shipped} exists.`, {
    hint: 'Reinstall nightshift, or put your own template at the first path.',
  });
}

/** Markdown bullets, one per item; nothing for an empty list. */
export function bulletList(items: readonly string[]): string {
  return items.map((item) => `- ${item}`).join('\n');
}

/** `1. …` lines, for steps. */
export function numberedList(items: readonly string[]): string {
  return items.map((item, i) => `${i + 1}. ${item}`).join('\n');
}

/** Backticks around a command or glob, lengthening the fence if it contains backticks itself. */
export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return fence === '``' ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/**
 * Keeps the head and the tail of a long block with a `… N lines cut …` marker between them, so a
 * prompt stays under a CLI's limit while the start (context) and the end (the error) survive.
 */
export function truncateMiddle(text: string, maxLines = 200, maxChars = 20_000): string {
  let lines = text.split('\n');
  if (lines.length > maxLines) {
    const head = Math.ceil(maxLines / 3);
    const tail = maxLines - head;
    lines = [...lines.slice(0, head), `… ${lines.length - maxLines} lines cut …`, ...lines.slice(-tail)];
  }
  const joined = lines.join('\n');
  if (joined.length <= maxChars) return joined;
  const head = Math.floor(maxChars / 3);
  return `${joined.slice(0, head)}\n… ${joined.length - maxChars} characters cut …\n${joined.slice(-(maxChars - head))}`;
}

/** What {@link buildTaskPromptValues} needs besides the task. */
export interface TaskPromptContext {
  /** This attempt's number, from 1. */
  readonly attempt: number;
  /** Attempts allowed in total (`run.max_retries` + 1). */
  readonly maxAttempts: number;
  /** The project's learning journal texts, newest last (bounded here). */
  readonly learnings: readonly string[];
  /** The rebase conflict that sent the task back, if any. */
  readonly conflict?: string;
  readonly projectName: string;
  /** The project's AGENT.md, verbatim. */
  readonly agentRules?: string;
}

/** `attempt N (outcome): summary — reflection: lesson`, one line per finished attempt. */
export function formatPreviousAttempts(task: Pick<Task, 'attempts'>, shown = PROMPT_ATTEMPTS_SHOWN): string {
  const finished = task.attempts.filter((attempt) => attempt.outcome !== 'running').slice(-shown);
  return bulletList(
    finished.map((attempt) => {
      const summary = oneLine(attempt.summary, 300) || 'no summary';
      const reflection = attempt.reflection ? ` — reflection: ${oneLine(attempt.reflection, 300)}` : '';
      return `attempt ${attempt.n} (${attempt.outcome}): ${summary}${reflection}`;
    }),
  );
}

/**
 * The placeholder values of a task prompt (`code.md`; also the task part of `reflect.md` and
 * `regression.md`), named as in templates/prompts/README.md. Outputs such as `gate_output` and
 * `diff` are added by the caller.
 */
export function buildTaskPromptValues(task: Task, context: TaskPromptContext): Record<string, string> {
  const learnings = context.learnings
    .map((text) => oneLine(text, 400))
    .filter(Boolean)
    .slice(-PROMPT_LEARNINGS_SHOWN);
  return {
    project_name: context.projectName,
    agent_rules: (context.agentRules ?? '').trim(),
    learnings: bulletList(learnings),
    task_id: task.id,
    task_title: task.title,
    task_description: task.description.trim(),
    steps: numberedList(task.steps),
    docs: bulletList(task.docs.map(code)),
    notes: task.notes.trim(),
    verification_commands: bulletList(task.verification.commands.map(code)),
    path_patterns: bulletList(task.verification.pathPatterns.map(code)),
    attempt: String(context.attempt),
    max_attempts: String(context.maxAttempts),
    previous_attempts: formatPreviousAttempts(task),
    conflict: context.conflict ? truncateMiddle(context.conflict.trim(), 80, 6000) : '',
    regression: formatRegression(task),
  };
}

/**
 * What a regression check found, for a reopened task's next prompt: the head it failed on, the
 * commits since it last passed, and the failing output. Empty unless the last check failed.
 */
export function formatRegression(task: Pick<Task, 'regression'>): string {
  const record = task.regression;
  if (record?.outcome !== 'failed') return '';
  const parts = [`Failed on ${record.head.slice(0, 10)} at ${record.testedAt}.`];
  if (record.commits.length > 0) parts.push(`Commits since it last passed:\n${bulletList(record.commits)}`);
  if (record.output)
    parts.push(`Failing output:\n\`\`\`\n${truncateMiddle(record.output.trim(), 80, 6000)}\n\`\`\``);
  return parts.join('\n');
}
