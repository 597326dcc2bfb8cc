/**
 * Waiting for a condition with a deadline (never a fixed sleep).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.js';

/** Polls `condition` every `intervalMs` until it holds, or throws after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new UserError(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await sleep(options.intervalMs ?? 50);
  }
}
