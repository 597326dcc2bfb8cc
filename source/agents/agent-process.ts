/**
 * Runs one agent CLI in a pseudo-terminal (DESIGN.md §4): its bytes go to the attempt's `.log` and
 * a headless screen; its machine output becomes events; timeouts and stop end the whole tree.
 *
 * The record: node-pty can drop the last output of a fast-exiting process (microsoft/node-pty#72),
 * so events are NOT parsed from pty bytes. The CLI runs under a small sh wrapper inside the pty:
 *   { "$@"; echo $? > "$NIGHTSHIFT_EXIT_FILE"; } | record-tee "$NIGHTSHIFT_RECORD_FILE"
 * record-tee (security/record-tee.ts, a `tee -a` that masks secrets in the file) copies the CLI's stdout into the `.jsonl` file and on to the pty (so the screen still shows
 * it); the subshell writes the CLI's own exit status (plain sh has no PIPESTATUS). stdin and stderr
 * stay on the pty, so codex/opencode see a TTY and do not wait for stdin, and a user can type in.
 * The wrapper shell (the pty's leader) exits only after tee has, so once the pty reports its exit,
 * one last read of the `.jsonl` file is complete.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AgentState } from '../protocol/types.js';
import type { AgentCommand, AgentEvent, Backend } from './backend.js';
import { PROCESS_TAG_VAR, killTree } from './process-tree.js';
import { spawnPty, type PtyExit, type SpawnPty } from './pty.js';
import { RecordTail } from './record-tail.js';
import { CappedLog, DEFAULT_MAX_LOG_BYTES } from './capped-log.js';
import { createTerminalLog } from './terminal-log.js';
import { maskPieces } from '../security/secrets.js';
import { createToolTracker } from './common.js';
import { createScreen } from '../terminal/screen.js';
import { classifyOutage, outageGraceMs, type Outage } from './outage.js';
import { createEventTally } from './event-tally.js';
import { PRIVATE_FILE_MODE, mkdirPrivate, recordTeeCommand } from '../security/private-files.js';
import type { Sandbox, SandboxScope } from '../sandbox/bwrap.js';

/** Longest partial terminal line kept for `OutputParser.terminal` (a line without newline). */
const MAX_TERMINAL_LINE = 64 * 1024;

const RECORD_TEE = recordTeeCommand();
const WRAPPER = `{ "$@"; echo $? > "$NIGHTSHIFT_EXIT_FILE"; } | ${RECORD_TEE.shell}`;

/** How to run one agent. */
export interface StartAgentOptions {
  readonly command: AgentCommand;
  /** The backend's parser and classifier. */
  readonly backend: Pick<Backend, 'createParser' | 'classify'>;
  /** The attempt's raw terminal log (appended). */
  readonly logPath: string;
  /** Cap of the log in bytes, rotated at half of it (see CappedLog); 0 = none. Default 50 MB. */
  readonly maxLogBytes?: number;
  /** The attempt's structured record: the CLI's stdout, appended by tee; events are parsed from it. */
  readonly jsonlPath: string;
  /** Where the wrapper writes the CLI's exit status. Default: `jsonlPath` with `.exit` for `.jsonl`. */
  readonly exitPath?: string;
  readonly cols?: number;
  readonly rows?: number;
  /** Wall-clock limit; 0 or absent = none. */
  readonly timeoutMs?: number;
  /** Stop after this long without any output; 0 or absent = none. */
  readonly idleTimeoutMs?: number;
  /**
   * How long the CLI may report nothing but outage errors (its own retries) before it is ended
   * with reason `outage`. Default `outageGraceMs()` (2 min, NIGHTSHIFT_OUTAGE_GRACE_MS).
   */
  readonly outageGraceMs?: number;
  /** SIGTERM → SIGKILL grace when stopping. Default 3000 ms. */
  readonly graceMs?: number;
  /** How often the state classifier runs. Default 250 ms. */
  readonly classifyIntervalMs?: number;
  /** A scripted pty for tests; default node-pty. */
  readonly spawn?: SpawnPty;
  /**
   * The NIGHTSHIFT_PROCESS_TAG value; default a random UUID. The engine passes one derived from the
   * run, task and attempt so that a later engine can find a dead engine's agents (recovery).
   */
  readonly tag?: string;
  /**
   * The kernel sandbox the CLI runs in (DESIGN.md §8), with what it may write. Only the CLI is
   * wrapped: the recording wrapper (tee, the exit file) stays outside, so an agent cannot rewrite
   * its own record.
   */
  readonly sandbox?: { readonly sandbox: Sandbox; readonly scope: SandboxScope };
}

/** Why an agent ended; `outage`: it reported only outage errors for the outage grace (outage.ts). */
export type StopReason = 'exit' | 'timeout' | 'idle' | 'stopped' | 'outage';

/** How an agent ended, with the summary of its events. */
export interface AgentResult {
  /** The CLI's own exit status (from the wrapper); null when it was killed before reporting one. */
  readonly exitCode: number | null;
  /** The signal that ended the pty's leader, if any. */
  readonly signal: number | null;
  readonly reason: StopReason;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** The result event's cost when it reports one (a total), else the sum of usage events' costs. */
  readonly costUsd: number;
  readonly sessionId: string | undefined;
  /** The result event's text, else the last text event's. */
  readonly finalText: string;
  /** Exited by itself with status 0, and no result event said otherwise. */
  readonly ok: boolean;
  readonly eventCount: number;
  readonly durationMs: number;
  /**
   * Set when the agent did not succeed because the model API was out (rate limit, 5xx, login,
   * network; see outage.ts): what the CLI last reported of it. Not a failure of the task.
   */
  readonly outage?: Outage;
  /**
   * The refusal or error the CLI reported last, when nothing but usage followed it and no result
   * event came (opencode ends its session on some refusals): a failed exit's cause, in its words.
   */
  readonly endedOn?: string;
}

/** What a running agent reports. */
export interface AgentProcessEvents {
  readonly event: AgentEvent;
  /** Raw terminal output (for attach and the log pane). */
  readonly data: string;
  /** The classified state, when it changes. */
  readonly state: AgentState;
  readonly exit: AgentResult;
}

/** A running agent. */
export interface AgentProcess {
  /** The pty leader's pid; also its process group and session id. */
  readonly pid: number;
  /** The agent's NIGHTSHIFT_PROCESS_TAG value (for killTree after a restart). */
  readonly tag: string;
  /** Resolves once the agent has ended and none of its processes is alive. */
  readonly result: Promise<AgentResult>;
  readonly on: <K extends keyof AgentProcessEvents>(
    name: K,
    listener: (value: AgentProcessEvents[K]) => void,
  ) => () => void;
  /**
   * Raw terminal output for a client that starts watching now: first bytes that redraw the screen
   * and scrollback so far, then every new byte, in order. Returns an unsubscribe function.
   */
  readonly watch: (listener: (data: string) => void) => () => void;
  /** Types into the agent's terminal (attach). Ignored after exit. */
  readonly write: (data: string) => void;
  readonly resize: (cols: number, rows: number) => void;
  /** The visible screen as text. */
  readonly screen: () => string;
  readonly state: () => AgentState;
  /** Ends the agent (killTree with grace) and resolves with its result. */
  readonly stop: (reason?: StopReason) => Promise<AgentResult>;
}

/** Starts an agent CLI in a pty under the recording wrapper. */
export async function startAgent(options: StartAgentOptions): Promise<AgentProcess> {
  const cols = options.cols ?? 120;
  const rows = options.rows ?? 35;
  const graceMs = options.graceMs ?? 3000;
  const exitPath = options.exitPath ?? options.jsonlPath.replace(/\.jsonl$/, '') + '.exit';
  const tag = options.tag ?? randomUUID();
  const startedAt = Date.now();

  for (const file of [options.logPath, options.jsonlPath, exitPath]) await mkdirPrivate(path.dirname(file));
  // Emptied, not removed: the shell's `>` keeps the file's 0600 (a new file would follow the umask).
  await writeFile(exitPath, '', { mode: PRIVATE_FILE_MODE });
  const tail = await RecordTail.open(options.jsonlPath);
  // Keys never reach the log file (DESIGN.md §8), nor do pieces of a key typed into the terminal.
  const log = createTerminalLog(new CappedLog(options.logPath, options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES));
  // A full disk must not crash the engine over a log (CappedLog stops writing on an error): the
  // record (.jsonl) is what counts.
  // The engine's screen feeds only the state classifier (boards stream the pty themselves), so a
  // short scrollback keeps 8 agents' terminals small.
  const screen = createScreen({ cols, rows, scrollback: 100 });
  const parser = options.backend.createParser();
  const tools = createToolTracker();

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  Object.assign(env, options.command.env, {
    [PROCESS_TAG_VAR]: tag,
    NIGHTSHIFT_RECORD_FILE: options.jsonlPath,
    NIGHTSHIFT_EXIT_FILE: exitPath,
    ...RECORD_TEE.env,
  });
  const wrapped = options.sandbox
    ? options.sandbox.sandbox.wrap(options.command.file, options.command.args, options.sandbox.scope)
    : { file: options.command.file, args: options.command.args, env: {} };
  Object.assign(env, wrapped.env);
  // A backend's own temp dir wins over the sandbox's private /tmp (codex's, see agents/codex.ts).
  const ownTmp = options.command.env['TMPDIR'];
  if (ownTmp) env['TMPDIR'] = ownTmp;
  const pty = await (options.spawn ?? spawnPty)(
    '/bin/sh',
    ['-c', WRAPPER, 'nightshift-agent', wrapped.file, ...wrapped.args],
    { cwd: options.command.cwd, env, cols, rows },
  );

  const listeners = new Map<keyof AgentProcessEvents, Set<(value: never) => void>>();
  const emit = <K extends keyof AgentProcessEvents>(name: K, value: AgentProcessEvents[K]): void => {
    for (const listener of listeners.get(name) ?? [])
      (listener as (value: AgentProcessEvents[K]) => void)(value);
  };

  let state: AgentState = 'starting';
  let lastEvent: AgentEvent | undefined;
  let lastOutputAt = Date.now();
  let exited = false;
  let stopReason: StopReason | undefined;
  let stopping: Promise<unknown> | undefined;
  const tally = createEventTally();
  // Outage errors since the agent last made progress (text, a tool call or result, usage).
  let outage: { readonly since: number; last: Outage } | undefined;
  const outageGrace = options.outageGraceMs ?? outageGraceMs();

  const setState = (next: AgentState): void => {
    if (next === state) return;
    state = next;
    emit('state', next);
  };
  const onEvent = (event: AgentEvent): void => {
    lastEvent = event;
    tools.push(event);
    tally.push(event);
    if (event.type === 'error') {
      const found = classifyOutage(event.message);
      if (found) outage = { since: outage?.since ?? Date.now(), last: found };
    } else if (event.type !== 'init' && event.type !== 'result') outage = undefined;
    emit('event', event);
  };
  const onLines = (lines: readonly string[]): void => {
    if (lines.length > 0) lastOutputAt = Date.now();
    for (const line of lines) for (const event of parser.push(line)) onEvent(event);
  };
  // What a CLI reports only on its terminal (stderr), line by line, for parsers that read it.
  let terminalLine = '';
  const onTerminal = (data: string): void => {
    if (!parser.terminal) return;
    const parts = (terminalLine + data).split('\n');
    terminalLine = (parts.pop() ?? '').slice(-MAX_TERMINAL_LINE);
    for (const part of parts) {
      // eslint-disable-next-line no-control-regex
      const line = part.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\r/g, '');
      for (const event of parser.terminal(line)) onEvent(event);
    }
  };
  const pump = (): void => {
    if (!exited) tail.poke(onLines);
  };

  pty.onData((data) => {
    lastOutputAt = Date.now();
    if (!exited) {
      log.output(data);
      screen.write(data);
      onTerminal(data);
    }
    emit('data', data);
    // tee writes the record file before the pty, so new pty bytes usually mean new record lines.
    pump();
  });

  const stop = (reason: StopReason = 'stopped'): Promise<AgentResult> => {
    if (!exited && stopping === undefined) {
      stopReason = reason;
      stopping = killTree(pty.pid, { graceMs, tag });
    }
    return result;
  };

  // The classifier reads the screen on a timer, never per chunk: a snapshot walks every visible line.
  const ticker = setInterval(() => {
    pump();
    // While a tool runs, its silence is not the agent's: the idle clock starts when it finishes.
    const runningTool = tools.running();
    if (runningTool !== undefined) lastOutputAt = Date.now();
    const idleMs = Date.now() - lastOutputAt;
    if (options.idleTimeoutMs && idleMs >= options.idleTimeoutMs) void stop('idle');
    // A CLI retrying a dead API forever (codex "waiting for network") is ended: it is an outage.
    if (outage !== undefined && Date.now() - outage.since >= outageGrace) void stop('outage');
    setState(
      options.backend.classify({
        screen: screen.snapshot(),
        lastEvent,
        ...(runningTool !== undefined && { runningTool }),
        idleMs,
        exited: false,
      }),
    );
  }, options.classifyIntervalMs ?? 250);
  const wallTimer = options.timeoutMs ? setTimeout(() => void stop('timeout'), options.timeoutMs) : undefined;

  const ptyExit = new Promise<PtyExit>((resolve) => pty.onExit(resolve));
  const result: Promise<AgentResult> = ptyExit.then(async (exit) => {
    exited = true;
    clearInterval(ticker);
    if (wallTimer) clearTimeout(wallTimer);
    onLines(await tail.finish());
    // Whatever the CLI left behind (a dev server, a `setsid` daemon) goes too, then wait for a
    // stop in progress, so that when the result resolves nothing of the agent is alive.
    await Promise.all([killTree(pty.pid, { graceMs, tag }), stopping]);
    await log.end();
    await screen.flush();
    const exitCode = await readExitCode(exitPath);
    const reason = stopReason ?? 'exit';
    setState('exited');
    const resultOk = tally.resultOk();
    const resultText = tally.resultText();
    const endedOn = tally.lastProblem();
    const ok = reason === 'exit' && exitCode === 0 && resultOk !== false;
    // An outage: the CLI's trailing errors said so, or its failed result does (claude's
    // "API Error: 500 …"). A timeout, an idle kill or a person's stop stays what it is.
    const outageFound =
      ok || (reason !== 'exit' && reason !== 'outage')
        ? undefined
        : (outage?.last ?? (resultOk === false && resultText ? classifyOutage(resultText) : undefined));
    const final: AgentResult = {
      exitCode: exitCode ?? (stopReason === undefined && exit.signal === 0 ? exit.exitCode : null),
      signal: exit.signal === 0 ? null : exit.signal,
      reason,
      tokensIn: tally.tokensIn(),
      tokensOut: tally.tokensOut(),
      costUsd: tally.costUsd(),
      sessionId: tally.sessionId(),
      finalText: tally.finalText(),
      ok,
      eventCount: tally.count(),
      durationMs: Date.now() - startedAt,
      ...(outageFound !== undefined && { outage: outageFound }),
      // A result's own text says why it failed better than the events before it.
      ...(!ok && resultText === undefined && endedOn !== undefined && { endedOn }),
    };
    emit('exit', final);
    return final;
  });

  return {
    pid: pty.pid,
    tag,
    result,
    on: (name, listener) => {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const entry = listener as (value: never) => void;
      set.add(entry);
      return () => set.delete(entry);
    },
    watch: (listener) => {
      // Bytes that arrive while the screen catches up wait behind the replay, so none is lost or
      // shown twice.
      let queued: string[] | undefined = [];
      let closed = false;
      const entry = (data: string): void => {
        if (queued) queued.push(data);
        else listener(data);
      };
      let set = listeners.get('data');
      if (!set) listeners.set('data', (set = new Set()));
      set.add(entry);
      screen.replay((bytes) => {
        if (closed) return;
        const waiting = queued ?? [];
        queued = undefined;
        // A board attaching later gets the screen with every piece of a typed key masked.
        listener(maskPieces(bytes, log.known()) + waiting.join(''));
      });
      return () => {
        closed = true;
        set.delete(entry);
      };
    },
    write: (data) => {
      if (exited) return;
      log.input(data);
      pty.write(data);
    },
    resize: (newCols, newRows) => {
      screen.resize(newCols, newRows);
      if (!exited) pty.resize(newCols, newRows);
    },
    screen: () => screen.snapshot(),
    state: () => state,
    stop,
  };
}

async function readExitCode(file: string): Promise<number | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}
