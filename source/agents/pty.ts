/**
 * node-pty behind one small interface (STYLE.md convention 4), and the only file that loads it.
 * The package is `@lydell/node-pty`: node-pty's API with prebuilt binaries for linux, darwin and
 * win32 (x64, arm64) as optional packages, so installing nightshift needs no compiler (upstream
 * node-pty 1.1.0 has no Linux prebuild and builds with python3, make and g++). It is a native addon,
 * so it is loaded lazily: commands that never start an agent (status, task list) work even when it
 * is broken, and the one that needs it fails with an error that says what to do. Tests may pass a
 * scripted `SpawnPty` instead; integration tests use the real one. `probePty` is the doctor's check.
 */
import type * as NodePtyModule from '@lydell/node-pty';
import type { IPty } from '@lydell/node-pty';
import { UserError, errorMessage } from '../errors.js';

/** The npm package that provides the pty (named in errors and by the doctor). */
export const PTY_PACKAGE = '@lydell/node-pty';

/** A process running in a pseudo-terminal. */
export interface PtyProcess {
  /** The child's pid; node-pty makes it a session and process-group leader (setsid in the child). */
  readonly pid: number;
  /** Terminal output, decoded as UTF-8. Returns an unsubscribe function. */
  readonly onData: (listener: (data: string) => void) => () => void;
  /** Fires once when the leader has exited and been reaped. Returns an unsubscribe function. */
  readonly onExit: (listener: (exit: PtyExit) => void) => () => void;
  /** Types into the terminal (what a user attached to the agent sends). */
  readonly write: (data: string) => void;
  readonly resize: (cols: number, rows: number) => void;
  /** Signals the leader only (default SIGHUP); use process-tree's killTree to end the whole agent. */
  readonly kill: (signal?: string) => void;
}

/** How a pty's leader ended: `signal` is the signal number, 0 when it exited normally. */
export interface PtyExit {
  readonly exitCode: number;
  readonly signal: number;
}

/** Where and how to start a pty process. `env` is the complete environment of the child. */
export interface PtySpawnOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cols: number;
  readonly rows: number;
}

/** Starts `file args` in a new pty. */
export type SpawnPty = (
  file: string,
  args: readonly string[],
  options: PtySpawnOptions,
) => Promise<PtyProcess>;

type NodePty = typeof NodePtyModule;

let loading: Promise<NodePty> | undefined;

/** Loads node-pty once; a failure is remembered so every caller gets the same clear error. */
function loadNodePty(): Promise<NodePty> {
  loading ??= import('@lydell/node-pty').then(
    // node-pty is CommonJS: under ESM its exports arrive on `default` (named ones are a lexer guess).
    (module) => (module as NodePty & { default?: NodePty }).default ?? module,
    (error: unknown) => {
      throw new UserError(`${PTY_PACKAGE} failed to load: ${firstLineOf(errorMessage(error))}`, {
        hint: `Reinstall nightshift (npm ci in its folder) so npm fetches the prebuilt binary for ${process.platform}-${process.arch} (${PTY_PACKAGE}-${process.platform}-${process.arch}); run nightshift doctor.`,
        cause: error,
      });
    },
  );
  return loading;
}

/** The real pty, backed by node-pty. */
export const spawnPty: SpawnPty = async (file, args, options) => {
  const nodePty = await loadNodePty();
  let child: IPty;
  try {
    child = nodePty.spawn(file, [...args], {
      name: 'xterm-256color',
      cwd: options.cwd,
      env: { ...options.env },
      cols: options.cols,
      rows: options.rows,
      encoding: 'utf8',
    });
  } catch (error) {
    throw new UserError(`Could not start ${file} in a pseudo-terminal: ${errorMessage(error)}`, {
      hint: 'Check that the command exists and the working directory is readable; run nightshift doctor.',
      cause: error,
    });
  }
  return wrap(child);
};

function wrap(child: IPty): PtyProcess {
  return {
    pid: child.pid,
    onData: (listener) => {
      const disposable = child.onData(listener);
      return () => disposable.dispose();
    },
    onExit: (listener) => {
      const disposable = child.onExit((exit) =>
        listener({ exitCode: exit.exitCode, signal: exit.signal ?? 0 }),
      );
      return () => disposable.dispose();
    },
    write: (data) => child.write(data),
    resize: (cols, rows) => {
      // Resizing a pty whose leader is gone throws (ioctl on a closed fd); a late resize is harmless.
      try {
        child.resize(cols, rows);
      } catch {
        /* the agent has exited */
      }
    },
    kill: (signal) => {
      try {
        child.kill(signal);
      } catch {
        /* already gone */
      }
    },
  };
}

/** The outcome of {@link probePty}: `problem` says what went wrong, `fix` what to do. */
export type PtyProbe =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly problem: string; readonly fix: string };

/** How long to keep reading after the shell exits: node-pty can deliver the last bytes late (microsoft/node-pty#72). */
const DRAIN_MS = 200;

/**
 * Proves the pty works: loads it and runs `/bin/sh -c 'echo ok'` in it, expecting to read `ok`
 * within `timeoutMs` (a deadline on the wait, for a hung spawn).
 */
export async function probePty(cwd: string, timeoutMs: number): Promise<PtyProbe> {
  try {
    await loadNodePty();
  } catch (error) {
    return {
      ok: false,
      problem: `cannot load ${PTY_PACKAGE}: ${firstLineOf(errorMessage(error))}`,
      fix: `reinstall nightshift (\`npm ci\` in its folder): npm fetches the prebuilt ${PTY_PACKAGE}-${process.platform}-${process.arch}; no compiler is needed`,
    };
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  let child: PtyProcess;
  try {
    child = await spawnPty('/bin/sh', ['-c', 'echo ok'], { cwd, env, cols: 80, rows: 24 });
  } catch (error) {
    return {
      ok: false,
      problem: `cannot spawn in a pty: ${firstLineOf(errorMessage(error))}`,
      fix: 'check that /bin/sh works and that ptys are available (/dev/ptmx, mounted devpts)',
    };
  }
  const output = await readUntilOk(child, timeoutMs);
  if (output.ok) return { ok: true, detail: 'spawned /bin/sh in a pty and read "ok"' };
  return {
    ok: false,
    problem: output.timedOut
      ? `spawned /bin/sh but read no "ok" within ${Math.round(timeoutMs / 1000)} s`
      : `spawned /bin/sh but read ${JSON.stringify(output.text.slice(0, 60))} instead of "ok"`,
    fix: 'check that /bin/sh works and that ptys are available (/dev/ptmx, mounted devpts)',
  };
}

function readUntilOk(
  child: PtyProcess,
  timeoutMs: number,
): Promise<{ ok: boolean; timedOut: boolean; text: string }> {
  return new Promise((resolve) => {
    let text = '';
    let settled = false;
    const finish = (timedOut: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (timedOut) child.kill();
      resolve({ ok: /\bok\b/.test(text), timedOut, text });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    child.onData((data) => {
      text += data;
      if (/\bok\b/.test(text)) finish(false);
    });
    child.onExit(() => setTimeout(() => finish(false), DRAIN_MS));
  });
}

function firstLineOf(text: string): string {
  return text.split('\n')[0] ?? text;
}
