/**
 * Helpers for tests that run the BUILT command line (`node dist/cli/index.js …`) as a user would.
 *
 *   const dir = await tempDir();
 *   const { exitCode, stdout, stderr } = await runCli(['init', '--use', 'sim'], { cwd: dir });
 *
 * - The CLI must be built first (`npm run build`; CI builds before testing). Importing this module
 *   throws a clear error when dist/cli/index.js is missing, and warns once when a file under
 *   source/ is newer than the build.
 * - Every temporary folder made by `tempDir`/`tempGitRepo` is removed after the test file's last
 *   test (set NIGHTSHIFT_KEEP_TMP=1 to keep them for inspection).
 * - Each test file gets its own XDG_STATE_HOME (registry, worktrees) so tests never touch the real
 *   `~/.local/state/nightshift`; pass `env: { XDG_STATE_HOME: … }` to override.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll } from 'vitest';

/** The repository root (the folder holding package.json). */
export const repoRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI entry point. */
export const cliPath: string = path.join(repoRoot, 'dist', 'cli', 'index.js');

if (!existsSync(cliPath)) {
  throw new Error(
    `${cliPath} is missing: run \`npm run build\` before the tests that run the CLI (CI builds first).`,
  );
}
warnIfStale();

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Working directory; default: the process's. */
  readonly cwd?: string;
  /** Variables added to (or, with `undefined`, removed from) the inherited environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Text written to the CLI's stdin; without it stdin is empty (/dev/null). */
  readonly input?: string;
  /** Kill the CLI after this long and fail the test; default 150 s (a deadline on a loaded machine). */
  readonly timeoutMs?: number;
}

/** What one run of the CLI produced. Output is kept as written, minus the final newline. */
export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node dist/cli/index.js ...args` and returns its exit code and output. Never rejects on a
 * non-zero exit (assert on `exitCode`); rejects when the CLI is killed by the timeout or a signal,
 * with its output in the message.
 */
export async function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    XDG_STATE_HOME: await stateHome(),
    ...options.env,
  };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const timeout = options.timeoutMs ?? 150_000;
  const result = await execa(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env,
    extendEnv: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    timeout,
    reject: false,
  });
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  if (result.exitCode === undefined) {
    const why = result.timedOut
      ? `timed out after ${timeout} ms`
      : `was killed by ${result.signal ?? 'a signal'}`;
    throw new Error(`nightshift ${args.join(' ')} ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
  }
  return { exitCode: result.exitCode, stdout, stderr };
}

const made: string[] = [];
let sharedStateHome: Promise<string> | undefined;

afterAll(async () => {
  if (process.env['NIGHTSHIFT_KEEP_TMP'] === '1') return;
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  sharedStateHome = undefined;
});

/**
 * A new empty folder under the system temp dir, or under `parent` (created when missing); real
 * path, symlinks resolved; removed after the file's tests.
 */
export async function tempDir(prefix = 'nightshift-test-', parent?: string): Promise<string> {
  if (parent !== undefined) await mkdir(parent, { recursive: true });
  const dir = await realpath(await mkdtemp(path.join(parent ?? os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

/**
 * A new empty folder outside /tmp (under .test-cache/outside), removed after the file's tests: for a
 * canary a sandbox test must still see — the sandbox's private /tmp hides everything under /tmp, so a
 * write there would fail for that reason alone, while a user's other folders stay visible.
 */
export function outsideDir(prefix: string): Promise<string> {
  return tempDir(prefix, path.join(repoRoot, '.test-cache', 'outside'));
}

/** A new temporary git repository on branch `main` with a user configured and one commit. */
export async function tempGitRepo(prefix = 'nightshift-repo-'): Promise<string> {
  const dir = await tempDir(prefix);
  const git = (...args: string[]): Promise<unknown> => execa('git', args, { cwd: dir, stdin: 'ignore' });
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.name', 'nightshift test');
  await git('config', 'user.email', 'test@nightshift.invalid');
  await git('config', 'commit.gpgsign', 'false');
  await git('commit', '-q', '--allow-empty', '-m', 'initial commit');
  return dir;
}

function stateHome(): Promise<string> {
  sharedStateHome ??= tempDir('nightshift-state-');
  return sharedStateHome;
}

/** Warns (once per test file) when the build is older than a source file: the tests would run old code. */
function warnIfStale(): void {
  const built = statSync(cliPath).mtimeMs;
  const newer = newestFile(path.join(repoRoot, 'source'));
  if (newer !== undefined && newer.mtimeMs > built) {
    console.warn(
      `warning: ${path.relative(repoRoot, newer.file)} is newer than dist/: run \`npm run build\` to test the current code`,
    );
  }
}

function newestFile(dir: string): { file: string; mtimeMs: number } | undefined {
  let newest: { file: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const candidate = entry.isDirectory()
      ? newestFile(full)
      : { file: full, mtimeMs: statSync(full).mtimeMs };
    if (candidate !== undefined && (newest === undefined || candidate.mtimeMs > newest.mtimeMs))
      newest = candidate;
  }
  return newest;
}
