/**
 * Specs under `docs/specs/`: where the planner writes one, and whether a document a user passes with
 * `plan -f FILE` already is one (then the planner plans from it and does not write a spec).
 */
import path from 'node:path';

/** Where specs go, relative to the repository root. */
export const SPECS_DIR = 'docs/specs';

/**
 * Headings a document needs (besides its `# title`) to count as a spec: the two sections of
 * templates/prompts/plan.md without which a plan cannot be checked — what it is for, and how to tell
 * it is done. Matched case-insensitively at any heading level, so `## Goal` and `### Goals` count.
 */
const SPEC_SECTIONS = [/^#{1,6}\s+goals?\b/im, /^#{1,6}\s+acceptance\s+criteria\b/im] as const;

/**
 * Whether `text` (the contents of `file`) already is a spec: a Markdown file (`.md`/`.markdown`)
 * whose first non-empty line is a `# ` heading and that has a Goal and an Acceptance criteria
 * heading. Deliberately simple, so a user can predict it: anything else is treated as an intent.
 */
export function isSpecDocument(file: string, text: string): boolean {
  if (!/\.(md|markdown)$/i.test(file)) return false;
  const first = text.split('\n').find((line) => line.trim() !== '');
  if (first === undefined || !/^#\s+\S/.test(first.trim())) return false;
  return SPEC_SECTIONS.every((pattern) => pattern.test(text));
}

/** A file-name slug from the first line of the intent that is not a `sim:` directive. */
export function specSlug(intent: string): string {
  const line = intent
    .split('\n')
    .map((candidate) => candidate.replace(/^#+\s*/, '').trim())
    .find((candidate) => candidate !== '' && !candidate.startsWith('sim:'));
  const slug = (line ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug || 'spec';
}

/** `docs/specs/<slug>.md` for an intent. */
export function specPathFor(intent: string): string {
  return path.posix.join(SPECS_DIR, `${specSlug(intent)}.md`);
}
