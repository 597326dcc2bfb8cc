/**
 * node-pty behind one small interface (STYLE.md convention 4). node-pty is a native addon, so it is
 * loaded lazily: commands that never start an agent (status, task list) work even when it is broken,
 * and the one that needs it fails with an error that says what to do. Tests may pass a scripted
 * `SpawnPty` instead; integration tests use the real one.
 */
import type * as NodePtyModule from 'node-pty';
import type { IPty } from 'node-pty';
import { UserError, errorMessage } from '../errors.js';

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
export function loadNodePty(): Promise<NodePty> {
  loading ??= import('node-pty').then(
    // node-pty is CommonJS: under ESM its exports arrive on `default` (named ones are a lexer guess).
    (module) => (module as NodePty & { default?: NodePty }).default ?? module,
    (error: unknown) => {
      throw new UserError(`node-pty failed to load: ${errorMessage(error)}; run nightshift doctor`, {
        hint: 'Reinstall nightshift (npm install rebuilds the native addon) and check that a C++ toolchain or prebuild is available.',
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
