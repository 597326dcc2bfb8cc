/**
 * Clients of a running engine: over the local Unix socket, or over any stream pair (the ssh
 * transport's stdin/stdout). Both are the same client core; only the transport differs.
 */
import type { Readable, Writable } from 'node:stream';
import { UserError } from '../errors.js';
import { createClient, type ClientOptions } from './client-core.js';
import type { EngineClient } from '../protocol/types.js';
import { socketConnector, streamTransport } from './transport.js';

export type { ClientOptions } from './client-core.js';

/** Settings of `connectEngine`. */
export interface ConnectOptions extends ClientOptions {
  readonly socketPath: string;
  /** The project root, for the "no engine is running for …" message (default: from the path). */
  readonly root?: string;
}

/**
 * Connects to the engine listening on `socketPath` and resolves once its snapshot arrived.
 * Rejects with a UserError when nothing listens there.
 */
export function connectEngine(options: ConnectOptions): Promise<EngineClient> {
  return createClient(socketConnector(options.socketPath, options.root), options);
}

/**
 * The same client over one pair of streams. A stream pair cannot be reopened, so `reconnect` does
 * not apply: when the streams end, the client reports `closed`.
 */
export function createStreamClient(
  input: Readable,
  output: Writable,
  options: Omit<ClientOptions, 'reconnect' | 'reconnectTimeoutMs'> = {},
): Promise<EngineClient> {
  let used = false;
  return createClient((handlers) => {
    if (used) return Promise.reject(new UserError('the stream to the engine was closed'));
    used = true;
    return Promise.resolve(streamTransport(input, output, handlers));
  }, options);
}
