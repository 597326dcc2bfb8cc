/**
 * The one place nightshift starts git (git/git.ts builds on it): a clean environment, errors
 * people can act on, and an optional trace of every call.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { UserError } from '../errors.js';
import { journalEnd, journalStart } from './git-journal.js';

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

/**
 * `NIGHTSHIFT_TRACE_GIT=1` (stderr) or `=<file>` (appended): a tab-separated line per git call
 * (time, ms, exit code, folder, arguments), to count and time an attempt's git work (bench).
 */
const traceTarget = process.env['NIGHTSHIFT_TRACE_GIT'] ?? '';

function traceGit(cwd: string, args: readonly string[], started: number, exitCode: number): void {
  const line = `${new Date().toISOString()}\t${(performance.now() - started).toFixed(1)}\t${exitCode}\t${cwd}\tgit ${args.join(' ')}\n`;
  // Synchronous, so lines of concurrent calls never interleave; paid only while tracing.
  if (traceTarget === '1') process.stderr.write(line);
  else appendFileSync(traceTarget, line);
}

/** How a git process ended: exit code (undefined when it never ran or died by a signal) and why not. */
interface Finished {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | undefined;
  readonly spawnError: string;
}

/** Drops one final newline, as git's own `$(…)` users expect. */
function stripFinalNewline(text: string): string {
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * Starts git with node's own spawn: execa costs about 5 ms more per call (measured against
 * execFile on the bench machine), and an attempt makes a dozen calls (DESIGN §9). Output is
 * collected without a size limit (diffs for prompts can be large).
 */
function runGit(cwd: string, args: readonly string[], input: string | undefined): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn('git', args, {
      cwd,
      // undefined values drop the inherited variable (see gitEnv).
      env: { ...process.env, ...gitEnv() },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    // Recorded until it ends, so recovery after a kill knows which locks are its own (git-journal.ts).
    journalStart(child.pid, cwd, args);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const text = (chunks: Buffer[]): string => stripFinalNewline(Buffer.concat(chunks).toString('utf8'));
    // 'error' (git missing, folder gone) may come without 'close'; the first settles the promise.
    child.on('error', (error) => {
      journalEnd(child.pid);
      resolve({ stdout: '', stderr: '', exitCode: undefined, spawnError: error.message });
    });
    child.on('close', (code, signal) => {
      journalEnd(child.pid);
      resolve({
        stdout: text(out),
        stderr: text(err),
        exitCode: code ?? undefined,
        spawnError: signal ? `killed by ${signal}` : '',
      });
    });
    if (child.stdin) {
      // git may exit before reading everything (e.g. a bad option): a broken pipe is not our error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });
}

/**
 * How git dies when it reads the admin folder of a worktree that another git is adding or removing
 * at that moment: `worktree add` creates `.git/worktrees/<id>/commondir` before it writes it, and
 * `worktree remove` deletes it, so a concurrent `worktree add`, `worktree list` or `branch -D` (each
 * reads every worktree's HEAD) finds it empty or gone. Tasks of a parallel run make and remove
 * worktrees all the time, so this happens now and then (the CI of e6175a0: `worktree list` failed,
 * "failed to read .git/worktrees/t4-1/commondir: Success", and the attempt errored).
 */
const WORKTREE_RACE = /^fatal: failed to read .*[\\/]worktrees[\\/][^\\/\n]+[\\/]commondir\b/m;

/**
 * Waits before each new try after {@link WORKTREE_RACE}: an add or remove takes milliseconds, so
 * 1, 2, 4 … 256 ms (~0.5 s in all) outlasts it even on a loaded machine.
 */
const WORKTREE_RACE_WAITS_MS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/**
 * Runs `run` (one git command) again while it died of {@link WORKTREE_RACE}. The commands that
 * read every worktree (`worktree add`/`list`/`remove`, `branch -D`, `checkout` of a branch) do so
 * to check before they change anything, so a command that died there is safe to repeat. Any other
 * ending returns as it is; so does the race once the waits are used up.
 */
export async function untilWorktreesSettle<
  T extends { readonly exitCode?: number | undefined; readonly stderr: string },
>(run: () => Promise<T>): Promise<T> {
  let result = await run();
  for (const wait of WORKTREE_RACE_WAITS_MS) {
    if (result.exitCode !== 128 || !WORKTREE_RACE.test(result.stderr)) break;
    await delay(wait);
    result = await run();
  }
  return result;
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
  const started = traceTarget ? performance.now() : 0;
  const result = await untilWorktreesSettle(() => runGit(cwd, [...configArgs, ...args], options.input));
  const output: GitOutput = { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? -1 };
  if (traceTarget) traceGit(cwd, args, started, output.exitCode);
  if (output.exitCode !== 0 && !options.allowFailure) {
    const spawnError = result.exitCode === undefined ? result.spawnError : '';
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
export function splitNul(text: string): string[] {
  return text.split('\0').filter((entry) => entry.length > 0);
}
