/**
 * The review log `.nightshift/reviews.jsonl`: one JSON line per review agent run, with the
 * attempts it covered, the commits it read and its findings. Append-only like the other history
 * files; `nightshift review` reads it back.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { appendJsonLine } from '../history/history.js';
import type { ProjectPaths } from '../paths.js';
import { lastJsonAnswer } from '../attempt/json-answer.js';

/** How bad a finding is (templates/prompts/review.md). */
export type Severity = 'high' | 'medium' | 'low';

/** One thing the reviewer found. */
export interface ReviewFinding {
  readonly severity: Severity;
  readonly taskId?: string;
  readonly file?: string;
  readonly message: string;
  readonly fix: string;
}

/** The review agent's answer. */
export interface ReviewAnswer {
  readonly verdict: 'ok' | 'concerns';
  readonly summary: string;
  readonly findings: ReviewFinding[];
}

/** Why a review ran. */
export type ReviewTrigger = 'every' | 'score-drop';

/** One line of reviews.jsonl. */
export interface ReviewEntry extends Omit<ReviewAnswer, 'verdict'> {
  readonly at: string;
  readonly runId: string;
  readonly trigger: ReviewTrigger;
  /** `unparsed` when the agent gave no usable answer (its summary says why). */
  readonly verdict: ReviewAnswer['verdict'] | 'unparsed';
  /** The attempts since the last review, with their quality scores. */
  readonly attempts: {
    readonly taskId: string;
    readonly attempt: number;
    readonly outcome: string;
    readonly score?: number;
  }[];
  /** The integration branch's commits the review read: `base..head`. */
  readonly base?: string;
  readonly head?: string;
}

/** `.nightshift/reviews.jsonl`. */
export function reviewsFile(paths: Pick<ProjectPaths, 'dir'>): string {
  return path.join(paths.dir, 'reviews.jsonl');
}

/** Appends one review. */
export async function appendReview(paths: Pick<ProjectPaths, 'dir'>, entry: ReviewEntry): Promise<void> {
  await appendJsonLine(reviewsFile(paths), entry);
}

/** Every review in the log, oldest first; a damaged line (a crash mid-write) is skipped. */
export async function readReviews(paths: Pick<ProjectPaths, 'dir'>): Promise<ReviewEntry[]> {
  const file = reviewsFile(paths);
  if (!existsSync(file)) return [];
  const entries: ReviewEntry[] = [];
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as ReviewEntry);
    } catch {
      // skipped
    }
  }
  return entries;
}

/** `[high] T3 src/app.py: message — fix: …` */
export function formatFinding(finding: ReviewFinding): string {
  const where = [finding.taskId, finding.file].filter(Boolean).join(' ');
  return `[${finding.severity}]${where ? ` ${where}` : ''}: ${finding.message}${finding.fix ? ` — fix: ${finding.fix}` : ''}`;
}

const SEVERITIES: readonly string[] = ['high', 'medium', 'low'];

/** The last JSON object in the agent's final message that reads as a review, or undefined. */
export function parseReview(text: string): ReviewAnswer | undefined {
  return lastJsonAnswer(text, (record): ReviewAnswer | undefined => {
    const verdict = record['verdict'];
    if (verdict !== 'ok' && verdict !== 'concerns') return undefined;
    const findings: ReviewFinding[] = [];
    for (const raw of Array.isArray(record['findings']) ? record['findings'] : []) {
      const finding = asRecord(raw);
      const message = finding?.['message'];
      if (!finding || typeof message !== 'string' || !message.trim()) continue;
      const severity =
        typeof finding['severity'] === 'string' && SEVERITIES.includes(finding['severity'])
          ? (finding['severity'] as Severity)
          : 'medium';
      const text = (key: string): string | undefined => {
        const value = finding[key];
        return typeof value === 'string' && value.trim() ? value.trim() : undefined;
      };
      const taskId = text('task_id');
      const file = text('file');
      findings.push({
        severity,
        message: message.trim(),
        fix: text('fix') ?? '',
        ...(taskId && { taskId }),
        ...(file && { file }),
      });
    }
    return {
      verdict,
      summary: typeof record['summary'] === 'string' ? record['summary'].trim() : '',
      findings,
    };
  });
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
