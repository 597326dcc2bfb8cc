/**
 * Small, time-boxed probes of the machine that `init` and `doctor` share: finding a program on
 * PATH, running it once with a deadline, and asking git whether a folder is a repository.
 */
import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** How long any one external probe may take. Slow CLIs (npx shims, cold caches) need several seconds. */
export const PROBE_TIMEOUT_MS = 10_000;

/** What one run of an external program produced. */
export interface ProbeResult {
  /** True when it started, finished in time and exited 0. */
  readonly ok: boolean;
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** Why it failed, in one line; empty when `ok`. */
  readonly error: string;
}

/** Options of {@link runProbe}. */
export interface ProbeOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/**
 * Runs `file args` with stdin closed (codex and opencode read stdin when it is not a TTY and would
 * wait forever) and kills it after the deadline. Never throws.
 */
export async function runProbe(
  file: string,
  args: readonly string[],
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const result = await execa(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.env === undefined,
    stdin: 'ignore',
    timeout: timeoutMs,
    forceKillAfterDelay: 1_000,
    reject: false,
    stripFinalNewline: true,
  });
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  const ok = !result.failed && result.exitCode === 0;
  let error = '';
  if (result.timedOut) error = `timed out after ${Math.round(timeoutMs / 1000)} s`;
  else if (!ok)
    error =
      firstLine(stderr) ||
      firstLine(result.shortMessage ?? '') ||
      `exited with ${result.exitCode ?? 'a signal'}`;
  return { ok, exitCode: result.exitCode, stdout, stderr, timedOut: result.timedOut, error };
}

/** The first non-empty line of a text, trimmed. */
export function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .find((line) => line.length > 0) ?? ''
  );
}

/**
 * The absolute path of an executable named `name` on `PATH` (as `which` finds it), or undefined.
 * A name containing a slash is checked as a path.
 */
export async function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (name.includes('/')) return (await isExecutableFile(name)) ? path.resolve(name) : undefined;
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** What git says about a folder. */
export type GitRepositoryInfo =
  | { readonly kind: 'repository'; readonly topLevel: string }
  | { readonly kind: 'not-a-repository' }
  | { readonly kind: 'no-git'; readonly error: string };

/** Asks git whether `dir` is inside a work tree. */
export async function gitRepositoryInfo(dir: string, env?: NodeJS.ProcessEnv): Promise<GitRepositoryInfo> {
  const git = await findOnPath('git', env ?? process.env);
  if (git === undefined) return { kind: 'no-git', error: 'git not found on PATH' };
  const result = await runProbe(git, ['rev-parse', '--show-toplevel'], { cwd: dir, env });
  if (result.ok) return { kind: 'repository', topLevel: firstLine(result.stdout) };
  if (result.timedOut) return { kind: 'no-git', error: result.error };
  return { kind: 'not-a-repository' };
}
