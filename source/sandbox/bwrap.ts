/**
 * The kernel's guard rail (DESIGN.md §8): every agent CLI and every gate command runs under
 * bubblewrap. The whole filesystem is bound read-only, then the few places a task may change are
 * bound writable over it: its worktree, a private /tmp (a tmpfs), the build caches and the agent
 * CLIs' own state folders, and — for git in the worktree — the object store, the worktree's admin
 * folder and the `nightshift/*` branch folder. Everything else of the repository (its other refs,
 * config, stash, packed-refs, hooks) and the main checkout stay read-only; what git, gh and ssh
 * could authenticate with is hidden or cleared (sandbox/credentials.ts). The worktree's `.git` file is bound read-only so that removing
 * it fails instead of letting git fall through to an enclosing repository (GIT_CEILING_DIRECTORIES
 * stops that search as well). Its own pid namespace (`--unshare-pid`), dying with its parent;
 * `--unshare-net` when `[sandbox] network = false` (loopback is kept).
 *
 * Mount order matters: bwrap applies its options in order and a later mount covers an earlier one,
 * so the read-only root comes first, then the tmpfs mounts, then what must stay visible under them,
 * then the writable binds, and last the read-only spots inside writable ones.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { cliStateFolders } from './cli-state.js';
import { credentialArgs, credentialEnv } from './credentials.js';
import { bwrapBinary, probeBwrap, type BwrapProbe } from './probe.js';

export { cliStateFolders } from './cli-state.js';
export { bwrapBinary, probeBwrap, type BwrapProbe } from './probe.js';

/** The `[sandbox]` table of nightshift.toml. */
export interface SandboxSettings {
  /** `auto`: bwrap where it works, else off (said in `run`'s first line). */
  readonly mode: 'auto' | 'bwrap' | 'off';
  /** false: the sandbox gets its own network namespace with only loopback. */
  readonly network: boolean;
  /** Extra writable folders (absolute, or `~/…`), on top of the defaults. */
  readonly writable: readonly string[];
}

/** Where one sandboxed command works. */
export interface SandboxScope {
  /** The worktree (writable); a git worktree's metadata is found from its `.git` file. */
  readonly worktree: string;
  /** The main checkout: stays read-only even when it lies under a hidden or tmpfs folder. */
  readonly projectRoot: string;
  /** More writable folders or files for this command (the attempt's folder, for CLI homes and hooks). */
  readonly writable?: readonly string[];
  /** Paths that must stay visible read-only (the engine socket's folder). */
  readonly readable?: readonly string[];
}

/** A command as a program and its arguments, with env additions. */
export interface WrappedCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** The sandbox a run uses: `off`, or bwrap with its settings. */
export interface Sandbox {
  readonly kind: 'bwrap' | 'off';
  /** One line for `run`'s first line and `doctor`. */
  readonly describe: string;
  /** The command as it runs under the sandbox (unchanged when off). */
  readonly wrap: (file: string, args: readonly string[], scope: SandboxScope) => WrappedCommand;
}

/** The agent CLIs' own state (logins, sessions, settings): writable so they keep working. */
export const CLI_STATE = [
  '.claude',
  '.claude.json',
  '.codex',
  '.gemini',
  '.local/share/opencode',
  '.config/opencode',
  '.local/state/opencode',
  '.cache',
];
/** Build caches a gate or an agent needs to install and build (npm, pip, cargo, go, …). */
export const BUILD_CACHES = [
  '.npm',
  '.cache',
  '.cargo/registry',
  '.cargo/git',
  '.rustup',
  'go/pkg/mod',
  '.m2',
  '.gradle',
  '.yarn',
  '.local/share/pnpm',
  '.bun/install/cache',
];
/** Caches created when missing, so a first `npm install` in the sandbox can fill them. */
const CREATED_CACHES = ['.npm', '.cache'];

/** The sandbox that does nothing (`[sandbox] mode = "off"`). */
export const NO_SANDBOX: Sandbox = {
  kind: 'off',
  describe: 'sandbox: off (agents and gates run with your full permissions)',
  wrap: (file, args) => ({ file, args, env: {} }),
};

/** What a bwrap sandbox needs from the machine; tests pass their own. */
export interface BwrapOptions {
  readonly bwrap?: string;
  readonly home?: string;
}

/** The bwrap sandbox with these settings. */
export function bwrapSandbox(settings: SandboxSettings, options: BwrapOptions = {}): Sandbox {
  const bwrap = options.bwrap ?? bwrapBinary();
  const home = options.home ?? os.homedir();
  const net = settings.network ? 'network on' : 'network off (loopback only)';
  return {
    kind: 'bwrap',
    describe: `sandbox: bwrap (read-only filesystem except the worktree, /tmp and caches; ${net})`,
    wrap: (file, args, scope) => {
      const built = bwrapArguments(settings, scope, home, file);
      return { file: bwrap, args: [...built.args, '--', file, ...args], env: built.env };
    },
  };
}

/** The git folders of a worktree: its admin folder and the repository's common folder. */
export interface WorktreeGit {
  /** `<common>/worktrees/<name>`: its HEAD, index, ORIG_HEAD, logs. */
  readonly adminDir: string;
  /** The repository's `.git`. */
  readonly commonDir: string;
}

/** Reads `<worktree>/.git` (a `gitdir:` file) and the admin folder's `commondir`; undefined otherwise. */
export function worktreeGit(worktree: string): WorktreeGit | undefined {
  const dotGit = path.join(worktree, '.git');
  try {
    if (!statSync(dotGit).isFile()) return undefined;
    const match = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
    if (!match?.[1]) return undefined;
    const adminDir = path.resolve(worktree, match[1].trim());
    const common = readFileSync(path.join(adminDir, 'commondir'), 'utf8').trim();
    return { adminDir, commonDir: path.resolve(adminDir, common) };
  } catch {
    return undefined;
  }
}

/** Whether the worktree whose admin folder is `adminDir` has a `nightshift/*` branch checked out. */
function onNightshiftBranch(adminDir: string): boolean {
  try {
    return readFileSync(path.join(adminDir, 'HEAD'), 'utf8').startsWith('ref: refs/heads/nightshift/');
  } catch {
    return false;
  }
}

function real(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

function expandHome(file: string, home: string): string {
  if (file === '~') return home;
  if (file.startsWith('~/')) return path.join(home, file.slice(2));
  return path.resolve(file);
}

/**
 * The folders directly under /tmp that hold nightshift's own install, the command's file and the
 * PATH's folders (each resolved through symlinks), so the private /tmp does not hide them.
 */
export function programFolders(command: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = [packageRoot, ...(env['PATH'] ?? '').split(path.delimiter).filter(Boolean)];
  if (command.includes('/')) candidates.push(command);
  const tops = new Set<string>();
  for (const candidate of candidates) {
    for (const file of [path.resolve(candidate), real(candidate)]) {
      const relative = path.relative('/tmp', file);
      if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) continue;
      const top = path.join('/tmp', relative.split(path.sep)[0] ?? '');
      if (existsSync(top)) tops.add(top);
    }
  }
  return [...tops].sort();
}

/** True when `inner` is `outer` or lies under it. */
function within(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The bwrap arguments (before `--`) and the env additions for one scope. */
export function bwrapArguments(
  settings: SandboxSettings,
  scope: SandboxScope,
  home: string,
  command = '',
  env: NodeJS.ProcessEnv = process.env,
): { args: string[]; env: Record<string, string> } {
  const args: string[] = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  const worktree = real(scope.worktree);
  const projectRoot = real(scope.projectRoot);
  // What must stay readable although the private /tmp covers it (projects and sockets under /tmp).
  for (const file of [projectRoot, ...(scope.readable ?? []).map(real)]) {
    if (within(file, '/tmp') && file !== '/tmp' && existsSync(file)) args.push('--ro-bind', file, file);
  }
  // What the command runs from must stay visible too: nightshift itself (the hook and the task tool
  // server run its CLI), the agent CLI and the PATH. A checkout or a CLI cache under /tmp would
  // otherwise vanish under the private /tmp (claude exited 1 in a CI clone under /tmp). The whole
  // top folder under /tmp is kept, read-only, because npm's .bin links point into sibling folders.
  for (const top of programFolders(command, env)) args.push('--ro-bind', top, top);

  const writable = new Set<string>();
  const addWritable = (file: string): void => {
    if (existsSync(file)) writable.add(real(file));
  };
  for (const name of CREATED_CACHES) {
    const full = path.join(home, name);
    if (!existsSync(full) && existsSync(home)) mkdirSync(full, { recursive: true, mode: 0o700 });
  }
  for (const name of [...CLI_STATE, ...BUILD_CACHES]) addWritable(path.join(home, name));
  for (const folder of cliStateFolders(command, home, env)) {
    if (!existsSync(folder) && existsSync(home)) mkdirSync(folder, { recursive: true, mode: 0o700 });
    addWritable(folder);
  }
  for (const extra of settings.writable) addWritable(expandHome(extra, home));
  for (const extra of scope.writable ?? []) addWritable(extra);
  const git = worktreeGit(worktree);
  if (git) {
    addWritable(git.adminDir);
    addWritable(path.join(git.commonDir, 'objects'));
    // A commit in the worktree moves its `nightshift/<task>` branch: the folder of nightshift's own
    // branches (and their reflogs) is writable; main, other refs, tags and the stash are not. Only
    // a worktree on such a branch gets them: its own ref keeps both folders from being removed
    // while it runs. A detached one (a regression check) has no branch to move, and git removes
    // the folders whenever the last nightshift branch is deleted, however soon bwrap starts.
    if (onNightshiftBranch(git.adminDir)) {
      mkdirSync(path.join(git.commonDir, 'logs', 'refs', 'heads', 'nightshift'), { recursive: true });
      addWritable(path.join(git.commonDir, 'refs', 'heads', 'nightshift'));
      addWritable(path.join(git.commonDir, 'logs', 'refs', 'heads', 'nightshift'));
    }
  }
  addWritable(worktree);

  // A broad writable folder that holds the main checkout (`writable = ["~"]`) comes first; the
  // checkout goes read-only over it; then the writable folders inside it (worktree, objects, …).
  // Every folder but the worktree is bound with --bind-try: each existed a moment ago, and one
  // gone by the time bwrap starts (a cache a person deleted) must not fail the command unrun.
  const bind = (dir: string): string[] => [dir === worktree ? '--bind' : '--bind-try', dir, dir];
  const sorted = [...writable].sort((a, b) => a.length - b.length);
  const around = sorted.filter((dir) => within(projectRoot, dir));
  const inside = sorted.filter((dir) => !within(projectRoot, dir));
  for (const dir of around) args.push(...bind(dir));
  if (around.length > 0 && worktree !== projectRoot) args.push('--ro-bind', projectRoot, projectRoot);
  for (const dir of inside) args.push(...bind(dir));

  // Secrets are hidden last, so no writable folder above them shows them again.
  args.push(...credentialArgs(home, env));
  // The worktree's `.git` link cannot be removed or rewritten; a checkout's own `.git` folder (a
  // gate run by `nightshift verify` in the main checkout) keeps its refs, stash and config read-only.
  const dotGit = path.join(worktree, '.git');
  if (git || existsSync(dotGit)) args.push('--ro-bind', dotGit, dotGit);

  args.push('--unshare-pid', '--unshare-ipc', '--die-with-parent');
  if (!settings.network) args.push('--unshare-net');

  const added: Record<string, string> = {
    NIGHTSHIFT_SANDBOX: 'bwrap',
    TMPDIR: '/tmp',
    // With its `.git` gone, git must not search upward into an enclosing repository.
    GIT_CEILING_DIRECTORIES: path.dirname(worktree),
    ...credentialEnv(env),
  };
  return { args, env: added };
}

/**
 * The sandbox for a run: `off` when configured so; bwrap when it works here. A project that asked
 * for bwrap (`mode = "bwrap"`) where it cannot work gets an error, never a silent run without it; a
 * project on `mode = "auto"` (the default) runs without it, and `run`'s first line says so and why.
 */
export function chooseSandbox(settings: SandboxSettings, probe: () => BwrapProbe = probeBwrap): Sandbox {
  if (settings.mode === 'off') return NO_SANDBOX;
  const probed: BwrapProbe =
    process.platform === 'linux'
      ? probe()
      : { ok: false, detail: `bubblewrap needs Linux; this is ${process.platform}` };
  // codex's own sandbox is turned off under ours (agents/codex-config.ts, codexSandboxMode).
  if (probed.ok) return bwrapSandbox(settings);
  if (settings.mode === 'bwrap')
    throw new UserError(`[sandbox] mode = "bwrap" but bwrap cannot work here: ${probed.detail}`, {
      hint: 'install bubblewrap (apt-get install bubblewrap) and check it with `nightshift doctor`, or set [sandbox] mode = "off" in nightshift.toml to run agents without it',
    });
  return { ...NO_SANDBOX, describe: `sandbox: off (${probed.detail})` };
}
