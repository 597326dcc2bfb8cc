/**
 * The one polling loop of the tests: wait for a condition with a deadline, never a fixed sleep. The
 * deadline only bounds the wait; it never judges a result.
 */

/** Polls `probe` until it gives a value (not undefined or false); fails naming `what` after `timeoutMs`. */
export async function waitForValue<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string | (() => string),
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const name = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${name}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls `predicate` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string | (() => string) = 'the condition',
  timeoutMs = 10_000,
): Promise<void> {
  await waitForValue(async () => (await predicate()) || undefined, what, timeoutMs);
}
