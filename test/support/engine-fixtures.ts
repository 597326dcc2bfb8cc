/**
 * Fixtures for the engine's integration tests: a real temporary git repository with a nightshift
 * project using the `sim` backend, driven through the BUILT command line (test/support/cli.ts).
 *
 *   const project = await simProject({ run: { max_retries: 1 } });
 *   await project.importTasks([simTask('a', 'sim: write a.txt <<<\nhello\n>>>', ['test -f a.txt'])]);
 *   const { exitCode } = await project.cli(['run', '--no-ui']);
 *
 * Each project has its own XDG_STATE_HOME (so its worktrees are under `<stateHome>/nightshift/`),
 * passed to every command it runs, including engines started in the background with `startEngine`.
 * `cleanupProjects()` (in afterEach) kills every process still working in a project's folders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { State } from '../../source/store/schema.js';
import type { Task } from '../../source/tasks/model.js';
import { cliPath, runCli, tempDir, tempGitRepo, type CliResult, type RunCliOptions } from './cli.js';
import { waitForValue } from './wait.js';

/** A value of a nightshift.toml key. */
export type TomlValue = string | number | boolean;

/** A task in the plan file format (DESIGN.md §5), the subset these tests use. */
export interface PlanTask {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly steps: readonly string[];
  readonly priority?: number;
  readonly depends_on?: readonly string[];
  readonly verification: {
    readonly validate_commands: readonly string[];
    readonly path_patterns?: readonly string[];
  };
  readonly completion?: Readonly<Record<string, unknown>>;
  readonly execution?: Readonly<Record<string, unknown>>;
  readonly backend?: string;
  readonly model?: string;
}

/** A task for the sim: `description` carries the `sim:` directives; `verify` is the gate. */
export function simTask(
  id: string,
  description: string,
  verify: readonly string[],
  extra: Partial<PlanTask> = {},
): PlanTask {
  return {
    id,
    title: `Task ${id}`,
    description,
    steps: [`do what task ${id} says`],
    verification: { validate_commands: verify },
    ...extra,
  };
}

/** `sim: write PATH <<<` … `>>>` for one file. */
export function simWrite(file: string, content: string): string {
  return `sim: write ${file} <<<\n${content}\n>>>`;
}

/** Waits until `predicate` gives a value (polled), or throws naming `what` after `timeoutMs`. */
export function waitFor<T>(
  predicate: () => T | undefined | false | Promise<T | undefined | false>,
  options: { readonly timeoutMs?: number; readonly intervalMs?: number; readonly what: string },
): Promise<T> {
  return waitForValue(predicate, options.what, options.timeoutMs ?? 20_000, options.intervalMs ?? 50);
}

/** An engine started in the background (`nightshift run --no-ui …` as a child process). */
export interface BackgroundEngine {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout and stderr so far. */
  output(): string;
}

/** One nightshift project on a temporary git repository. */
export interface SimProject {
  readonly dir: string;
  /** This project's XDG_STATE_HOME. */
  readonly stateHome: string;
  /** `$XDG_STATE_HOME/nightshift/worktrees`. */
  readonly worktreesRoot: string;
  /** Runs the built CLI in the project with this project's state home. */
  cli(args: readonly string[], options?: RunCliOptions): Promise<CliResult>;
  /** Starts the built CLI in the background (e.g. `run --no-ui`). */
  startCli(args: readonly string[]): BackgroundEngine;
  /** Imports tasks (plan file format) with `nightshift task import`. */
  importTasks(tasks: readonly PlanTask[]): Promise<void>;
  /** `.nightshift/state.json`, parsed; undefined while it does not exist or is mid-write. */
  state(): State | undefined;
  /** One task from state.json (throws when missing). */
  task(id: string): Task;
  /** Runs git in the main checkout; resolves to its stdout. */
  git(...args: string[]): Promise<string>;
  /** Subjects of the integration branch's commits, oldest first. */
  subjects(): Promise<string[]>;
  /** Sets keys of one nightshift.toml table (and commits nothing). */
  setConfig(table: string, entries: Readonly<Record<string, TomlValue>>): Promise<void>;
  /** `git add -A && git commit` in the main checkout. */
  commitAll(message: string): Promise<void>;
}

const projects: SimProject[] = [];
const engines: BackgroundEngine[] = [];

/**
 * A git repo with `nightshift init --use sim`, the given config keys, and everything committed.
 * `run` keys go to [run]; other tables through `config`.
 */
export async function simProject(
  options: {
    readonly run?: Readonly<Record<string, TomlValue>>;
    readonly config?: Readonly<Record<string, Readonly<Record<string, TomlValue>>>>;
  } = {},
): Promise<SimProject> {
  const dir = await tempGitRepo('nightshift-engine-');
  const stateHome = await tempDir('nightshift-engine-state-');
  const plans = await tempDir('nightshift-engine-plans-');
  let planNo = 0;
  const env = { XDG_STATE_HOME: stateHome };
  const project: SimProject = {
    dir,
    stateHome,
    worktreesRoot: path.join(stateHome, 'nightshift', 'worktrees'),
    cli: (args, cliOptions = {}) =>
      runCli(args, { cwd: dir, ...cliOptions, env: { ...env, ...cliOptions.env } }),
    startCli: (args) => {
      const engine = startBackground(dir, args, env);
      engines.push(engine);
      return engine;
    },
    importTasks: async (tasks) => {
      const file = path.join(plans, `plan-${++planNo}.json`);
      await writeFile(file, JSON.stringify({ project: 'engine-test', tasks }, null, 2));
      const result = await project.cli(['task', 'import', file]);
      if (result.exitCode !== 0)
        throw new Error(`task import failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
    },
    state: () => readState(dir),
    task: (id) => {
      const task = readState(dir)?.tasks.find((t) => t.id === id);
      if (!task) throw new Error(`task ${id} is not in ${dir}/.nightshift/state.json`);
      return task;
    },
    git: async (...args) => (await execa('git', args, { cwd: dir, stdin: 'ignore' })).stdout,
    subjects: async () =>
      (await project.git('log', '--reverse', '--format=%s', 'main')).split('\n').filter(Boolean),
    setConfig: async (table, entries) => {
      const file = path.join(dir, 'nightshift.toml');
      await writeFile(file, setTomlKeys(await readFile(file, 'utf8'), table, entries));
    },
    commitAll: async (message) => {
      await project.git('add', '-A');
      await project.git('commit', '-q', '-m', message);
    },
  };
  const init = await project.cli(['init', '--use', 'sim']);
  if (init.exitCode !== 0)
    throw new Error(`nightshift init failed (${init.exitCode}):\n${init.stdout}\n${init.stderr}`);
  await project.setConfig('backend', { default: 'sim' });
  if (options.run) await project.setConfig('run', options.run);
  for (const [table, entries] of Object.entries(options.config ?? {}))
    await project.setConfig(table, entries);
  await project.commitAll('nightshift init');
  projects.push(project);
  return project;
}

/** Parses state.json; undefined when missing or caught mid-write. */
function readState(dir: string): State | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, '.nightshift', 'state.json'), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

function startBackground(
  cwd: string,
  args: readonly string[],
  extraEnv: Readonly<Record<string, string>>,
): BackgroundEngine {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  if (child.pid === undefined) throw new Error(`could not start nightshift ${args.join(' ')}`);
  return { child, pid: child.pid, exited, output: () => output };
}

/**
 * `text` with `key = value` set in `[table]` for each entry: an existing key line is replaced, a
 * missing one is added under the table's header (the table is appended when missing).
 */
export function setTomlKeys(
  text: string,
  table: string,
  entries: Readonly<Record<string, TomlValue>>,
): string {
  const lines = text.split('\n');
  for (const [key, value] of Object.entries(entries)) {
    const rendered = `${key} = ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
    let header = lines.findIndex((line) => line.trim() === `[${table}]`);
    if (header < 0) {
      lines.push('', `[${table}]`);
      header = lines.length - 1;
    }
    let end = lines.findIndex((line, index) => index > header && /^\s*\[/.test(line));
    if (end < 0) end = lines.length;
    const keyLine = lines.findIndex(
      (line, index) => index > header && index < end && new RegExp(`^\\s*${key}\\s*=`).test(line),
    );
    if (keyLine >= 0) lines[keyLine] = rendered;
    else lines.splice(header + 1, 0, rendered);
  }
  return lines.join('\n');
}

/** A live process as seen in /proc. */
export interface ProcessInfo {
  readonly pid: number;
  readonly cmdline: string;
  readonly cwd: string;
  readonly tag: string | undefined;
}

/** Every process of this user readable in /proc (pid, command line, cwd, NIGHTSHIFT_PROCESS_TAG). */
export function listProcesses(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (cmdline === '') continue; // a zombie or a kernel thread
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const tag = environ
        .find((entry) => entry.startsWith('NIGHTSHIFT_PROCESS_TAG='))
        ?.slice('NIGHTSHIFT_PROCESS_TAG='.length);
      found.push({ pid, cmdline, cwd: readlinkSync(`/proc/${pid}/cwd`), tag });
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return found;
}

/** Processes carrying exactly this NIGHTSHIFT_PROCESS_TAG. */
export function processesWithTag(tag: string): ProcessInfo[] {
  return listProcesses().filter((p) => p.tag === tag);
}

/** Processes whose working directory is `dir` or below it (the test runner itself excluded). */
export function processesUnder(dir: string): ProcessInfo[] {
  return listProcesses().filter(
    (p) => p.pid !== process.pid && (p.cwd === dir || p.cwd.startsWith(`${dir}/`)),
  );
}

/** The NIGHTSHIFT_PROCESS_TAG of an attempt (agents/process-tree.ts's attemptProcessTag). */
export function attemptTag(runId: string, taskId: string, attempt: number): string {
  return `ns-${runId}-${taskId}-${attempt}`;
}

/** Whether a pid is alive (and not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Names of the worktree folders of every repo of a project (empty when none). */
export function worktreeFolders(project: SimProject): string[] {
  if (!existsSync(project.worktreesRoot)) return [];
  return readdirSync(project.worktreesRoot).flatMap((repo) =>
    readdirSync(path.join(project.worktreesRoot, repo)).map((wt) => `${repo}/${wt}`),
  );
}

/** Kills background engines and every process left working in a project's folders (afterEach). */
export async function cleanupProjects(): Promise<void> {
  for (const engine of engines.splice(0)) {
    if (engine.child.exitCode === null && engine.child.signalCode === null) engine.child.kill('SIGKILL');
  }
  const killed: number[] = [];
  for (const project of projects.splice(0)) {
    for (const root of [project.dir, project.stateHome]) {
      for (const leftover of processesUnder(root)) {
        try {
          process.kill(leftover.pid, 'SIGKILL');
          killed.push(leftover.pid);
        } catch {
          // already gone
        }
      }
    }
  }
  await waitFor(() => killed.every((pid) => !isAlive(pid)), {
    timeoutMs: 5000,
    what: 'leftover processes to die',
  });
}

/** Polls `status --json` in `dir` until no engine runs there. */
export async function engineGone(
  dir: string,
  env: Readonly<Record<string, string>>,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    async () =>
      (JSON.parse((await runCli(['status', '--json'], { cwd: dir, env })).stdout) as { engine: unknown })
        .engine === null,
    { timeoutMs, intervalMs: 200, what: `the engine in ${dir} to stop` },
  );
}

/**
 * For an afterAll: stops the engine of `dir`, whatever state the test left it in, and waits until it
 * is gone (it writes into the folder the test's clean-up removes next). Never throws.
 */
export async function stopEngine(dir: string, env: Readonly<Record<string, string>>): Promise<void> {
  await runCli(['stop'], { cwd: dir, env }).catch(() => undefined);
  await engineGone(dir, env).catch(() => undefined);
}
