/**
 * Reaching the project's running engine from a CLI command.
 */
import { UserError } from '../errors.js';
import { connectEngine } from '../ipc/client.js';
import type { EngineClient } from '../ipc/protocol.js';
import { projectPaths } from '../paths.js';
import { readLock } from '../store/lock.js';

/** The running engine's socket, or undefined when none runs. */
export async function runningEngineSocket(root: string): Promise<string | undefined> {
  const lock = await readLock(projectPaths(root));
  return lock?.alive && lock.info.kind === 'engine' && lock.info.socket ? lock.info.socket : undefined;
}

/** A client of the running engine, or a UserError saying none runs. */
export async function requireEngine(root: string, options: { readonly?: boolean } = {}): Promise<EngineClient> {
  const socketPath = await runningEngineSocket(root);
  if (!socketPath) {
    throw new UserError(`no engine is running for ${root}`, { hint: 'start one with `nightshift run` (or `nightshift run --detach`)' });
  }
  return connectEngine({ socketPath, reconnect: false, readonly: options.readonly });
}
