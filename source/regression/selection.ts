/**
 * Which done task to re-test next: the one longest since tested, among those whose covered files
 * (its path patterns, and the files its landed commits touched) changed on the integration branch
 * since the head it last passed or was tested on. A task whose files nobody touched is not re-run.
 */
import picomatch from 'picomatch';
import { git } from '../git/git.js';
import type { Task } from '../tasks/model.js';

/** Done tasks whose git questions are asked at once (bounds the git processes of a scan). */
const SCAN_BATCH = 8;

/** Git answers that never change for a given pair of commits, kept for the run. */
export interface CoverageCache {
  /** `a..b` → files changed between them (null: git could not say, e.g. a commit gone after a reset). */
  readonly diffs: Map<string, readonly string[] | null>;
  /** commit → files it touched. */
  readonly commits: Map<string, readonly string[]>;
}

/** An empty cache. */
export function createCoverageCache(): CoverageCache {
  return { diffs: new Map(), commits: new Map() };
}

/** The commits the task's passed attempts landed, oldest first. */
export function landedCommits(task: Pick<Task, 'attempts'>): string[] {
  return task.attempts.flatMap((attempt) =>
    attempt.outcome === 'passed' && attempt.commit ? [attempt.commit] : [],
  );
}

/**
 * The head the task's state is known on: its last landing when that came after the last re-test
 * (a reopened task that landed again), else the head of the last re-test.
 */
export function knownHead(task: Pick<Task, 'attempts' | 'regression'>): string | undefined {
  const landed = [...task.attempts].reverse().find((a) => a.outcome === 'passed' && a.commit);
  const tested = task.regression;
  if (!tested) return landed?.commit;
  if (landed?.commit && (landed.endedAt ?? '') > tested.testedAt) return landed.commit;
  return tested.head;
}

/** The head the task last passed on: its last landing or passing re-test, whichever came later. */
export function passedHead(task: Pick<Task, 'attempts' | 'regression'>): string | undefined {
  const landed = [...task.attempts].reverse().find((a) => a.outcome === 'passed' && a.commit);
  const tested = task.regression;
  if (!tested?.passedHead) return landed?.commit;
  if (landed?.commit && (landed.endedAt ?? '') > tested.testedAt) return landed.commit;
  return tested.passedHead;
}

/** When the task was last tested (a landing counts): the sort key of the selection. */
export function lastTestedAt(task: Pick<Task, 'attempts' | 'regression' | 'updatedAt'>): string {
  const landed = [...task.attempts].reverse().find((a) => a.outcome === 'passed');
  const times = [task.regression?.testedAt, landed?.endedAt].filter((t): t is string => t !== undefined);
  return times.sort().at(-1) ?? '';
}

/** The done tasks of `tasks` due for a re-test on `head`, the longest since tested first. */
export async function dueTasks(
  repoRoot: string,
  tasks: readonly Task[],
  head: string,
  cache: CoverageCache,
): Promise<Task[]> {
  // The git calls of different tasks are independent: asked together, a scan after a landing takes
  // about one git call's time instead of two per done task (seconds on a loaded machine).
  const verdicts: boolean[] = [];
  for (let start = 0; start < tasks.length; start += SCAN_BATCH) {
    const batch = tasks.slice(start, start + SCAN_BATCH).map(async (task) => {
      if (task.status !== 'done') return false;
      const since = knownHead(task);
      if (since === head) return false;
      // Never landed here (imported as done) or its head is gone: test it once on this head.
      return since === undefined || coversChange(repoRoot, task, since, head, cache);
    });
    verdicts.push(...(await Promise.all(batch)));
  }
  const due = tasks.filter((_, index) => verdicts[index]);
  return due.sort((a, b) => lastTestedAt(a).localeCompare(lastTestedAt(b)) || a.id.localeCompare(b.id));
}

async function coversChange(
  repoRoot: string,
  task: Task,
  since: string,
  head: string,
  cache: CoverageCache,
): Promise<boolean> {
  const changed = await changedBetween(repoRoot, since, head, cache);
  if (changed === null) return true;
  if (changed.length === 0) return false;
  const touched = new Set(
    (await Promise.all(landedCommits(task).map((commit) => commitFiles(repoRoot, commit, cache)))).flat(),
  );
  const patterns = task.verification.pathPatterns;
  // A task that names no files (no patterns, no landed commit) may depend on anything.
  if (touched.size === 0 && patterns.length === 0) return true;
  const matches = patterns.length > 0 ? picomatch(patterns, { dot: true }) : () => false;
  return changed.some((file) => touched.has(file) || matches(file));
}

async function changedBetween(
  repoRoot: string,
  from: string,
  to: string,
  cache: CoverageCache,
): Promise<readonly string[] | null> {
  const key = `${from}..${to}`;
  const known = cache.diffs.get(key);
  if (known !== undefined) return known;
  const diff = await git(repoRoot, ['diff', '--name-only', '-z', '--no-renames', from, to], {
    allowFailure: true,
  });
  const files = diff.exitCode === 0 ? diff.stdout.split('\0').filter(Boolean) : null;
  cache.diffs.set(key, files);
  return files;
}

async function commitFiles(
  repoRoot: string,
  commit: string,
  cache: CoverageCache,
): Promise<readonly string[]> {
  const known = cache.commits.get(commit);
  if (known) return known;
  const shown = await git(
    repoRoot,
    ['show', '--name-only', '-z', '--no-renames', '--format=', '-m', '--first-parent', commit],
    { allowFailure: true },
  );
  const files = shown.exitCode === 0 ? shown.stdout.split('\0').filter(Boolean) : [];
  cache.commits.set(commit, files);
  return files;
}
