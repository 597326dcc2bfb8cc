/**
 * Reaching the project's running engine from a CLI command.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.js';
import { connectEngine } from './client.js';
import type { EngineClient } from '../protocol/types.js';
import { projectPaths } from '../paths.js';
import { readLock } from '../store/lock.js';

/** An engine takes its lock before it listens; give a starting engine this long to answer. */
const STARTING_ENGINE_GRACE_MS = 5000;

/** The running engine's socket, or undefined when none runs. */
export async function runningEngineSocket(root: string): Promise<string | undefined> {
  const lock = await readLock(projectPaths(root));
  return lock?.alive && lock.info.kind === 'engine' && lock.info.socket ? lock.info.socket : undefined;
}

/**
 * Connects to the engine whose lock is live. An engine still starting (lock taken, socket not yet
 * listening) is waited for briefly, as long as its lock stays live.
 */
export async function connectRunningEngine(
  root: string,
  socketPath: string,
  options: { readonly?: boolean } = {},
): Promise<EngineClient> {
  const deadline = Date.now() + STARTING_ENGINE_GRACE_MS;
  for (;;) {
    try {
      return await connectEngine({ socketPath, reconnect: false, readonly: options.readonly });
    } catch (error) {
      if (Date.now() > deadline || (await runningEngineSocket(root)) !== socketPath) throw error;
      await sleep(100);
    }
  }
}

/** A client of the running engine, or a UserError saying none runs. */
export async function requireEngine(
  root: string,
  options: { readonly?: boolean } = {},
): Promise<EngineClient> {
  const socketPath = await runningEngineSocket(root);
  if (!socketPath) {
    throw new UserError(`no engine is running for ${root}`, {
      hint: 'start one with `nightshift run` (or `nightshift run --detach`)',
    });
  }
  return connectRunningEngine(root, socketPath, options);
}
