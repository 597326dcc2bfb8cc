/**
 * The verification gate (DESIGN §5): after an attempt, in the attempt's working tree,
 *  1. every changed file (vs the attempt's base) must match the task's path patterns, when given;
 *  2. every verification command must exit 0 within its timeout, run in order;
 *  3. the completion contract is evaluated on their output.
 *
 * The gate fails fast: a path violation skips the commands, and the first failing command skips
 * the rest. Later commands usually depend on earlier ones (build, then test), their failures would
 * only repeat the first, and a long suite should not run for an attempt that already failed.
 *
 * Each command runs under `sh -c` in its own process group; on timeout or abort the whole group
 * gets SIGTERM then SIGKILL, so a test runner's children die with it, and whatever a finished
 * command left running in its group is stopped too.
 */
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import picomatch from 'picomatch';
import { UserError } from '../errors.js';
import type { GateCheck, Task } from '../tasks/model.js';
import { extractMetric, targetReached } from './completion.js';
import { changedFiles } from '../git/git.js';
import type { Sandbox, SandboxScope } from '../sandbox/bwrap.js';
import { createMasker } from '../security/secrets.js';

/** Output kept per command, and for the gate's whole `output` (the tail; the log has it all). */
export const GATE_OUTPUT_TAIL_BYTES = 64 * 1024;
/** Default command timeout when neither the task nor the caller gives one (`[verification]`). */
export const DEFAULT_GATE_TIMEOUT_SECONDS = 1800;
/** Time between SIGTERM and SIGKILL of a command's process group. */
const KILL_GRACE_MS = 2000;
/** Offending files named in a path check's detail. */
const MAX_FILES_NAMED = 20;
/** Output lines of a failing command quoted in its check's detail. */
const DETAIL_LINES = 30;

/** Options of {@link runGate}. */
export interface GateOptions {
  /** The attempt's working tree root; `task.verification.cwd` is relative to it. */
  readonly cwd: string;
  /** The commit the attempt started from: changed files are counted since it. */
  readonly baseRef: string;
  /** Timeout per command when the task gives none (default 1800 s). */
  readonly timeoutSeconds?: number;
  /** Environment for the commands (over the process's own); the task's `verification.env` wins. */
  readonly env?: Readonly<Record<string, string>>;
  /** A file to append every command line and its output to. */
  readonly logFile?: string;
  /** Stops the running command (its process group) and the gate. */
  readonly signal?: AbortSignal;
  /** Applied to output before it is logged or returned (e.g. security's `maskSecrets`). */
  readonly mask?: (text: string) => string;
  /** The kernel sandbox each command runs in (DESIGN.md §8); absent = none. */
  readonly sandbox?: { readonly sandbox: Sandbox; readonly scope: SandboxScope };
}

/** What the gate concluded. */
export interface GateResult {
  readonly passed: boolean;
  readonly checks: GateCheck[];
  /** The metric read from the last command (numeric completion), when it could be read. */
  readonly metric?: number;
  /** Numeric completion with a target: whether the metric reached it. */
  readonly targetReached: boolean;
  /** The tail of every command's output, each after a `$ command` line. */
  readonly output: string;
  /** The gate was stopped through `signal`. */
  readonly aborted: boolean;
}

/** Keeps the last `max` characters of a stream of text. */
class Tail {
  private text = '';
  private dropped = false;
  constructor(private readonly max: number) {}
  push(chunk: string): void {
    this.text += chunk;
    // Trim lazily (at twice the size) so pushing many small chunks stays linear.
    if (this.text.length > this.max * 2) {
      this.text = this.text.slice(-this.max);
      this.dropped = true;
    }
  }
  toString(): string {
    if (this.text.length > this.max) return `[… earlier output cut …]\n${this.text.slice(-this.max)}`;
    return this.dropped ? `[… earlier output cut …]\n${this.text}` : this.text;
  }
}

/** How one command ended. */
interface CommandRun {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly stdout: string;
  readonly output: string;
  readonly durationMs: number;
  readonly spawnError?: string;
}

/** Signals a whole process group; a group that is already gone is fine. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every process of the group has exited.
  }
}

async function runCommand(
  command: string,
  options: {
    cwd: string;
    env: Record<string, string>;
    timeoutMs: number;
    signal: AbortSignal | undefined;
    log: WriteStream | undefined;
    /** Masks the output as it streams; none: the output as it came. */
    mask: ((text: string) => string) | undefined;
    sandbox: GateOptions['sandbox'];
  },
): Promise<CommandRun> {
  const started = Date.now();
  const stdout = new Tail(GATE_OUTPUT_TAIL_BYTES);
  const output = new Tail(GATE_OUTPUT_TAIL_BYTES);
  const wrapped = options.sandbox?.sandbox.wrap('/bin/sh', ['-c', command], options.sandbox.scope);
  const subprocess = execa(wrapped ? wrapped.file : command, wrapped ? wrapped.args : [], {
    shell: wrapped === undefined,
    cwd: options.cwd,
    env: { ...options.env, ...wrapped?.env },
    stdin: 'ignore',
    buffer: false,
    reject: false,
    // Its own process group, so the group can be killed as one; `cleanup` still ends it if we exit.
    detached: true,
    cleanup: true,
    forceKillAfterDelay: KILL_GRACE_MS,
  });
  const pid = subprocess.pid;
  let timedOut = false;
  let aborted = false;
  let settled = false;
  const timers: NodeJS.Timeout[] = [];
  const stopGroup = (): void => {
    killGroup(pid, 'SIGTERM');
    timers.push(setTimeout(() => settled || killGroup(pid, 'SIGKILL'), KILL_GRACE_MS));
  };
  timers.push(
    setTimeout(() => {
      timedOut = true;
      stopGroup();
    }, options.timeoutMs),
  );
  const onAbort = (): void => {
    aborted = true;
    stopGroup();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // When the shell exits, background children it left would hold the pipes open and the gate
  // would wait for them forever; they belong to this command, so they stop with it.
  subprocess.once('exit', stopGroup);
  // One streaming masker per stream: a key split across two writes is masked whole (DESIGN.md §8).
  const unmasked = { push: (chunk: string) => chunk, flush: () => '' };
  const masker = () => (options.mask ? createMasker({ mask: options.mask }) : unmasked);
  const maskers = [masker(), masker()] as const;
  const emit = (isStdout: boolean, text: string): void => {
    if (text === '') return;
    if (isStdout) stdout.push(text);
    output.push(text);
    options.log?.write(text);
  };
  const collect = (isStdout: boolean) => (chunk: string) =>
    emit(isStdout, maskers[isStdout ? 0 : 1].push(chunk));
  subprocess.stdout?.setEncoding('utf8').on('data', collect(true));
  subprocess.stderr?.setEncoding('utf8').on('data', collect(false));
  const result = await subprocess;
  emit(true, maskers[0].flush());
  emit(false, maskers[1].flush());
  settled = true;
  for (const timer of timers) clearTimeout(timer);
  options.signal?.removeEventListener('abort', onAbort);
  const spawnError =
    result.exitCode === undefined && result.signal === undefined ? result.shortMessage : undefined;
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut,
    aborted,
    stdout: stdout.toString(),
    output: output.toString(),
    durationMs: Date.now() - started,
    ...(spawnError ? { spawnError } : {}),
  };
}

/** The last `count` lines of `text`. */
function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-count).join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs the path check; undefined when the task has no path patterns. */
async function checkPaths(task: Task, options: GateOptions): Promise<GateCheck | undefined> {
  const patterns = task.verification.pathPatterns;
  if (patterns.length === 0) return undefined;
  const started = Date.now();
  const changed = await changedFiles(options.cwd, options.baseRef);
  const matches = picomatch(patterns, { dot: true });
  const offending = changed.filter((file) => !matches(file));
  const listed = patterns.map((pattern) => `\`${pattern}\``).join(', ');
  const named = offending.slice(0, MAX_FILES_NAMED).join(', ');
  const more = offending.length > MAX_FILES_NAMED ? ` and ${offending.length - MAX_FILES_NAMED} more` : '';
  return {
    kind: 'paths',
    name: 'changed paths',
    passed: offending.length === 0,
    detail:
      offending.length === 0
        ? `${changed.length} changed file(s), all matching ${listed}`
        : `${offending.length} of ${changed.length} changed file(s) match none of ${listed}: ${named}${more}`,
    durationMs: Date.now() - started,
  };
}

/**
 * Runs the gate of `task` in `options.cwd`. Throws a UserError for a task with neither commands
 * nor path patterns (the audit forbids it) or a verification `cwd` that does not exist; every
 * other failure is a failed check.
 */
export async function runGate(task: Task, options: GateOptions): Promise<GateResult> {
  const { verification, completion } = task;
  if (verification.commands.length === 0 && verification.pathPatterns.length === 0) {
    throw new UserError(
      `Task ${task.id} has no verification commands and no path patterns: nothing to check.`,
      {
        hint: `Add verification commands to ${task.id} (nightshift task show ${task.id}).`,
      },
    );
  }
  const commandCwd = path.resolve(options.cwd, verification.cwd ?? '.');
  if (!existsSync(commandCwd)) {
    throw new UserError(
      `Verification working directory ${verification.cwd ?? '.'} of task ${task.id} does not exist (${commandCwd}).`,
    );
  }
  const mask = options.mask ?? ((text: string) => text);
  const checks: GateCheck[] = [];
  const output = new Tail(GATE_OUTPUT_TAIL_BYTES);
  let log: WriteStream | undefined;
  if (options.logFile) {
    await mkdir(path.dirname(options.logFile), { recursive: true, mode: 0o700 });
    log = createWriteStream(options.logFile, { flags: 'a', mode: 0o600 });
  }
  let aborted = false;
  let lastStdout: string | undefined;
  try {
    const paths = await checkPaths(task, options);
    if (paths) {
      checks.push(paths);
      log?.write(`[gate] ${paths.passed ? 'pass' : 'FAIL'} ${paths.name}: ${paths.detail}\n`);
    }
    if (paths?.passed !== false) {
      const timeoutSeconds =
        verification.timeoutSeconds ?? options.timeoutSeconds ?? DEFAULT_GATE_TIMEOUT_SECONDS;
      const env = { ...options.env, ...verification.env };
      for (const command of verification.commands) {
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
        // Commands can carry tokens too (curl -H …), so the mask covers them as well.
        const shown = mask(command);
        const header = `$ ${shown}${verification.cwd ? `   (in ${verification.cwd})` : ''}\n`;
        log?.write(`[gate] ${header}`);
        output.push(header);
        const run = await runCommand(command, {
          cwd: commandCwd,
          env,
          timeoutMs: timeoutSeconds * 1000,
          signal: options.signal,
          log,
          mask: options.mask,
          sandbox: options.sandbox,
        });
        output.push(run.output.endsWith('\n') || run.output === '' ? run.output : `${run.output}\n`);
        const passed = run.exitCode === 0 && !run.timedOut && !run.aborted;
        const ending = run.timedOut
          ? `timed out after ${timeoutSeconds} s; its process group was killed`
          : run.aborted
            ? 'stopped'
            : run.spawnError
              ? `could not start: ${run.spawnError}`
              : run.exitCode !== undefined
                ? `exit ${run.exitCode}`
                : `killed by ${run.signal ?? 'a signal'}`;
        const footer = `[gate] ${passed ? 'pass' : 'FAIL'}: ${ending} (${seconds(run.durationMs)})\n`;
        log?.write(footer);
        output.push(footer.replace('[gate] ', '→ '));
        checks.push({
          kind: 'command',
          name: shown,
          passed,
          detail:
            passed || !run.output.trim()
              ? ending
              : `${ending}; last output:\n${lastLines(run.output, DETAIL_LINES)}`,
          durationMs: run.durationMs,
        });
        lastStdout = run.stdout;
        if (run.aborted) aborted = true;
        if (!passed) break;
      }
    }
  } finally {
    if (log) await new Promise<void>((resolve) => log.end(resolve));
  }
  let metric: number | undefined;
  let reached = false;
  if (completion.kind === 'numeric' && checks.every((check) => check.passed) && !aborted) {
    const reading =
      lastStdout === undefined
        ? { ok: false as const, reason: 'no verification command printed a report to read the metric from' }
        : extractMetric(lastStdout, completion.jsonPath);
    if (reading.ok) {
      metric = reading.value;
      reached = targetReached(reading.value, completion);
    }
    const needsTarget = completion.target !== undefined;
    checks.push({
      kind: 'completion',
      name: `metric ${completion.jsonPath}`,
      passed: reading.ok && (!needsTarget || reached),
      detail: reading.ok
        ? `${completion.jsonPath} = ${reading.value} (${completion.direction}${
            needsTarget ? `, target ${completion.target}${reached ? ' reached' : ' not reached'}` : ''
          })`
        : reading.reason,
      durationMs: 0,
    });
  }
  return {
    passed: !aborted && checks.length > 0 && checks.every((check) => check.passed),
    checks,
    ...(metric === undefined ? {} : { metric }),
    targetReached: reached,
    output: output.toString(),
    aborted,
  };
}
