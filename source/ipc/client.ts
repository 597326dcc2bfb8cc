/**
 * The client of a running engine over the local Unix socket. The ssh client (ssh.ts) is the same
 * client core over the ssh child's stdin/stdout; only the transport differs.
 */
import { createClient, type ClientOptions } from './client-core.js';
import type { EngineClient } from '../protocol/types.js';
import { socketConnector } from './transport.js';

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
