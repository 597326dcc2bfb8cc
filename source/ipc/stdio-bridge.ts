/**
 * `nightshift attach --stdio PATH`, the far end of `attach --ssh`: a byte pipe between the ssh
 * channel (stdin/stdout) and the local engine socket. The pipe is deliberately dumb: the client's
 * own hello reaches the engine, so version checks and read-only mode work exactly as locally, and
 * nothing here has to follow protocol changes.
 */
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { errorMessage } from '../errors.js';
import { encodeMessage } from './ndjson.js';
import type { ServerMessage } from './messages.js';

/** Settings of `bridgeStdio`. */
export interface BridgeOptions {
  readonly socketPath: string;
  /** The project root, named in the "no engine" message (default: the socket path). */
  readonly root?: string;
  readonly stdin: Readable;
  readonly stdout: Writable;
}

/**
 * Pipes `stdin` to the engine socket and the socket to `stdout` until either side ends. Resolves the
 * process exit code: 0 after a normal end, 1 when no engine answers (a protocol `error` message
 * naming the path is written first, so the client shows it instead of a bare disconnect).
 * `stdin` may stay open afterwards (process.stdin does), so the caller exits with the code.
 */
export function bridgeStdio(options: BridgeOptions): Promise<number> {
  const { socketPath, stdin, stdout } = options;
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath);
    let settled = false;
    const finish = (code: number): void => {
      if (settled) return;
      settled = true;
      stdin.unpipe(socket);
      socket.destroy();
      // Wait for stdout to take the last bytes: the caller exits the process right after.
      stdout.write('', () => resolve(code));
    };

    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (socket.connecting || socket.bytesRead + socket.bytesWritten === 0) {
        const text =
          error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
            ? `no engine is running for ${options.root ?? socketPath} (start one with nightshift run)`
            : `cannot connect to the engine at ${socketPath}: ${errorMessage(error)}`;
        const message: ServerMessage = { type: 'error', message: text };
        stdout.write(encodeMessage(message));
        finish(1);
        return;
      }
      finish(0);
    });
    socket.once('connect', () => {
      // `end: false` towards stdout: the caller owns process.stdout; we only stop writing to it.
      socket.pipe(stdout, { end: false });
      stdin.pipe(socket);
      stdin.once('end', () => socket.end());
      stdin.once('close', () => socket.end());
      socket.once('close', () => finish(0));
    });
  });
}
