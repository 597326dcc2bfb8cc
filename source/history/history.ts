/**
 * The append-only history files of a project (DESIGN §3, §5): `.nightshift/progress.md` (one
 * markdown line per attempt, for people), `.nightshift/events.jsonl` (one JSON line per event), the
 * per-attempt logs under `.nightshift/logs/<run>/` (the learning journals kept in the store are
 * tasks/learning.ts). Appends use O_APPEND with one write per line, so concurrent appenders never interleave
 * inside a line.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ProjectPaths } from '../paths.js';
import { appendPrivateFile } from '../security/private-files.js';
import { maskRecordLine } from '../security/secrets.js';
import { oneLine } from '../text.js';

/**
 * Appends one line (a newline is added) to `file`, creating its folder (0700, the file 0600). A
 * JSON line has its strings masked, any other line its text (security/secrets.ts).
 */
async function appendLine(file: string, line: string): Promise<void> {
  await appendPrivateFile(file, `${maskRecordLine(line)}\n`, (text) => text);
}

/** One attempt's line in `progress.md`. */
export interface ProgressEntry {
  /** ISO time the attempt ended. */
  readonly at: string;
  readonly taskId: string;
  readonly title?: string;
  readonly attempt: number;
  readonly outcome: string;
  readonly commit?: string;
  readonly costUsd?: number;
  readonly summary?: string;
}

/** The markdown line of a progress entry. */
export function formatProgress(entry: ProgressEntry): string {
  const parts = [
    entry.at,
    `**${entry.taskId}**${entry.title ? ` ${oneLine(entry.title, 80)}` : ''}`,
    `attempt ${entry.attempt}`,
    entry.outcome,
    entry.commit ? `commit ${entry.commit.slice(0, 10)}` : 'no commit',
    `$${(entry.costUsd ?? 0).toFixed(2)}`,
  ];
  const summary = entry.summary ? ` — ${oneLine(entry.summary)}` : '';
  return `- ${parts.join(' · ')}${summary}`;
}

/** Appends an attempt's line to `.nightshift/progress.md`, starting the file with a heading. */
export async function appendProgress(
  paths: Pick<ProjectPaths, 'progress'>,
  entry: ProgressEntry,
): Promise<void> {
  await appendProgressText(paths, formatProgress(entry));
}

/** Appends markdown (a block line, a run's totals) to `.nightshift/progress.md`. */
export async function appendProgressText(paths: Pick<ProjectPaths, 'progress'>, text: string): Promise<void> {
  const heading = existsSync(paths.progress) ? '' : '# nightshift progress\n\n';
  await appendPrivateFile(paths.progress, `${heading}${text}\n`);
}

/**
 * Appends an event to `.nightshift/events.jsonl`: an object is serialised as one JSON line; a
 * string is written as it is (newlines escaped, so one event stays one line).
 */
export async function appendEvent(paths: Pick<ProjectPaths, 'events'>, line: string | object): Promise<void> {
  const text = typeof line === 'string' ? line.replace(/\r?\n/g, '\\n') : JSON.stringify(line);
  await appendLine(paths.events, text);
}

/** Appends one JSON line to any `.jsonl` file (experiments, attempt records). */
export async function appendJsonLine(file: string, value: object): Promise<void> {
  await appendLine(file, JSON.stringify(value));
}

/** The log files of one attempt. */
export interface AttemptLogPaths {
  /** `.nightshift/logs/<run>/` */
  readonly dir: string;
  /** Raw terminal output of the agent, then the gate's commands. */
  readonly log: string;
  /** The CLI's structured event stream: the record of what the agent did. */
  readonly jsonl: string;
}

/** Ids become file names; anything outside a safe alphabet becomes `_`. */
function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || '_';
}

/** `.nightshift/logs/<run>/<task>.<attempt>.{log,jsonl}` (folders are not created here). */
export function attemptLogPaths(
  paths: Pick<ProjectPaths, 'logs'>,
  runId: string,
  taskId: string,
  attempt: number,
): AttemptLogPaths {
  const dir = path.join(paths.logs, safeName(runId));
  const base = path.join(dir, `${safeName(taskId)}.${attempt}`);
  return { dir, log: `${base}.log`, jsonl: `${base}.jsonl` };
}
