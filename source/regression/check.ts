/**
 * One regression check: a task's verification on the integration branch's current head, in a clean
 * detached worktree of that head (removed after), and — with `[regression] agent = true` and a
 * failure — the regression agent's investigation of it. The real {@link RegressionRunner}.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { runGate } from '../gate/gate.js';
import { git, revParse } from '../git/git.js';
import { repoCacheFor } from '../git/repo-cache.js';
import { linkFolders } from '../git/worktree-links.js';
import { removeWorktree, worktreesDir } from '../git/worktree.js';
import { attemptLogPaths } from '../history/history.js';
import { maskSecrets } from '../security/secrets.js';
import type { Task } from '../tasks/model.js';
import type { AttemptDeps } from '../attempt/types.js';
import { sandboxFor } from '../attempt/sandbox.js';
import { investigate } from './investigate.js';
import { createCoverageCache, dueTasks } from './selection.js';
import type { RegressionCheckContext, RegressionResult, RegressionRunner } from './types.js';

/** Regression worktree folders start with this (recovery removes any a killed engine left). */
export const REGRESSION_WORKTREE_PREFIX = 'regress-';
/** Folders of the main checkout linked into the worktree, as for attempts. */
const LINKED_FOLDERS = ['node_modules', '.venv', 'venv'];
/** Commits since the last pass named in a reopened task's prompt. */
const MAX_COMMITS = 20;
/** Gate output kept for the reopened task's prompt. */
const OUTPUT_CHARS = 8000;

/** The regression runner of a run: the integration branch of `deps`, its gate settings and sandbox. */
export function createRegressionRunner(deps: AttemptDeps): RegressionRunner {
  const root = deps.paths.root;
  const coverage = createCoverageCache();
  return {
    head: () => revParse(root, `refs/heads/${deps.integrationBranch}`),
    due: (tasks, head) => dueTasks(root, tasks, head, coverage),
    check: (task, context) => runCheck(deps, task, context),
  };
}

async function runCheck(
  deps: AttemptDeps,
  task: Task,
  context: RegressionCheckContext,
): Promise<RegressionResult> {
  const root = deps.paths.root;
  const folder = path.join(
    await worktreesDir(root),
    `${REGRESSION_WORKTREE_PREFIX}${task.id}-${randomBytes(3).toString('hex')}`,
  );
  const logs = attemptLogPaths(deps.paths, context.runId, task.id, context.n);
  const logFile = logs.log.replace(/\.log$/, '.regression.log');
  try {
    await mkdir(path.dirname(folder), { recursive: true, mode: 0o700 });
    await mkdir(logs.dir, { recursive: true, mode: 0o700 });
    await git(root, ['worktree', 'add', '--quiet', '--detach', folder, context.head]);
    await linkFolders(root, folder, LINKED_FOLDERS, repoCacheFor(deps));
    context.update({ state: 'testing', action: `gate on ${context.head.slice(0, 8)}` });
    const gate = await runGate(task, {
      cwd: folder,
      // Nothing changed in a worktree of the head itself: a path check has nothing to refuse.
      baseRef: context.head,
      timeoutSeconds: deps.options.verificationTimeoutSeconds,
      env: { NIGHTSHIFT_TASK_ID: task.id, NIGHTSHIFT_REGRESSION: '1' },
      logFile,
      mask: maskSecrets,
      signal: context.signal,
      sandbox: sandboxFor(deps, folder),
    });
    if (gate.aborted || context.signal.aborted)
      return { outcome: 'interrupted', summary: 'stopped', checks: gate.checks, output: '', commits: [] };
    if (gate.passed)
      return { outcome: 'passed', summary: 'checks pass', checks: gate.checks, output: '', commits: [] };
    const failed = gate.checks.find((check) => !check.passed);
    const summary = `${failed?.name ?? 'a check'} failed${failed?.detail ? `: ${firstLine(failed.detail)}` : ''}`;
    const commits = context.passedHead ? await commitsSince(root, context.passedHead, context.head) : [];
    const output = gate.output.length > OUTPUT_CHARS ? gate.output.slice(-OUTPUT_CHARS) : gate.output;
    const result: RegressionResult = { outcome: 'failed', summary, checks: gate.checks, output, commits };
    if (!deps.options.regressionAgent || context.signal.aborted) return result;
    context.update({ state: 'starting', action: 'regression agent investigating' });
    const proposal = await investigate(deps, task, context, { path: folder, baseSha: context.head }, result);
    return proposal ? { ...result, proposal } : result;
  } catch (error) {
    if (context.signal.aborted)
      return { outcome: 'interrupted', summary: 'stopped', checks: [], output: '', commits: [] };
    return { outcome: 'error', summary: errorMessage(error), checks: [], output: '', commits: [] };
  } finally {
    await removeWorktree(root, folder, { keepBranch: true }).catch(() => undefined);
  }
}

/** `<short sha> <subject>` of the commits after `from` up to `to`, oldest first, bounded. */
async function commitsSince(root: string, from: string, to: string): Promise<string[]> {
  const log = await git(root, ['log', '--reverse', '--format=%h %s', `${from}..${to}`], {
    allowFailure: true,
  });
  if (log.exitCode !== 0) return [];
  const lines = log.stdout.split('\n').filter(Boolean);
  return lines.length > MAX_COMMITS
    ? [...lines.slice(0, MAX_COMMITS - 1), `… and ${lines.length - MAX_COMMITS + 1} more`]
    : lines;
}

function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').trim().slice(0, 200);
}
