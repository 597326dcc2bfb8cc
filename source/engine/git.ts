/**
 * Thin async wrappers over the git CLI (no git library: the CLI is what users have, and its
 * behaviour with worktrees, hooks and config is the behaviour they expect).
 *
 * Every failure becomes a UserError naming the git command, the folder and git's stderr.
 * Paths returned are repository-relative with forward slashes, as git prints them.
 */
import path from 'node:path';
import { execa } from 'execa';
import { UserError } from '../errors.js';

/** What a git command printed and how it ended. */
export interface GitOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Options of one git invocation. */
export interface GitRunOptions {
  /** Return a non-zero exit instead of throwing. */
  readonly allowFailure?: boolean;
  /** Text written to git's stdin (e.g. a NUL-separated pathspec list). */
  readonly input?: string;
  /** `-c key=value` settings put before the subcommand. */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * Environment for every git call. Variables a parent git (a hook, `git rebase -x`) may have set
 * would point our commands at another repository or index, so they are dropped; prompts and
 * editors are disabled because nobody is there to answer; messages stay in English so that
 * conflict reports read the same everywhere; pathspecs are literal so a file named `*.ts` is
 * just that file.
 */
function gitEnv(): Record<string, string | undefined> {
  return {
    GIT_DIR: undefined,
    GIT_WORK_TREE: undefined,
    GIT_INDEX_FILE: undefined,
    GIT_PREFIX: undefined,
    GIT_TERMINAL_PROMPT: '0',
    GIT_EDITOR: 'true',
    GIT_SEQUENCE_EDITOR: 'true',
    GIT_MERGE_AUTOEDIT: 'no',
    GIT_LITERAL_PATHSPECS: '1',
    LC_ALL: 'C',
  };
}

/** Runs `git <args>` in `cwd`; throws a UserError on a non-zero exit unless `allowFailure`. */
export async function git(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): Promise<GitOutput> {
  const configArgs = Object.entries(options.config ?? {}).flatMap(([key, value]) => [
    '-c',
    `${key}=${value}`,
  ]);
  const result = await execa('git', [...configArgs, ...args], {
    cwd,
    env: gitEnv(),
    reject: false,
    stripFinalNewline: true,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  const output: GitOutput = {
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    exitCode: result.exitCode ?? -1,
  };
  if (output.exitCode !== 0 && !options.allowFailure) {
    const spawnError =
      result.failed && result.exitCode === undefined ? String(result.shortMessage ?? '') : '';
    throw new UserError(
      `\`git ${args.join(' ')}\` failed in ${cwd} (exit ${output.exitCode}): ${
        output.stderr.trim() || output.stdout.trim() || spawnError || 'no output'
      }`,
      { hint: spawnError.includes('ENOENT') ? 'Install git and put it on the PATH.' : undefined },
    );
  }
  return output;
}

/** Splits NUL-separated git output (`-z`), dropping the empty tail. */
function splitNul(text: string): string[] {
  return text.split('\0').filter((entry) => entry.length > 0);
}

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
  return (await git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).stdout.trim();
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

/** Whether a local branch exists. */
export async function branchExists(cwd: string, branch: string): Promise<boolean> {
  const out = await git(cwd, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], {
    allowFailure: true,
  });
  return out.exitCode === 0;
}

/**
 * Paths with uncommitted changes: staged, unstaged and untracked (ignored files excluded).
 * Deleted files are included: a deletion is a change. Renames appear as both paths.
 */
export async function uncommittedFiles(cwd: string): Promise<string[]> {
  const out = await git(cwd, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
  // Each entry is "XY path"; -z keeps paths unquoted; --no-renames avoids the two-path form.
  return splitNul(out.stdout).map((entry) => entry.slice(3));
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

/** Whether the working tree has no staged, unstaged or untracked changes. */
export async function isClean(cwd: string): Promise<boolean> {
  return (await uncommittedFiles(cwd)).length === 0;
}

/** `.env`, `.env.local`, `config/.env.production`: never auto-committed (DESIGN §8). */
export function isEnvFile(file: string): boolean {
  return path.posix.basename(file).startsWith('.env');
}

/** Options of {@link commitAll}. */
export interface CommitOptions {
  /** Paths (repository-relative) to leave out of the commit, besides `.env*` files. */
  readonly exclude?: (file: string) => boolean;
  /** Run the repository's commit hooks (default false: the gate is the contract, and hooks may prompt). */
  readonly runHooks?: boolean;
}

/**
 * `-c user.name/-c user.email` for whichever of them the repository lacks, so a commit never
 * fails on a fresh machine yet a configured identity is always respected.
 */
export async function identityConfig(cwd: string): Promise<Record<string, string>> {
  const config: Record<string, string> = {};
  const name = await git(cwd, ['config', '--get', 'user.name'], { allowFailure: true });
  if (name.exitCode !== 0 || !name.stdout.trim()) config['user.name'] = 'nightshift';
  const email = await git(cwd, ['config', '--get', 'user.email'], { allowFailure: true });
  if (email.exitCode !== 0 || !email.stdout.trim()) config['user.email'] = 'nightshift@localhost';
  return config;
}

async function hasHead(cwd: string): Promise<boolean> {
  return (
    (await git(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD'], { allowFailure: true })).exitCode === 0
  );
}

/**
 * Stages every change except `.env*` files and what `exclude` rejects, and commits it.
 * Returns the new commit's sha, or null when there is nothing to commit. Excluded files that were
 * already staged (an agent ran `git add .env`) are unstaged first, so they never ride along.
 */
export async function commitAll(
  cwd: string,
  message: string,
  options: CommitOptions = {},
): Promise<string | null> {
  const excluded = (file: string): boolean => isEnvFile(file) || (options.exclude?.(file) ?? false);
  const changed = await uncommittedFiles(cwd);
  const wanted = changed.filter((file) => !excluded(file));
  if (wanted.length > 0) {
    // -A stages deletions too; the list goes through stdin so thousands of paths fit.
    await git(cwd, ['add', '-A', '--pathspec-from-file=-', '--pathspec-file-nul'], {
      input: wanted.join('\0'),
    });
  }
  const staged = splitNul((await git(cwd, ['diff', '--cached', '--name-only', '-z', '--no-renames'])).stdout);
  const unwanted = staged.filter(excluded);
  if (unwanted.length > 0) {
    const unstage = (await hasHead(cwd))
      ? ['reset', '--quiet', '--pathspec-from-file=-', '--pathspec-file-nul']
      : ['rm', '--cached', '--quiet', '--pathspec-from-file=-', '--pathspec-file-nul'];
    await git(cwd, unstage, { input: unwanted.join('\0') });
  }
  const nothing = await git(cwd, ['diff', '--cached', '--quiet'], { allowFailure: true });
  if (nothing.exitCode === 0) return null;
  const args = ['commit', '--quiet', '--file=-'];
  if (!options.runHooks) args.push('--no-verify');
  await git(cwd, args, { input: message, config: await identityConfig(cwd) });
  return head(cwd);
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

/** Size of a diff. */
export interface DiffStat {
  readonly files: number;
  readonly insertions: number;
  readonly deletions: number;
  /** `git diff --stat` as git prints it. */
  readonly text: string;
}

/** `git diff --stat from [to]` (without `to`: against the working tree), with its totals. */
export async function diffStat(cwd: string, from: string, to?: string): Promise<DiffStat> {
  const range = to === undefined ? [from] : [from, to];
  const numstat = splitNul((await git(cwd, ['diff', '--numstat', '-z', '--no-renames', ...range])).stdout);
  let insertions = 0;
  let deletions = 0;
  for (const entry of numstat) {
    // "added\tdeleted\tpath"; binary files print "-" for both.
    const [added, removed] = entry.split('\t');
    insertions += Number(added) || 0;
    deletions += Number(removed) || 0;
  }
  const text = (await git(cwd, ['diff', '--stat', '--no-renames', ...range])).stdout;
  return { files: numstat.length, insertions, deletions, text };
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
    throw new UserError(`${cwd} is a git repository without commits yet; nightshift compares and branches from HEAD`, {
      hint: 'commit something first, e.g. `git add -A && git commit -m init`',
    });
  }
}
