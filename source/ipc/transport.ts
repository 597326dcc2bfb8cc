/**
 * Transports for the client core: any readable/writable pair, and the local Unix socket.
 */
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { UserError, errorMessage } from '../errors.js';
import type { Transport, TransportHandlers } from './client-core.js';
import { encodeMessage, MAX_LINE_BYTES, readMessages } from './ndjson.js';
import type { ServerMessage } from './messages.js';
import { rootOfSocket } from './socket-path.js';

/**
 * Speaks NDJSON over `input`/`output`. Reports `closed` once, when the input ends or either side
 * fails; lines that are not messages are skipped (the engine never sends them; a shell's login
 * banner on an ssh channel might).
 */
export function streamTransport(
  input: Readable,
  output: Writable,
  handlers: TransportHandlers,
  maxLineBytes: number = MAX_LINE_BYTES,
): Transport {
  let done = false;
  const stopReading = readMessages(
    input,
    {
      message: (value) => {
        if (!done && isServerMessage(value)) handlers.message(value);
      },
      problem: () => undefined,
    },
    maxLineBytes,
  );
  const finish = (reason: string): void => {
    if (done) return;
    done = true;
    stopReading();
    handlers.closed(reason);
  };
  input.once('end', () => finish('the engine closed the connection'));
  input.once('close', () => finish('the engine closed the connection'));
  input.on('error', (error) => finish(`connection error: ${error.message}`));
  output.on('error', (error) => finish(`connection error: ${error.message}`));
  return {
    send: (message) => {
      if (!done && output.writable) output.write(encodeMessage(message));
    },
    close: () => {
      if (done) return;
      done = true;
      stopReading();
      output.end();
      input.destroy();
    },
  };
}

/** Opens the engine's Unix socket; `root` names the project in the "no engine" message. */
export function socketConnector(socketPath: string, root?: string) {
  return (handlers: TransportHandlers): Promise<Transport> =>
    new Promise((resolve, reject) => {
      const socket = net.createConnection(socketPath);
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(connectError(error, socketPath, root ?? rootOfSocket(socketPath) ?? socketPath));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(streamTransport(socket, socket, handlers));
      });
    });
}

function connectError(error: NodeJS.ErrnoException, socketPath: string, root: string): UserError {
  if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
    return new UserError(`no engine is running for ${root} (start one with nightshift run)`, {
      cause: error,
    });
  }
  if (error.code === 'EACCES') {
    return new UserError(`permission denied on ${socketPath}: the engine runs as another user`, {
      cause: error,
    });
  }
  return new UserError(`cannot connect to the engine at ${socketPath}: ${errorMessage(error)}`, {
    cause: error,
  });
}

function isServerMessage(value: unknown): value is ServerMessage {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}
