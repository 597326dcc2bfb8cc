/**
 * A kill campaign against the engine's git work (issue 9): a `reference-transaction` hook in the
 * project's repository stops the engine's git at a chosen phase (commit, rebase, fast-forward,
 * worktree add, branch removal after a landing) — at a known point, not after a random sleep —
 * and writes a marker; the test then SIGKILLs the engine's whole process group (git, the hook and
 * the engine die together, as on a crash), reruns, and audits the repository.
 *
 *   const project = await simProject();
 *   await armKill(project, KILL_POINTS.merge[0]);
 *   const engine = startEngineGroup(project, ['run', '--no-ui', '--parallel', '3']);
 *   await killAtMarker(project, engine);
 *   const audit = await auditRepository(project, ['a', 'b']);
 *
 * The hook is git's own (it runs for every ref update, in worktrees too, whatever `--no-verify`
 * says), so the campaign needs no test-only code in nightshift itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { cliPath } from './cli.js';
import { waitFor, worktreeFolders, type SimProject } from './engine-fixtures.js';

/** Where one kill happens: the git process chain and ref update a hook invocation must match. */
export interface KillPoint {
  /** A name for reports: `<phase> #<n>`. */
  readonly name: string;
  /** Matched against the hook's git ancestors, e.g. `git merge --ff-only …`. */
  readonly chain: RegExp;
  /** Matched against the ref updates of the transaction (`<old> <new> <ref>;…`). */
  readonly refs: RegExp;
  /** The transaction state to stop in: `prepared` (locks held, nothing moved) or `committed` (done). */
  readonly state: 'prepared' | 'committed';
  /** Stop at the n-th matching invocation (1-based). */
  readonly nth: number;
}

/** The phases of the campaign, two kill points each: one while git holds its locks, one just after. */
/** The landing's commit and rebase, however many `-c` settings come before the subcommand. */
const COMMIT = /git .*\bcommit --quiet --file=-/;
const REBASE = /git .*\brebase --quiet /;

export const KILL_POINTS = {
  'worktree add': [
    // `worktree add -B` runs `git branch --force` first: killed here the branch ref's lock stays.
    { name: 'worktree add #1', chain: /worktree add/, refs: /nightshift\//, state: 'prepared', nth: 1 },
    // …then `git reset --hard` in the new worktree while it is still locked ("initializing").
    { name: 'worktree add #2', chain: /worktree add/, refs: /ORIG_HEAD/, state: 'prepared', nth: 1 },
  ],
  commit: [
    { name: 'commit #1', chain: COMMIT, refs: /nightshift\//, state: 'prepared', nth: 1 },
    { name: 'commit #2', chain: COMMIT, refs: /nightshift\//, state: 'committed', nth: 1 },
  ],
  rebase: [
    { name: 'rebase #1', chain: REBASE, refs: /./, state: 'prepared', nth: 1 },
    // Mid-pick: the rebase's state folder exists, the branch has not moved.
    { name: 'rebase #2', chain: REBASE, refs: /CHERRY_PICK_HEAD/, state: 'prepared', nth: 1 },
  ],
  merge: [
    // The checkout's files and index already moved, the branch not yet.
    { name: 'merge #1', chain: /merge --ff-only/, refs: /refs\/heads\/main/, state: 'prepared', nth: 1 },
    // The work landed, the engine has not recorded it.
    { name: 'merge #2', chain: /merge --ff-only/, refs: /refs\/heads\/main/, state: 'committed', nth: 1 },
  ],
  'worktree remove': [
    { name: 'worktree remove #1', chain: /branch .*-D/, refs: /nightshift\//, state: 'prepared', nth: 1 },
    { name: 'worktree remove #2', chain: /branch .*-D/, refs: /nightshift\//, state: 'committed', nth: 1 },
  ],
} as const satisfies Readonly<Record<string, readonly KillPoint[]>>;

/** A phase of {@link KILL_POINTS}. */
export type KillPhase = keyof typeof KILL_POINTS;

function campaignDir(project: SimProject): string {
  return path.join(project.stateHome, 'kill-campaign');
}

/** The file the hook writes when it stops git (its content: state, refs, git chain). */
export function markerFile(project: SimProject): string {
  return path.join(campaignDir(project), 'fired');
}

/**
 * Installs the hook for one kill point. It fires once (an `armed` file is consumed atomically, so
 * of concurrent git processes only one stops), writes the marker, and sleeps until killed.
 */
export async function armKill(project: SimProject, point: KillPoint): Promise<void> {
  const dir = campaignDir(project);
  rmSync(dir, { recursive: true, force: true });
  await execa('mkdir', ['-p', dir]);
  writeFileSync(path.join(dir, 'armed'), '');
  writeFileSync(path.join(dir, 'count'), '');
  const hooks = (
    await execa('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: project.dir })
  ).stdout;
  const hook = path.join(hooks, 'hooks', 'reference-transaction');
  const q = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
  writeFileSync(
    hook,
    `#!/bin/sh
# kill campaign (test/support/kill-campaign.ts): stops git at ${point.name}
refs=$(tr '\\n' ';')
[ "$1" = ${q(point.state)} ] || exit 0
[ -f ${q(path.join(dir, 'armed'))} ] || exit 0
pid=$PPID; chain=""
while [ "$pid" -gt 1 ] 2>/dev/null; do
  cmd=$(tr '\\0' ' ' < /proc/$pid/cmdline 2>/dev/null)
  case "$cmd" in git\\ *|*/git\\ *) chain="$chain | $cmd";; *) break;; esac
  pid=$(cut -d' ' -f4 /proc/$pid/stat)
done
printf '%s\\n' "$chain" | grep -Eq ${q(point.chain.source)} || exit 0
printf '%s\\n' "$refs" | grep -Eq ${q(point.refs.source)} || exit 0
echo x >> ${q(path.join(dir, 'count'))}
[ "$(wc -l < ${q(path.join(dir, 'count'))})" -ge ${point.nth} ] || exit 0
mv ${q(path.join(dir, 'armed'))} ${q(path.join(dir, 'taken'))} 2>/dev/null || exit 0
printf '%s\\t%s\\t%s\\n' "$1" "$refs" "$chain" > ${q(markerFile(project))}.tmp
mv ${q(markerFile(project))}.tmp ${q(markerFile(project))}
exec sleep 600
`,
  );
  chmodSync(hook, 0o755);
}

/** Removes the campaign's hook (the rerun must not be stopped again). */
export async function disarmKill(project: SimProject): Promise<void> {
  const hooks = (
    await execa('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: project.dir })
  ).stdout;
  rmSync(path.join(hooks, 'hooks', 'reference-transaction'), { force: true });
  rmSync(path.join(campaignDir(project), 'armed'), { force: true });
}

/** An engine started as the leader of its own process group, so a kill takes its git with it. */
export interface GroupEngine {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

const started: GroupEngine[] = [];

/** Starts `nightshift <args>` in the project, detached into its own process group. */
export function startEngineGroup(project: SimProject, args: readonly string[]): GroupEngine {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: project.dir,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', XDG_STATE_HOME: project.stateHome },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  if (child.pid === undefined) throw new Error(`could not start nightshift ${args.join(' ')}`);
  const engine = { child, pid: child.pid, exited, output: () => output };
  started.push(engine);
  return engine;
}

/** SIGKILLs the process groups of engines still running (afterEach). */
export function killStartedEngines(): void {
  for (const engine of started.splice(0)) {
    try {
      process.kill(-engine.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** What happened to a kill: fired (the engine was killed at the point) or the run ended first. */
export type KillOutcome =
  { readonly fired: true; readonly marker: string } | { readonly fired: false; readonly exit: number | null };

/**
 * Waits for the hook's marker, then SIGKILLs the engine's process group and waits for it to die.
 * When the engine exits before the point was reached, says so (the campaign counts it as a miss).
 */
export async function killAtMarker(
  project: SimProject,
  engine: GroupEngine,
  timeoutMs = 60_000,
): Promise<KillOutcome> {
  let exit: { code: number | null } | undefined;
  void engine.exited.then((value) => (exit = value));
  const seen = await waitFor(() => (existsSync(markerFile(project)) ? 'fired' : exit ? 'exited' : false), {
    timeoutMs,
    what: 'the kill point or the end of the run',
  });
  if (seen === 'exited') return { fired: false, exit: exit?.code ?? null };
  process.kill(-engine.pid, 'SIGKILL');
  await engine.exited;
  return { fired: true, marker: readFileSync(markerFile(project), 'utf8').trim() };
}

/** A user's own uncommitted work in the main checkout: one staged edit and one unstaged edit. */
export async function makeUserEdits(project: SimProject): Promise<() => Promise<string[]>> {
  writeFileSync(path.join(project.dir, 'user-staged.txt'), 'staged before\n');
  writeFileSync(path.join(project.dir, 'user-unstaged.txt'), 'unstaged before\n');
  await project.commitAll('user files');
  writeFileSync(path.join(project.dir, 'user-staged.txt'), 'staged after\n');
  await project.git('add', 'user-staged.txt');
  writeFileSync(path.join(project.dir, 'user-unstaged.txt'), 'unstaged after\n');
  const staged = await project.git('diff', '--cached');
  const unstaged = await project.git('diff');
  /** What is wrong with the user's edits now (empty when intact). */
  return async () => {
    const problems: string[] = [];
    if ((await project.git('diff', '--cached')) !== staged)
      problems.push(`staged changes differ: ${await project.git('diff', '--cached', '--stat')}`);
    if ((await project.git('diff')) !== unstaged)
      problems.push(`unstaged changes differ: ${await project.git('diff', '--stat')}`);
    return problems;
  };
}

/** What a run left in the repository, as the campaign counts it. */
export interface RepositoryAudit {
  /** Tasks not done, or done without a commit on the integration branch. */
  readonly lost: readonly string[];
  /** Commits beyond one per task. */
  readonly duplicateCommits: number;
  /** `git fsck` or `git gc` complaints. */
  readonly fsckErrors: readonly string[];
  /** Worktrees git still lists besides the main checkout, plus worktree folders on disk. */
  readonly leftoverWorktrees: readonly string[];
  /** `nightshift/*` branches left. */
  readonly leftoverBranches: readonly string[];
  /** `*.lock` files under the repository's git dir. */
  readonly lockFiles: readonly string[];
}

/** Subjects nightshift gives a task's commit: `nightshift(<id>): …`. */
function commitsOf(subjects: readonly string[], taskId: string): number {
  return subjects.filter((subject) => subject.startsWith(`nightshift(${taskId}):`)).length;
}

function findLocks(dir: string, found: string[] = []): string[] {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findLocks(full, found);
    else if (entry.name.endsWith('.lock')) found.push(full);
  }
  return found;
}

/** Audits the repository after the rerun: tasks, commits, worktrees, branches, locks, fsck and gc. */
export async function auditRepository(
  project: SimProject,
  taskIds: readonly string[],
): Promise<RepositoryAudit> {
  const subjects = await project.subjects();
  const state = project.state();
  const lost = taskIds.filter(
    (id) => state?.tasks.find((task) => task.id === id)?.status !== 'done' || commitsOf(subjects, id) === 0,
  );
  const duplicateCommits = taskIds.reduce((sum, id) => sum + Math.max(0, commitsOf(subjects, id) - 1), 0);
  const fsckErrors: string[] = [];
  const fsck = await execa('git', ['fsck', '--no-progress', '--no-dangling'], {
    cwd: project.dir,
    reject: false,
  });
  const fsckText = `${fsck.stdout}\n${fsck.stderr}`.trim();
  if (fsck.exitCode !== 0 || fsckText !== '')
    fsckErrors.push(`git fsck (exit ${fsck.exitCode}): ${fsckText}`);
  const gc = await execa('git', ['gc', '--quiet'], { cwd: project.dir, reject: false });
  if (gc.exitCode !== 0) fsckErrors.push(`git gc (exit ${gc.exitCode}): ${gc.stderr.trim()}`);
  const listed = (await project.git('worktree', 'list', '--porcelain'))
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .slice(1)
    .map((line) => line.slice('worktree '.length));
  const leftoverWorktrees = [...listed, ...worktreeFolders(project).map((folder) => `folder ${folder}`)];
  const leftoverBranches = (
    await project.git('branch', '--list', 'nightshift/*', '--format=%(refname:short)')
  )
    .split('\n')
    .filter(Boolean);
  const gitDir = path.join(project.dir, '.git');
  const lockFiles = findLocks(gitDir).map((file) => path.relative(gitDir, file));
  return { lost, duplicateCommits, fsckErrors, leftoverWorktrees, leftoverBranches, lockFiles };
}

/** The campaign's figures (the issue's note reports them before and after). */
export interface CampaignFigures {
  runs: number;
  killsPerPhase: Record<string, number>;
  missedKills: string[];
  tasksLost: number;
  duplicateCommits: number;
  stuckRuns: number;
  fsckErrors: number;
  leftoverWorktrees: number;
  leftoverBranches: number;
  lockFiles: number;
  userEditsDamaged: number;
  /** Tasks whose commit had landed before the kill and whose agent ran again in the rerun. */
  landedWorkRedone: number;
}

/** Empty figures. */
export function noFigures(): CampaignFigures {
  return {
    runs: 0,
    killsPerPhase: {},
    missedKills: [],
    tasksLost: 0,
    duplicateCommits: 0,
    stuckRuns: 0,
    fsckErrors: 0,
    leftoverWorktrees: 0,
    leftoverBranches: 0,
    lockFiles: 0,
    userEditsDamaged: 0,
    landedWorkRedone: 0,
  };
}
