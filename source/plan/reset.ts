/**
 * `reset --to-plan` (DESIGN.md §1): back to the state right after the plan entered the queue.
 *
 * - Refused while an engine runs, when the main checkout has uncommitted changes, and when any
 *   commit after the plan's commit (`state.plan.commit`) was not made by nightshift (its subject
 *   does not start with `nightshift(`, as attempt.ts and the planner write them): a person's work
 *   is never dropped.
 * - Decided: attempt history is archived, not kept. Each task's `attempts` move to
 *   `.nightshift/archive/<time>/attempts.json` and are cleared, since they name commits the reset
 *   drops and logs that move; the tasks' `learning` and the project's journal stay, as lessons
 *   still hold. Logs (`logs/`, `progress.md`, `events.jsonl`, `experiments.jsonl`) move into the
 *   same folder; nothing is deleted. A backup of state.json is taken first.
 * - The project's attempt worktrees are removed with their `nightshift/*` branches.
 */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { git, head, isRepo, resetHard, revParse, uncommittedFiles } from '../git/git.js';
import {
  integrationBranchOf,
  listWorktrees,
  pruneWorktrees,
  removeWorktree,
  worktreesDir,
} from '../git/worktree.js';
import { projectPaths, type ProjectPaths } from '../paths.js';
import { mkdirPrivate, writePrivateFile } from '../security/private-files.js';
import { maskJson } from '../security/secrets.js';
import { backupState } from '../store/backup.js';
import { readLock, withStoreWrite } from '../store/lock.js';
import type { State } from '../store/schema.js';
import { Store } from '../store/store.js';
import { moveTask } from '../tasks/lifecycle.js';

/** The subject prefix of every commit nightshift makes. */
export const NIGHTSHIFT_COMMIT_PREFIX = 'nightshift(';

/** One commit the reset drops. */
export interface DroppedCommit {
  readonly sha: string;
  readonly subject: string;
}

/** What the reset did, or with dryRun would do. */
export interface ResetReport {
  readonly dryRun: boolean;
  readonly branch: string;
  readonly planCommit: string;
  readonly headBefore: string;
  readonly commits: readonly DroppedCommit[];
  /** Tasks whose status or attempts change. */
  readonly tasks: readonly string[];
  readonly attemptsArchived: number;
  readonly worktrees: readonly string[];
  /** `.nightshift/archive/<time>/`. */
  readonly archiveDir: string;
  /** What moves into it, relative to `.nightshift/`. */
  readonly archived: readonly string[];
  readonly backup?: string;
}

/** Files and folders of `.nightshift/` that hold logs. */
const LOG_ITEMS = ['logs', 'progress.md', 'events.jsonl', 'experiments.jsonl'] as const;

/** Resets the project at `root` to its post-plan state; see the module comment. */
export async function resetToPlan(root: string, options: { readonly dryRun: boolean }): Promise<ResetReport> {
  const paths = projectPaths(root);
  const lock = await readLock(paths);
  if (lock?.alive && lock.info.kind === 'engine') {
    throw new UserError(
      `an engine is running for this project (pid ${lock.info.pid}); reset --to-plan needs it stopped`,
      { hint: 'stop it with `nightshift stop`, then reset' },
    );
  }
  const state = (await Store.open(root)).state;
  const plan = state.plan;
  if (plan === undefined)
    throw new UserError(
      'no plan is recorded for this project, so there is no post-plan state to go back to',
      {
        hint: 'plan with `nightshift plan` first; `nightshift task reset` puts tasks back to pending without touching git',
      },
    );
  if (plan.commit === undefined)
    throw new UserError(
      'the plan has no recorded commit (it was made outside a git repository), so the branch cannot be reset',
      { hint: '`nightshift task reset` puts the tasks back to pending' },
    );
  if (!(await isRepo(root))) throw new UserError(`${root} is not a git repository`);
  const report = await inspect(paths, state, plan.commit, options.dryRun);
  if (options.dryRun) return report;
  return withStoreWrite(root, async (store) => {
    const backup = await backupState(paths, 'reset-to-plan');
    if (report.commits.length > 0) await resetHard(root, report.planCommit);
    for (const worktree of report.worktrees) await removeWorktree(root, worktree);
    await pruneWorktrees(root);
    await mkdirPrivate(report.archiveDir);
    const attempts = Object.fromEntries(
      store.state.tasks.filter((task) => task.attempts.length > 0).map((task) => [task.id, task.attempts]),
    );
    await writePrivateFile(
      path.join(report.archiveDir, 'attempts.json'),
      `${JSON.stringify(maskJson(attempts), null, 2)}\n`,
      (text) => text,
    );
    for (const item of report.archived)
      await rename(path.join(paths.dir, item), path.join(report.archiveDir, item));
    const at = new Date().toISOString();
    store.update((draft) => {
      for (const task of draft.tasks) {
        moveTask(task, 'pending');
        delete task.bestMetric;
        task.attempts = [];
        task.updatedAt = at;
      }
    });
    return { ...report, backup };
  });
}

/** Every check and every fact of the reset, changing nothing. */
async function inspect(
  paths: ProjectPaths,
  state: Readonly<State>,
  planCommit: string,
  dryRun: boolean,
): Promise<ResetReport> {
  const root = paths.root;
  const branch = await integrationBranchOf(root);
  const headBefore = await head(root);
  let plan: string;
  try {
    plan = await revParse(root, planCommit);
  } catch {
    throw new UserError(`the plan's commit ${planCommit.slice(0, 12)} no longer exists in this repository`, {
      hint: 'the history was rewritten; use `nightshift task reset` and reset the branch by hand',
    });
  }
  const ancestor = await git(root, ['merge-base', '--is-ancestor', plan, headBefore], { allowFailure: true });
  if (ancestor.exitCode !== 0) {
    throw new UserError(
      `the plan's commit ${plan.slice(0, 12)} is not in the history of ${branch} (HEAD ${headBefore.slice(0, 12)})`,
      { hint: `check out the branch the plan was made on, then reset` },
    );
  }
  const log = await git(root, ['log', '--reverse', '--format=%H%x09%s', `${plan}..${headBefore}`]);
  const commits = log.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const tab = line.indexOf('\t');
      return { sha: line.slice(0, tab), subject: line.slice(tab + 1) };
    });
  const foreign = commits.find((commit) => !commit.subject.startsWith(NIGHTSHIFT_COMMIT_PREFIX));
  if (foreign) {
    throw new UserError(
      `refusing to reset ${branch}: commit ${foreign.sha.slice(0, 12)} "${foreign.subject}" after the plan was not made by nightshift, and a reset would drop it`,
      {
        hint: `move your commits to another branch (e.g. git branch keep ${headBefore.slice(0, 12)}) and reset ${branch} to ${plan.slice(0, 12)} by hand, or use \`nightshift task reset\``,
      },
    );
  }
  const dirty = await uncommittedFiles(root);
  if (dirty.length > 0) {
    const shown = dirty.slice(0, 5).join(', ') + (dirty.length > 5 ? `, and ${dirty.length - 5} more` : '');
    throw new UserError(
      `the main checkout has uncommitted changes (${shown}); reset --to-plan needs a clean checkout`,
      { hint: 'commit or stash them first' },
    );
  }
  const folder = await worktreesDir(root);
  const worktrees = (await listWorktrees(root))
    .slice(1)
    .filter(
      (entry) =>
        entry.path.startsWith(`${folder}${path.sep}`) || (entry.branch?.startsWith('nightshift/') ?? false),
    )
    .map((entry) => entry.path);
  const stamp = new Date()
    .toISOString()
    .replace(/:/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const tasks = state.tasks
    .filter((task) => task.status !== 'pending' || task.attempts.length > 0)
    .map((task) => task.id);
  return {
    dryRun,
    branch,
    planCommit: plan,
    headBefore,
    commits,
    tasks,
    attemptsArchived: state.tasks.reduce((sum, task) => sum + task.attempts.length, 0),
    worktrees,
    archiveDir: path.join(paths.dir, 'archive', stamp),
    archived: LOG_ITEMS.filter((item) => existsSync(path.join(paths.dir, item))),
  };
}
