/**
 * `nightshift run`: the engine, in the foreground with line output, or detached as a daemon.
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { nightshiftCommand, projectPaths } from '../paths.js';
import { readLock } from '../store/lock.js';
import { runEngine } from '../daemon/start.js';
import type { RunFlags } from '../config/run-options.js';
import { findProjectRoot } from './project.js';
import type { EngineEvent } from '../protocol/types.js';
import { jsonPrinter, linePrinter } from './event-lines.js';
import { waitFor } from './wait.js';
import { ENGINE_START_MS, boardSession, comeBackCommand, connectLocal, hasTty, loadBoard } from './attach.js';
import { showStartingFrame } from './starting-frame.js';

interface RunCliOptions extends RunFlags {
  readonly detach?: boolean;
  readonly ui?: boolean;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

/** Registers `run`. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the queue: agents work on ready tasks, the gate verifies, passing work is committed')
    .option('--backend <name>', 'agent backend: claude, codex, gemini, opencode or sim')
    .option('--parallel <n>', 'coding agents at once')
    .option('--max-tasks <n>', 'start at most this many tasks')
    .option('--max-retries <n>', 'retries per task before it is blocked')
    .option('--epochs <n>', 're-plan rounds when the queue is exhausted')
    .option('--max-cost <usd>', 'stop starting tasks once the run has cost this much')
    .option('--detach', 'start the engine in the background and return')
    .option('--dry-run', 'print each prompt and command line; spawn nothing')
    .option('--regression <k>', 'regression workers re-testing done tasks beside the coding agents')
    .option('--yolo', 'skip regression agents and review (the gate still runs)')
    .option('--no-ui', 'no board: plain timestamped lines (the default without a TTY)')
    .option('--json', 'print engine events as NDJSON')
    .option('-v, --verbose', 'also print agent output lines')
    .addHelpText(
      'after',
      '\nExit codes: 0 all done, 1 error, 2 ended with blocked tasks, 3 stopped at a limit (--max-cost, --max-tasks) with tasks still pending, 130 interrupted.\n\nExamples:\n  nightshift run --backend sim --parallel 2\n  nightshift run --detach && nightshift status',
    )
    .action(async (options: RunCliOptions) => {
      const root = findProjectRoot();
      if (options.detach) {
        await detach(root, process.argv.slice(2));
        return;
      }
      if (hasTty() && options.ui !== false && !options.json && !options.dryRun) {
        process.exitCode = await runWithBoard(root, process.argv.slice(2));
        return;
      }
      process.exitCode = await runForeground(root, options);
    });
}

/** Runs the engine here; SIGINT once stops agents cleanly (exit 130), twice exits at once. */
export async function runForeground(root: string, options: RunCliOptions): Promise<number> {
  const write = (text: string): void => {
    process.stdout.write(text);
  };
  const print = options.json ? jsonPrinter(write) : linePrinter(write, { verbose: options.verbose });
  // The last line names what is blocked (the engine's own last line only counts it).
  const blocked = new Map<string, string>();
  const onEvent = (event: EngineEvent): void => {
    if (event.type === 'task') {
      if (event.task.status === 'blocked') blocked.set(event.task.id, event.task.blockReason ?? 'blocked');
      else blocked.delete(event.task.id);
    }
    print(event);
  };
  let stop: ((reason: 'interrupted') => void) | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1 || !stop) {
      process.stderr.write(`nightshift: ${signal} again: exiting now\n`);
      process.exit(130);
    }
    process.stderr.write(`nightshift: ${signal}: stopping agents (press ctrl-c again to exit at once)\n`);
    stop('interrupted');
  };
  const handled: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of handled) process.on(signal, onSignal);
  try {
    const code = await runEngine(root, options, {
      onEvent,
      onOutput: write,
      onNotice: (message) => process.stderr.write(`nightshift: ${message}\n`),
      onStarted: (control) => {
        stop = control.stop;
      },
    });
    if (!options.json && blocked.size > 0) write(`${blockedLine(blocked)}\n`);
    return code;
  } finally {
    for (const signal of handled) process.off(signal, onSignal);
  }
}

/** "blocked: a (reason), b (reason) · retry with `nightshift task retry a b`" */
export function blockedLine(blocked: ReadonlyMap<string, string>): string {
  const ids = [...blocked.keys()];
  const named = [...blocked].map(([id, reason]) => `${id} (${reason})`).join(', ');
  return `blocked: ${named} · retry with \`nightshift task retry ${ids.join(' ')}\`, see why with \`nightshift logs ${ids[0] ?? ''}\``;
}

/** `run --detach`: starts the daemon and says how to watch it. */
async function detach(root: string, argv: readonly string[]): Promise<void> {
  const { pid, logFile } = await startDaemon(root, argv);
  process.stdout.write(`engine started in the background (pid ${pid}); log: ${logFile}\n`);
  process.stdout.write(
    'watch it with `nightshift status` or `nightshift attach`; stop it with `nightshift stop`\n',
  );
}

/**
 * `run` on a TTY (DESIGN.md §3): the engine runs as a daemon so that closing the terminal never stops
 * it, and the board attaches to it. Resolves the run's exit code if it ended while watched, else 0.
 */
async function runWithBoard(root: string, argv: readonly string[]): Promise<number> {
  // A first frame at once: loading the board and starting the engine take seconds when loaded.
  const starting = showStartingFrame(
    `nightshift · ${path.basename(root)}`,
    'starting the engine and loading the board …',
  );
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    await loadBoard(); // a board that cannot load must fail before a daemon starts
    daemon = await startDaemon(root, argv);
  } catch (error) {
    starting.release();
    throw error;
  }
  try {
    const client = await connectLocal(root, false, ENGINE_START_MS, starting);
    starting.handOver();
    return await boardSession(client, { comeBack: comeBackCommand(root) });
  } catch (error) {
    starting.release();
    // A run with nothing to do can end before the board connects: show how it ended instead.
    await waitFor(() => daemon.exitCode() !== null, { timeoutMs: 3_000, what: 'the engine to end' }).catch(
      () => undefined,
    );
    const code = daemon.exitCode();
    if (code === null) throw error;
    process.stdout.write(`${readFileSync(daemon.logFile, 'utf8').trim().split('\n').slice(-3).join('\n')}\n`);
    return code;
  }
}

/** A daemon engine just started: its pid, its log, and its exit code once known (null while it runs). */
export interface Daemon {
  readonly pid: number | undefined;
  readonly logFile: string;
  readonly exitCode: () => number | null;
}

/** Starts `run --no-ui ARGS` as a detached daemon logging to .nightshift/engine.log; waits until it serves. */
export async function startDaemon(root: string, argv: readonly string[]): Promise<Daemon> {
  const paths = projectPaths(root);
  const existing = await readLock(paths);
  if (existing?.alive && existing.info.kind === 'engine') {
    throw new UserError(`an engine is already running for ${root} (pid ${existing.info.pid})`, {
      hint: 'watch it with `nightshift attach` or `nightshift status`',
    });
  }
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const logFile = `${paths.dir}/engine.log`;
  const out = openSync(logFile, 'a', 0o600);
  const args = argv.filter((arg) => arg !== '--detach' && arg !== 'run');
  const [node, script] = nightshiftCommand();
  // The long-lived engine's RSS under heavy agent output (DESIGN §9, npm run bench -- output): a
  // small young generation (V8 grows new space up to 16 MB × 3 when allocation is fast; scavenges
  // stay cheap at 4 MB), and an old generation allowed to grow by 20 % between full collections,
  // not up to 4×. Engine end/peak RSS: 106/145 MB after 256 MB of output with V8's defaults,
  // 100/106 MB after 1 GB with these. V8's memory-saving mode (--optimize-for-size) went lower
  // (88/94 after 256 MB) but cost the engine ~20 % of its output throughput and 7 points of CPU
  // at 32 agents.
  const child = spawn(
    node ?? process.execPath,
    ['--heap-growing-percent=20', '--max-semi-space-size=4', script ?? '', 'run', '--no-ui', ...args],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', out, out],
      env: process.env,
    },
  );
  const pid = child.pid;
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? 1;
  });
  child.unref();
  await waitFor(async () => exited !== null || (await readLock(paths))?.info.pid === pid, {
    timeoutMs: 15_000,
    what: 'the engine to start',
  });
  if (exited !== null) {
    const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
    throw new UserError(`the engine exited at start (code ${String(exited)}):\n${tail}`, {
      hint: `full log: ${logFile}`,
    });
  }
  return { pid, logFile, exitCode: () => exited };
}
