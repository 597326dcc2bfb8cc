/**
 * Repairs what a dead engine left in the repository (DESIGN §6, issue 9): the lock files of its
 * own git processes killed with it, a fast-forward killed after the checkout moved but before the
 * branch did, half-made worktrees (locked "initializing", or a folder without its `.git` file),
 * unfinished rebases, and `nightshift/*` branches nobody needs. A lock is removed only when the
 * git journal (git-journal.ts) shows one of nightshift's git processes died after the lock could
 * have been taken, and no git process runs in the repository now: a lock a live process holds is
 * never touched. Every repair is a line for the user.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { readFile, realpath, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { clearGitJournal, readGitJournal, type GitJournalEntry } from './git-journal.js';
import { git } from './git-exec.js';

/** What {@link repairRepository} needs to know. */
export interface RepairOptions {
  /** The dead engine's git journal (`.nightshift/git-running`). */
  readonly journalDir: string;
  /** This repository's worktrees folder (worktree.ts worktreesDir). */
  readonly worktreesDir: string;
  /** `nightshift/*` branches to keep: verified work waiting to land. */
  readonly keepBranches: ReadonlySet<string>;
}

/** What {@link repairRepository} did. */
export interface RepairReport {
  /** One line per repair or per thing deliberately left alone. */
  readonly lines: readonly string[];
  /** Worktrees removed. */
  readonly worktreesRemoved: number;
  /** Branches deleted. */
  readonly branchesDeleted: number;
}

/** The process ids of live git processes whose folder is inside one of `roots`. */
export function liveGitProcesses(roots: readonly string[]): number[] {
  const found: number[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const argv0 = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (!/(^|\/)git(-[a-z-]+)?$/.test(argv0)) continue;
      if (/ Z /.test(readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\)/, ''))) continue;
      const cwd = readlinkSafe(`/proc/${name}/cwd`);
      if (roots.some((root) => cwd === root || cwd.startsWith(`${root}/`))) found.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function readlinkSafe(link: string): string {
  try {
    return readlinkSync(link);
  } catch {
    return '';
  }
}

/** Whether `pid` is a live git process (a reused pid running something else counts as dead). */
function isLiveGit(pid: number): boolean {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return /(^|\/)git(-[a-z-]+)?$/.test(argv0);
  } catch {
    return false;
  }
}

/** Lock files git may leave in a repository's git dir: top level, refs, and each worktree's own. */
function findLocks(commonDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === 'objects' || entry.name === 'hooks' || entry.name === 'logs') continue;
        if (depth < 8) walk(full, depth + 1);
      } else if (entry.name.endsWith('.lock') || (depth === 0 && entry.name === 'packed-refs.new')) {
        // packed-refs.new: the half-written successor of packed-refs under its lock.
        found.push(full);
      }
    }
  };
  walk(commonDir, 0);
  return found.sort();
}

/** `git merge --ff-only … <sha>`: the commit a killed fast-forward was moving to. */
function fastForwardTarget(entry: GitJournalEntry): string | undefined {
  const merge = entry.args.indexOf('merge');
  if (merge < 0 || !entry.args.includes('--ff-only')) return undefined;
  return entry.args.at(-1);
}

async function isAncestor(repoRoot: string, ancestor: string, descendant: string): Promise<boolean> {
  const out = await git(repoRoot, ['merge-base', '--is-ancestor', ancestor, descendant], {
    allowFailure: true,
  });
  return out.exitCode === 0;
}

/** Removes the stale locks of nightshift's dead git processes; finishes a killed fast-forward. */
async function repairLocks(
  repoRoot: string,
  commonDir: string,
  dead: readonly GitJournalEntry[],
  roots: readonly string[],
  lines: string[],
): Promise<void> {
  const locks = findLocks(commonDir);
  if (locks.length === 0) return;
  const live = liveGitProcesses(roots);
  if (live.length > 0) {
    lines.push(
      `left ${locks.length} git lock file${locks.length === 1 ? '' : 's'} alone: git is running in the repository (pid ${live.join(', ')})`,
    );
    return;
  }
  const earliest = Math.min(...dead.map((entry) => entry.startedAt));
  for (const lock of locks) {
    const rel = path.relative(repoRoot, lock);
    let mtime: number;
    try {
      mtime = statSync(lock).mtimeMs;
    } catch {
      continue;
    }
    // Clock granularity of file times: a lock taken by a git started a moment before counts.
    if (dead.length === 0 || mtime + 2000 < earliest) {
      lines.push(
        `left ${rel}: no git process of nightshift's made it; if no git runs, a person may remove it`,
      );
      continue;
    }
    const culprit = dead[0]!;
    const refName = path.relative(commonDir, lock).replace(/\.lock$/, '');
    const content = (await readFile(lock, 'utf8').catch(() => '')).trim();
    const forward = dead.map(fastForwardTarget).find((target) => target !== undefined && target === content);
    await unlink(lock).catch(() => undefined);
    if (refName.startsWith('refs/heads/') && forward !== undefined) {
      // The checkout's files and index already match `forward`: moving the branch there too
      // finishes the landing instead of leaving the task's files staged in the user's index.
      const current = await git(repoRoot, ['rev-parse', '--verify', '--quiet', refName], {
        allowFailure: true,
      });
      const old = current.stdout.trim();
      if (current.exitCode === 0 && old !== forward && (await isAncestor(repoRoot, old, forward))) {
        await git(repoRoot, ['update-ref', refName, forward, old]);
        lines.push(
          `finished the fast-forward of ${refName.slice('refs/heads/'.length)} to ${forward.slice(0, 8)} that the engine's git was killed in (removed stale ${rel})`,
        );
        continue;
      }
    }
    lines.push(
      `removed stale ${rel} left by nightshift's git (pid ${culprit.pid}, \`git ${culprit.args.slice(0, 4).join(' ')}\`) killed with the engine`,
    );
  }
}

/** A worktree's admin folder (`.git/worktrees/<name>`) and the folder it names. */
interface WorktreeAdmin {
  readonly admin: string;
  readonly folder: string;
}

function worktreeAdmins(commonDir: string): WorktreeAdmin[] {
  const dir = path.join(commonDir, 'worktrees');
  if (!existsSync(dir)) return [];
  const admins: WorktreeAdmin[] = [];
  for (const name of readdirSync(dir)) {
    const admin = path.join(dir, name);
    try {
      const gitFile = readFileSync(path.join(admin, 'gitdir'), 'utf8').trim();
      admins.push({ admin, folder: path.dirname(gitFile) });
    } catch {
      admins.push({ admin, folder: '' });
    }
  }
  return admins;
}

/**
 * Repairs the repository after a dead engine. Runs with the engine lock held, before any attempt.
 * Every worktree under `worktreesDir` belonged to an attempt the dead engine never finished: it is
 * inspected (a rebase in it aborted), then removed with its branch unless the branch is kept.
 */
export async function repairRepository(repoRoot: string, options: RepairOptions): Promise<RepairReport> {
  const lines: string[] = [];
  const journal = readGitJournal(options.journalDir);
  const dead = journal.filter((entry) => !isLiveGit(entry.pid));
  const commonDir = path.resolve(
    repoRoot,
    (await git(repoRoot, ['rev-parse', '--git-common-dir'])).stdout.trim(),
  );
  const worktreesDir = existsSync(options.worktreesDir)
    ? await realpath(options.worktreesDir)
    : options.worktreesDir;
  const roots = [await realpath(repoRoot), worktreesDir, commonDir];
  await repairLocks(repoRoot, commonDir, dead, roots, lines);
  clearGitJournal(options.journalDir, dead);

  let worktreesRemoved = 0;
  const inside = (folder: string): boolean =>
    folder === worktreesDir || folder.startsWith(`${worktreesDir}/`);
  for (const { admin, folder } of worktreeAdmins(commonDir)) {
    const canonical = existsSync(folder) ? await realpath(folder) : folder;
    if (folder !== '' && !inside(canonical) && !inside(folder)) continue;
    // `worktree add` killed half-way leaves the worktree locked ("initializing") with a HEAD that
    // may name nothing; git then refuses to prune it and `git gc` fails.
    await rm(path.join(admin, 'locked'), { force: true });
    if (
      existsSync(path.join(folder, '.git')) &&
      ['rebase-merge', 'rebase-apply'].some((d) => existsSync(path.join(admin, d)))
    ) {
      await git(folder, ['rebase', '--abort'], { allowFailure: true });
      lines.push(`aborted the unfinished rebase in ${folder}`);
    }
    const removed = await git(repoRoot, ['worktree', 'remove', '--force', '--force', folder], {
      allowFailure: true,
    });
    await rm(folder, { recursive: true, force: true });
    if (removed.exitCode !== 0) await rm(admin, { recursive: true, force: true });
    worktreesRemoved++;
  }
  await git(repoRoot, ['worktree', 'prune']);
  if (existsSync(worktreesDir)) {
    for (const name of readdirSync(worktreesDir)) {
      await rm(path.join(worktreesDir, name), { recursive: true, force: true });
      worktreesRemoved++;
    }
  }
  if (worktreesRemoved > 0)
    lines.push(
      `removed ${worktreesRemoved} worktree${worktreesRemoved === 1 ? '' : 's'} left by the engine that stopped`,
    );

  const branches = (
    await git(repoRoot, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/nightshift/'])
  ).stdout
    .split('\n')
    .filter(Boolean)
    .filter((branch) => !options.keepBranches.has(branch));
  for (const branch of branches)
    await git(repoRoot, ['branch', '--quiet', '-D', branch], { allowFailure: true });
  return { lines, worktreesRemoved, branchesDeleted: branches.length };
}

/**
 * Tasks whose work reached `branch` since `since` (ISO time), by the `Nightshift-Task:` trailer
 * every nightshift commit carries: task id → commit. Recovery marks them done instead of running
 * them again.
 */
export async function landedTasks(
  repoRoot: string,
  branch: string,
  since: string,
): Promise<Map<string, string>> {
  const out = await git(
    repoRoot,
    [
      'log',
      `--since=${since}`,
      '--format=%H%x00%(trailers:key=Nightshift-Task,valueonly,separator=%x01)%x00',
      `refs/heads/${branch}`,
      '--',
    ],
    { allowFailure: true },
  );
  const landed = new Map<string, string>();
  if (out.exitCode !== 0) return landed;
  const fields = out.stdout.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const sha = fields[i]!.trim();
    for (const id of fields[i + 1]!.split('\x01')
      .map((value) => value.trim())
      .filter(Boolean)) {
      if (!landed.has(id)) landed.set(id, sha);
    }
  }
  return landed;
}
