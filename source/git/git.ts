/**
 * Thin async wrappers over the git CLI (no git library: the CLI is what users have, and its
 * behaviour with worktrees, hooks and config is the behaviour they expect).
 *
 * Every failure becomes a UserError naming the git command, the folder and git's stderr.
 * Paths returned are repository-relative with forward slashes, as git prints them.
 */
import { UserError } from '../errors.js';
import { git, splitNul } from './git-exec.js';
import { readStatus } from './git-status.js';
import { gitDirs, readBranch, readHead } from './ref-read.js';
import { isEnvFile } from '../security/secrets.js';

export { git, splitNul, type GitOutput, type GitRunOptions } from './git-exec.js';

/**
 * For the commits, rebases and merges of nightshift's landings: git would otherwise start
 * `git maintenance run --auto` after each of them, a process of ~2 ms that mostly finds nothing to
 * do. The landing queue runs that check itself once every few landings instead (landing.ts).
 */
export const NO_AUTO_MAINTENANCE: Readonly<Record<string, string>> = { 'maintenance.auto': 'false' };
export { checkoutStatus, type CheckoutStatus } from './git-status.js';

/** Whether `cwd` is inside a git working tree (false when it does not exist). */
export async function isRepo(cwd: string): Promise<boolean> {
  try {
    const out = await git(cwd, ['rev-parse', '--is-inside-work-tree'], { allowFailure: true });
    return out.exitCode === 0 && out.stdout.trim() === 'true';
  } catch {
    return false;
  }
}

/** The top folder of the working tree holding `cwd`. */
export async function repoRoot(cwd: string): Promise<string> {
  return (await git(cwd, ['rev-parse', '--show-toplevel'])).stdout.trim();
}

/** The commit sha of `ref` (default HEAD). Throws when it does not resolve (e.g. no commits yet). */
export async function revParse(cwd: string, ref = 'HEAD'): Promise<string> {
  // A branch or HEAD of a checkout's top folder is read from git's files when they are plain.
  const known = ref === 'HEAD' ? readHead(cwd) : readBranch(cwd, ref);
  if (known !== undefined) return known;
  return (await git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).stdout.trim();
}

/** The git dir of the checkout at `cwd` (absolute), read from `.git` when plain; undefined outside one. */
export async function absoluteGitDir(cwd: string): Promise<string | undefined> {
  const known = gitDirs(cwd)?.gitDir;
  if (known !== undefined) return known;
  const out = await git(cwd, ['rev-parse', '--absolute-git-dir'], { allowFailure: true });
  return out.exitCode === 0 ? out.stdout.trim() : undefined;
}

/** The sha of HEAD. */
export async function head(cwd: string): Promise<string> {
  return revParse(cwd, 'HEAD');
}

/** The checked-out branch's short name, or null on a detached HEAD. */
export async function currentBranch(cwd: string): Promise<string | null> {
  const out = await git(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFailure: true });
  return out.exitCode === 0 ? out.stdout.trim() : null;
}

/**
 * Paths with uncommitted changes: staged, unstaged and untracked (ignored files excluded).
 * Deleted files are included: a deletion is a change. Renames appear as both paths.
 */
export async function uncommittedFiles(cwd: string): Promise<string[]> {
  return (await readStatus(cwd)).changes.map((change) => change.path);
}

/**
 * Every path changed since `sinceRef`: committed since it, staged, unstaged and untracked,
 * excluding ignored files; sorted, repository-relative.
 */
export async function changedFiles(cwd: string, sinceRef: string): Promise<string[]> {
  const committed = await git(cwd, ['diff', '--name-only', '-z', '--no-renames', sinceRef, 'HEAD']);
  const files = new Set([...splitNul(committed.stdout), ...(await uncommittedFiles(cwd))]);
  return [...files].sort();
}

/** Options of {@link commitWork} and {@link commitAll}. */
export interface CommitOptions {
  /** Paths (repository-relative) to leave out of the commit, besides `.env*` files. */
  readonly exclude?: (file: string) => boolean;
  /** Run the repository's commit hooks (default false: the gate is the contract, and hooks may prompt). */
  readonly runHooks?: boolean;
  /** {@link identityConfig} of the repository when the caller holds it already (the engine caches it per run). */
  readonly identity?: Readonly<Record<string, string>>;
}

/**
 * `-c user.name/-c user.email` for whichever of them the repository lacks, so a commit never
 * fails on a fresh machine yet a configured identity is always respected.
 */
export async function identityConfig(cwd: string): Promise<Record<string, string>> {
  const config: Record<string, string> = {};
  // One process for both keys (exit 1 just means neither is set). With -z each entry is
  // "key\nvalue"; the last value of a key wins, as for git itself, and a blank one counts as unset.
  const out = await git(cwd, ['config', '-z', '--get-regexp', '^user\\.(name|email)$'], {
    allowFailure: true,
  });
  const values = new Map<string, string>();
  for (const entry of splitNul(out.stdout)) {
    const newline = entry.indexOf('\n');
    values.set(
      newline < 0 ? entry : entry.slice(0, newline),
      newline < 0 ? '' : entry.slice(newline + 1).trim(),
    );
  }
  const set = new Set([...values].filter(([, value]) => value !== '').map(([key]) => key));
  if (!set.has('user.name')) config['user.name'] = 'nightshift';
  if (!set.has('user.email')) config['user.email'] = 'nightshift@localhost';
  return config;
}

/** Whether the index matches HEAD (nothing staged). */
async function nothingStaged(cwd: string): Promise<boolean> {
  return (await git(cwd, ['diff', '--cached', '--quiet'], { allowFailure: true })).exitCode === 0;
}

/** What {@link commitWork} did. */
export interface CommitResult {
  /** The new commit, or null when there was nothing to commit. */
  readonly sha: string | null;
  /** HEAD before committing (null before the first commit): the new commit's parent. */
  readonly parent: string | null;
  /** Changed paths left uncommitted because they are excluded (`.env*`, `exclude`). */
  readonly excluded: readonly string[];
}

/**
 * Stages every change except env files (`.env`, `.env.*`, `.envrc`; not templates such as
 * `.env.example`: security/secrets.ts isEnvFile) and what `exclude` rejects, and commits it.
 * Excluded files that were already staged (an agent ran `git add .env`) are unstaged first, so
 * they never ride along.
 */
export async function commitWork(
  cwd: string,
  message: string,
  options: CommitOptions = {},
): Promise<CommitResult> {
  const excluded = (file: string): boolean => isEnvFile(file) || (options.exclude?.(file) ?? false);
  // `git status` lists every path whose index or working tree differs from HEAD: an empty list
  // means nothing is or could be staged.
  const status = await readStatus(cwd);
  const left = status.changes.filter((change) => excluded(change.path));
  const none = { sha: null, parent: status.head, excluded: left.map((change) => change.path) };
  if (status.changes.length === 0) return none;
  const wanted = status.changes.filter((change) => !excluded(change.path)).map((change) => change.path);
  // Staging `wanted` (literal paths) cannot stage anything else, so the excluded files staged now
  // are exactly those the index held already.
  const unwanted = left.filter((change) => change.staged).map((change) => change.path);
  if (wanted.length > 0) {
    // -A stages deletions too; the list goes through stdin so thousands of paths fit.
    await git(cwd, ['add', '-A', '--pathspec-from-file=-', '--pathspec-file-nul'], {
      input: wanted.join('\0'),
    });
  }
  if (unwanted.length > 0) {
    const unstage =
      status.head !== null
        ? ['reset', '--quiet', '--pathspec-from-file=-', '--pathspec-file-nul']
        : ['rm', '--cached', '--quiet', '--pathspec-from-file=-', '--pathspec-file-nul'];
    await git(cwd, unstage, { input: unwanted.join('\0') });
  }
  if (wanted.length === 0 && (await nothingStaged(cwd))) return none;
  const args = ['commit', '--quiet', '--file=-'];
  if (!options.runHooks) args.push('--no-verify');
  try {
    await git(cwd, args, {
      input: message,
      config: { ...(options.identity ?? (await identityConfig(cwd))), ...NO_AUTO_MAINTENANCE },
    });
  } catch (error) {
    // Staged edits can cancel out (changed, staged, changed back): asked only on failure.
    if (await nothingStaged(cwd)) return none;
    throw error;
  }
  return { ...none, sha: await head(cwd) };
}

/** {@link commitWork}, returning the new commit's sha, or null when there was nothing to commit. */
export async function commitAll(
  cwd: string,
  message: string,
  options: CommitOptions = {},
): Promise<string | null> {
  return (await commitWork(cwd, message, options)).sha;
}

/** `git reset --hard <ref>`: the working tree and index become `ref` (untracked files stay). */
export async function resetHard(cwd: string, ref: string): Promise<void> {
  await git(cwd, ['reset', '--hard', '--quiet', ref]);
}

/** How {@link revertCommit} undid a commit. */
export type RevertMode = 'dropped' | 'reverted';

/**
 * Undoes one commit and nothing else. When `sha` is HEAD and has a parent it is dropped with
 * `git reset --keep HEAD~1` (history stays linear: no commit/revert pairs reach the integration
 * branch, and `--keep` refuses rather than discard uncommitted work). Otherwise `git revert` adds
 * an inverse commit; a conflicting revert is aborted and reported.
 */
export async function revertCommit(cwd: string, sha: string): Promise<RevertMode> {
  const full = await revParse(cwd, sha);
  const parent = await git(cwd, ['rev-parse', '--verify', '--quiet', `${full}~1`], { allowFailure: true });
  if (full === (await head(cwd)) && parent.exitCode === 0) {
    await git(cwd, ['reset', '--keep', '--quiet', `${full}~1`]);
    return 'dropped';
  }
  const out = await git(cwd, ['revert', '--no-edit', full], {
    allowFailure: true,
    config: await identityConfig(cwd),
  });
  if (out.exitCode !== 0) {
    await git(cwd, ['revert', '--abort'], { allowFailure: true });
    throw new UserError(
      `\`git revert ${full}\` failed in ${cwd}: ${out.stderr.trim() || out.stdout.trim()}`,
      {
        hint: 'Later commits touch the same lines; revert it by hand or reset the task.',
      },
    );
  }
  return 'reverted';
}

/** `git diff from [to]` as text, for prompts (callers truncate). */
export async function diffText(cwd: string, from: string, to?: string): Promise<string> {
  const range = to === undefined ? [from] : [from, to];
  return (await git(cwd, ['diff', '--no-renames', '--no-color', ...range])).stdout;
}

/** HEAD's sha, or a UserError saying the folder needs git, or a first commit (the gate and worktrees start from HEAD). */
export async function requireHead(cwd: string): Promise<string> {
  if (!(await isRepo(cwd))) {
    throw new UserError(`${cwd} is not a git repository; nightshift commits verified work, so it needs one`, {
      hint: 'run `git init && git add -A && git commit -m init` first',
    });
  }
  try {
    return await head(cwd);
  } catch {
    throw new UserError(
      `${cwd} is a git repository without commits yet; nightshift compares and branches from HEAD`,
      {
        hint: 'commit something first, e.g. `git add -A && git commit -m init`',
      },
    );
  }
}
