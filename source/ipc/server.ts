/**
 * The engine's listener (DESIGN.md §3): a Unix socket, mode 0600, one NDJSON connection per client.
 * No TCP, ever. The per-connection protocol lives in server-connection.ts.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { UserError, errorMessage } from '../errors.js';
import type { EngineHost } from '../protocol/types.js';
import { EngineConnection, EventHub, stderrLog, type ConnectionOptions } from './server-connection.js';
import { prepareSocketDir } from './socket-path.js';

export { MAX_QUEUED_BYTES, READ_ONLY_COMMANDS, type IpcLog } from './server-connection.js';

/** Settings of `serveEngine`. */
export interface ServeOptions extends ConnectionOptions {
  readonly socketPath: string;
}

/** A listening engine socket. */
export interface EngineServer {
  /** The path clients connect to (record it in the lock file). */
  readonly socketPath: string;
  /** Number of clients past the hello handshake. */
  readonly clientCount: () => number;
  /** Stops listening, drops every client and removes the socket file. */
  readonly close: () => Promise<void>;
}

/** How long a probe of an existing socket waits for an answer before calling it stale. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * Serves `host` on a Unix socket at `socketPath`.
 *
 * Mode 0600 without a race: the socket is bound inside a fresh 0700 directory (mkdtemp) next to its
 * final place, chmod-ed to 0600 there, and only then renamed into place. Nobody else can reach it
 * before it has its final mode, and the process-wide umask is never touched (changing it would race
 * with files the engine creates on libuv's thread pool at the same moment).
 *
 * An existing file at the path is removed only when it is a socket nobody answers on (the engine lock
 * of store/lock.ts keeps two engines of one project from starting at once, so probe-then-replace
 * does not race with a live engine).
 */
export async function serveEngine(host: EngineHost, options: ServeOptions): Promise<EngineServer> {
  const socketPath = path.resolve(options.socketPath);
  const log = options.log ?? stderrLog;
  prepareSocketDir(socketPath);
  await removeStaleSocket(socketPath, log);

  const hub = new EventHub(host);
  const connections = new Set<EngineConnection>();
  let counter = 0;
  const server = net.createServer((socket) => {
    counter += 1;
    const connection = new EngineConnection(host, hub, socket, socket, `client #${counter}`, {
      ...options,
      log,
    });
    connections.add(connection);
    connection.onClose(() => connections.delete(connection));
  });

  const privateDir = fs.mkdtempSync(path.join(path.dirname(socketPath), '.s'));
  // A short name keeps the temporary path no longer than the final one, so it fits sun_path too.
  const bindPath = path.join(privateDir, 's');
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(bindPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    fs.chmodSync(bindPath, 0o600);
    fs.renameSync(bindPath, socketPath);
  } catch (error) {
    server.close();
    throw new UserError(`cannot listen on ${socketPath}: ${errorMessage(error)}`, { cause: error });
  } finally {
    fs.rmSync(privateDir, { recursive: true, force: true });
  }
  // Remembered so that close() removes our socket and never a successor's.
  const inode = fs.statSync(socketPath).ino;
  server.on('error', (error) => log(`socket server error: ${errorMessage(error)}`));

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    clientCount: () => [...connections].filter((connection) => connection.isAttached()).length,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const connection of [...connections]) connection.destroy();
        hub.stop();
        try {
          if (fs.statSync(socketPath).ino === inode) fs.unlinkSync(socketPath);
        } catch {
          // Already gone: nothing to clean up.
        }
      });
      return closing;
    },
  };
}

async function removeStaleSocket(socketPath: string, log: (message: string) => void): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socketPath);
  } catch {
    return;
  }
  if (!stat.isSocket()) {
    throw new UserError(`${socketPath} exists and is not a socket`, {
      hint: 'Move that file away; nightshift only replaces a stale socket of its own.',
    });
  }
  const probe = await answers(socketPath);
  if (probe instanceof Error) {
    throw new UserError(`cannot tell whether an engine listens on ${socketPath}: ${probe.message}`, {
      cause: probe,
    });
  }
  if (probe) {
    throw new UserError(`an engine is already listening on ${socketPath}`, {
      hint: 'Attach to it with `nightshift attach`, or stop it with `nightshift stop`.',
    });
  }
  log(`removing stale socket ${socketPath} (nothing answers on it)`);
  fs.rmSync(socketPath, { force: true });
}

/** True when something accepts a connection on the socket, false when it is stale, else the error. */
function answers(socketPath: string): Promise<boolean | Error> {
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath);
    const done = (result: boolean | Error): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    // A hung listener that never accepts counts as alive: better refuse than steal its path.
    const timer = setTimeout(() => done(true), PROBE_TIMEOUT_MS);
    socket.once('connect', () => done(true));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      done(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? false : error);
    });
  });
}
