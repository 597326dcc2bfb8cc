/**
 * `nightshift attach`: the board on a running engine — on this machine through its socket, on
 * another through the system's ssh (`--ssh`), whose far end is `attach --stdio` (DESIGN.md §3).
 * Without a TTY it prints the run's state and follows its event lines instead.
 * `run` and `demo` on a TTY end here too, after starting the engine as a daemon.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { UserError, errorMessage } from '../errors.js';
import { connectEngine } from '../ipc/client.js';
import { encodeMessage } from '../ipc/ndjson.js';
import type { ServerMessage } from '../ipc/messages.js';
import type { EngineClient, EngineEvent, EngineSnapshot } from '../protocol/types.js';
import { engineSocketPath } from '../ipc/socket-path.js';
import { connectSsh, parseSshTarget } from '../ipc/ssh.js';
import { bridgeStdio } from '../ipc/stdio-bridge.js';
import { runningEngineSocket } from '../ipc/engine-connection.js';
import { boardClient } from './board-client.js';
import { linePrinter } from './event-lines.js';
import { collect, printLine } from './output.js';
import { findProjectRoot } from './project.js';
import { statusCounts } from './task-format.js';
import { showStartingFrame, type StartingFrame } from './starting-frame.js';
import type { BoardExit, runBoard as RunBoardFunction } from '../ui/run-board.js';

/** How a board session ended. */
export type BoardOutcome = BoardExit;

/** The board's entry point (ui/run-board.tsx), loaded on demand. */
export type RunBoard = typeof RunBoardFunction;

/** Where a session's engine is, for the "how to come back" line. */
export interface SessionTarget {
  /** The command that opens the board again, e.g. `nightshift attach`. */
  readonly comeBack: string;
  readonly readonly?: boolean;
  /** Shown first in the board's header (e.g. "nightshift demo"). */
  readonly title?: string;
}

/**
 * True when both ends of the terminal are a TTY that can draw a board. TERM=dumb (Emacs shell,
 * some CI consoles) cannot move the cursor: it gets the line view instead.
 */
export function hasTty(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.stdout.isTTY && process.stdin.isTTY && env['TERM'] !== 'dumb';
}

/**
 * Loads the board lazily: Ink and React stay out of every non-board command's start-up, and the
 * plain paths (`--no-ui`, pipes) work even where the UI cannot load.
 */
export function loadBoard(): Promise<RunBoard> {
  boardModule ??= importBoard();
  return boardModule;
}

let boardModule: Promise<RunBoard> | undefined;

async function importBoard(): Promise<RunBoard> {
  try {
    return (await import('../ui/run-board.js')).runBoard;
  } catch (error) {
    throw new UserError(`the board cannot be loaded: ${errorMessage(error)}`, {
      hint: 'use `--no-ui` for line output, or rebuild with `npm run build`',
      cause: error,
    });
  }
}

/**
 * Shows the board on `client` until the user leaves, stops the run, or the engine ends; prints
 * one line saying what happens next and resolves the exit code: the run's own code when the engine
 * ended while watched, 1 when the connection was lost, else 0. Closes the client.
 */
export async function boardSession(client: EngineClient, target: SessionTarget): Promise<number> {
  const runBoard = await loadBoard();
  let ended: Extract<EngineEvent, { type: 'ended' }> | undefined;
  let lostBecause = '';
  const offEvent = client.onEvent((event) => {
    if (event.type === 'ended') ended = event;
  });
  const offConnection = client.onConnection((status, detail) => {
    if (status === 'closed') lostBecause = detail;
  });
  let outcome: BoardOutcome;
  try {
    outcome = await runBoard(boardClient(client), { readonly: target.readonly, title: target.title });
  } finally {
    offEvent();
    offConnection();
  }
  const snapshot = client.current();
  client.close();
  // A run that ended while watched is reported as ended, however the board was closed after it.
  if (ended && outcome !== 'stop-requested') outcome = 'engine-ended';
  switch (outcome) {
    case 'left':
      printLine(`left the board; the run goes on in the background. Come back with \`${target.comeBack}\`.`);
      return 0;
    case 'stop-requested':
      printLine('stopping the run: agents are winding down (`nightshift status` shows when it has ended).');
      return 0;
    case 'engine-ended':
      printLine(endedLine(snapshot, ended?.outcome));
      return ended?.exitCode ?? 0;
    case 'connection-closed':
      process.stderr.write(
        `nightshift: lost the connection to the engine${lostBecause ? `: ${lostBecause}` : ''}\n`,
      );
      process.stderr.write(`  if the run goes on, \`${target.comeBack}\` opens the board again\n`);
      return 1;
    default: {
      const never: never = outcome;
      throw new Error(`unexpected board outcome ${String(never)}`);
    }
  }
}

/** "run done: 7/7 tasks done, 0 blocked" from what the client last saw. */
function endedLine(snapshot: EngineSnapshot | null, outcome: string | undefined): string {
  const tasks = snapshot?.tasks ?? [];
  const done = tasks.filter((task) => task.status === 'done').length;
  const blocked = tasks.filter((task) => task.status === 'blocked').length;
  return `run ${outcome ?? snapshot?.run?.outcome ?? 'ended'}: ${done}/${tasks.length} tasks done, ${blocked} blocked`;
}

/**
 * The plain view without a TTY: the run's state now, then its event lines as they happen, until
 * the engine ends (resolves the run's exit code) or the connection is lost for good (1).
 */
export function followLines(
  client: EngineClient,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const snapshot = client.current();
  if (snapshot) printSummary(snapshot, write);
  const print = linePrinter(write);
  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      offEvent();
      offConnection();
      client.close();
      resolve(code);
    };
    const offEvent = client.onEvent((event) => {
      print(event);
      if (event.type === 'ended') finish(event.exitCode);
    });
    const offConnection = client.onConnection((status, detail) => {
      if (status === 'lost') write(`(lost the connection to the engine: ${detail}; retrying)\n`);
      else if (status === 'restored') write('(reconnected to the engine)\n');
      else {
        write(`(the connection to the engine ended: ${detail})\n`);
        finish(1);
      }
    });
    if (snapshot?.run?.endedAt) finish(0);
  });
}

function printSummary(snapshot: EngineSnapshot, write: (text: string) => void): void {
  const run = snapshot.run;
  const mode = !run
    ? 'idle'
    : run.endedAt
      ? `ended (${run.outcome ?? '?'})`
      : run.stopping
        ? 'stopping'
        : run.paused
          ? 'paused'
          : 'running';
  write(`project ${snapshot.project}  (${snapshot.root})\n`);
  write(
    `engine pid ${snapshot.pid}: ${mode}${run ? `, run ${run.id}, backend ${run.backend}, parallel ${run.parallel}` : ''}\n`,
  );
  const tasks = snapshot.tasks;
  write(`tasks: ${tasks.length === 0 ? 'none' : `${tasks.length} (${statusCounts(tasks)})`}\n`);
  for (const task of tasks) write(`  ${task.id}  ${task.status}  ${task.title}\n`);
  for (const agent of snapshot.agents) {
    const label = agent.simulated ? ' (simulated)' : '';
    write(
      `  agent ${agent.name}${label}  ${agent.taskId}#${agent.attempt}  ${agent.state}  ${agent.action}\n`,
    );
  }
  const print = linePrinter(write);
  for (const line of snapshot.recent.slice(-10)) print({ type: 'line', line });
}

/** What a starting frame says (one line each) while {@link connectLocal} reaches the engine at `socketPath`. */
export function connectingText(stage: 'connecting' | 'connected', socketPath: string): string {
  return stage === 'connecting'
    ? `connecting to the engine at ${socketPath} …`
    : `connected to the engine at ${socketPath}\nwaiting for the snapshot …`;
}

/**
 * A client of the local engine of `root` that reconnects when the engine restarts. `startingMs`:
 * an engine that was just started holds its lock a moment before its socket listens, so keep
 * trying that long while the lock says it is alive. `frame`, when given, says how far it got.
 */
export async function connectLocal(
  root: string,
  readonly: boolean,
  startingMs = 0,
  frame?: StartingFrame,
): Promise<EngineClient> {
  const deadline = Date.now() + startingMs;
  for (;;) {
    const socketPath = await runningEngineSocket(root);
    if (!socketPath) {
      throw new UserError(`no engine is running for ${root}`, {
        hint: 'start one with `nightshift run` (or `nightshift run --detach`); `nightshift ls` lists running engines',
      });
    }
    frame?.update(connectingText('connecting', socketPath));
    try {
      return await connectEngine({
        socketPath,
        root,
        reconnect: true,
        readonly,
        onConnected: () => frame?.update(connectingText('connected', socketPath)),
      });
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(50);
    }
  }
}

/** How long `run` and `demo` wait for the socket of the engine they just started. */
export const ENGINE_START_MS = 10_000;

/** The board on a TTY, the plain view otherwise; resolves the exit code. */
export function watch(
  client: EngineClient,
  target: SessionTarget,
  options: { ui?: boolean } = {},
): Promise<number> {
  return options.ui !== false && hasTty() ? boardSession(client, target) : followLines(client);
}

interface AttachOptions {
  readonly ssh?: string;
  readonly sshArg?: string[];
  readonly readonly?: boolean;
  readonly stdio?: string;
  readonly ui?: boolean;
}

/** Registers `attach`. */
export function registerAttach(program: Command): void {
  program
    .command('attach')
    .description('open the board of a running engine (here, or on another machine with --ssh)')
    .option(
      '--ssh <host:path>',
      'a run on another machine, through ssh: HOST:PATH, USER@HOST:PATH or ssh://USER@HOST:PORT/PATH',
    )
    .option(
      '--ssh-arg <arg>',
      'an extra argument for ssh, e.g. --ssh-arg=-p --ssh-arg=2222 (repeatable; also env NIGHTSHIFT_SSH_ARGS)',
      collect,
    )
    .option('--readonly', 'watch only: every command but attaching to a terminal is refused')
    .option('--no-ui', 'no board: print the state and follow event lines (the default without a TTY)')
    .option(
      '--stdio <path>',
      'internal: bridge stdin/stdout to the engine of the project at PATH (what --ssh runs remotely)',
    )
    .addHelpText(
      'after',
      '\nKeys on the board: ? help · q leave (the run goes on) · Q stop the run.\n' +
        'Remotely, nightshift must be on the PATH of the ssh login, or set NIGHTSHIFT_REMOTE_COMMAND\n' +
        '(e.g. "node /opt/nightshift/dist/cli/index.js").\n\n' +
        'Examples:\n  nightshift attach\n  nightshift attach --readonly\n  nightshift attach --ssh me@box:~/my-repo',
    )
    .action(async (options: AttachOptions) => {
      if (options.stdio !== undefined) {
        process.exit(await serveStdio(options.stdio));
      }
      const readonly = options.readonly === true;
      if (options.ssh !== undefined) {
        const sshArgs = [...splitArgs(process.env['NIGHTSHIFT_SSH_ARGS']), ...(options.sshArg ?? [])];
        const destination = parseSshTarget(options.ssh).destination;
        // An ssh handshake takes a while: say so at once rather than leave the terminal blank.
        const starting =
          options.ui !== false && hasTty()
            ? showStartingFrame(`nightshift @ ${destination}`, `connecting over ssh to ${options.ssh} …`)
            : undefined;
        let client: EngineClient;
        try {
          await loadBoard();
          client = await connectSsh({ target: options.ssh, sshArgs, readonly, reconnect: true });
        } catch (error) {
          starting?.release();
          throw error;
        }
        starting?.handOver();
        const comeBack = `nightshift attach --ssh ${options.ssh}`;
        process.exitCode = await watch(
          client,
          { comeBack, readonly, title: `nightshift @ ${destination}` },
          options,
        );
        return;
      }
      const root = findProjectRoot();
      // A first frame at once, saying what it waits for: a busy engine can take seconds to answer.
      const starting =
        options.ui !== false && hasTty()
          ? showStartingFrame(`nightshift · ${path.basename(root)}`, `looking for the engine of ${root} …`)
          : undefined;
      let client: EngineClient;
      try {
        // The board loads while the engine is reached (Ink's import takes a while too).
        [client] = await Promise.all([
          connectLocal(root, readonly, 0, starting),
          starting ? loadBoard() : undefined,
        ]);
      } catch (error) {
        starting?.release();
        throw error;
      }
      starting?.handOver();
      process.exitCode = await watch(client, { comeBack: comeBackCommand(root), readonly }, options);
    });
}

/** `nightshift attach`, with `cd ROOT &&` when the user is elsewhere. */
export function comeBackCommand(root: string): string {
  const here = path.resolve(process.cwd());
  const inside = here === root || here.startsWith(`${root}${path.sep}`);
  return inside ? 'nightshift attach' : `cd ${root} && nightshift attach`;
}

/** `attach --stdio PATH`: resolves the exit code of the bridge (1 with a protocol error when nothing runs). */
async function serveStdio(projectPath: string): Promise<number> {
  let root: string;
  try {
    root = findProjectRoot(projectPath);
  } catch (error) {
    // The client at the other end of ssh reads protocol messages: say it in one it shows.
    const message: ServerMessage = {
      type: 'error',
      message: `${errorMessage(error)} (on the remote machine)`,
    };
    await new Promise<void>((resolve) => process.stdout.write(encodeMessage(message), () => resolve()));
    return 1;
  }
  const socketPath = (await runningEngineSocket(root)) ?? engineSocketPath(root);
  return bridgeStdio({ socketPath, root, stdin: process.stdin, stdout: process.stdout });
}

/** Splits NIGHTSHIFT_SSH_ARGS on whitespace (paths with spaces go through --ssh-arg instead). */
function splitArgs(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter((word) => word.length > 0);
}
