/**
 * `.nightshift/status.json`: what `nightshift status` shows of the store (project, task counts, the
 * last run), written by the Store after each write of state.json, so that status reads a few
 * hundred bytes instead of parsing a queue of 10,000 tasks (~19 MB). It names the state.json it
 * was made from (inode, size, mtime: every write replaces the file by a rename, so a new inode);
 * when state.json is not that file any more (restored from a backup, edited, written by an older
 * nightshift) the summary is not used and status reads the store itself.
 */
import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ProjectPaths } from '../paths.js';
import type { Task } from '../tasks/model.js';
import type { RunRecord, State } from './schema.js';
import { STATE_VERSION } from './version.js';
import { tempName } from './atomic-file.js';

/** What status shows of the store. */
export interface StatusSummary {
  readonly project: string;
  /** Tasks per status, in the order statuses first occur in the queue. */
  readonly counts: Record<string, number>;
  readonly total: number;
  readonly lastRun: RunRecord | null;
}

interface SummaryFile extends StatusSummary {
  readonly stateVersion: number;
  readonly state: { readonly ino: number; readonly size: number; readonly mtimeMs: number };
}

/** `.nightshift/status.json` of a project. */
export function statusSummaryPath(paths: Pick<ProjectPaths, 'dir'>): string {
  return path.join(paths.dir, 'status.json');
}

/** The summary of a state (or of an engine's snapshot, which has no runs). */
export function summarize(
  state: Pick<State, 'project'> & {
    readonly tasks: readonly Pick<Task, 'status' | 'landing'>[];
    readonly runs?: readonly RunRecord[];
  },
): StatusSummary {
  const counts: Record<string, number> = {};
  for (const task of state.tasks) {
    // As shownStatus (cli/task-format.ts): verified work waiting on its branch says so.
    const status = task.landing ? 'verified, waiting to land' : task.status;
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return { project: state.project, counts, total: state.tasks.length, lastRun: state.runs?.at(-1) ?? null };
}

/** Writes the summary of `state`, just written to state.json (a failure only costs status its shortcut). */
export async function writeStatusSummary(paths: ProjectPaths, state: State): Promise<void> {
  const file = statusSummaryPath(paths);
  // Named as the store's temps are, so that a writer killed mid-write leaves one that the next open sweeps.
  const temp = tempName(file);
  try {
    const written = await stat(paths.state);
    const summary: SummaryFile = {
      ...summarize(state),
      stateVersion: STATE_VERSION,
      state: { ino: written.ino, size: written.size, mtimeMs: written.mtimeMs },
    };
    await writeFile(temp, `${JSON.stringify(summary)}\n`, { mode: 0o600 });
    await rename(temp, file);
  } catch {
    // Status falls back to reading state.json.
    await unlink(temp).catch(() => undefined);
  }
}

/** The summary, when it was made from the state.json that is there now; else undefined. */
export function readStatusSummary(paths: Pick<ProjectPaths, 'dir' | 'state'>): StatusSummary | undefined {
  try {
    const summary = JSON.parse(readFileSync(statusSummaryPath(paths), 'utf8')) as SummaryFile;
    const now = statSync(paths.state);
    const made = summary.state;
    if (
      summary.stateVersion !== STATE_VERSION ||
      made.ino !== now.ino ||
      made.size !== now.size ||
      made.mtimeMs !== now.mtimeMs
    )
      return undefined;
    return {
      project: summary.project,
      counts: summary.counts,
      total: summary.total,
      lastRun: summary.lastRun,
    };
  } catch {
    return undefined;
  }
}
