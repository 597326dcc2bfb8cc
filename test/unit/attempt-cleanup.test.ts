/**
 * The background cleanups of attempts that already reported (attempt/attempt-cleanup.ts): a task's
 * next attempt and the end of the run wait for them; one task's cleanups run in order; a failing
 * cleanup holds nothing up.
 */
import { describe, expect, it } from 'vitest';
import { createAttemptCleanups } from '../../source/attempt/attempt-cleanup.js';

/** A promise resolved from outside. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** True when `promise` has settled once pending callbacks ran. */
async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('attempt cleanups', () => {
  it('a task waits for its own pending cleanup, not for another task’s', async () => {
    const cleanups = createAttemptCleanups();
    const a = gate();
    const b = gate();
    cleanups.defer('a', () => a.promise);
    cleanups.defer('b', () => b.promise);
    expect(await hasSettled(cleanups.settled('a'))).toBe(false);
    expect(await hasSettled(cleanups.settled('c'))).toBe(true);
    a.open();
    expect(await hasSettled(cleanups.settled('a'))).toBe(true);
    expect(await hasSettled(cleanups.settled('b'))).toBe(false);
    b.open();
    expect(await hasSettled(cleanups.settled('b'))).toBe(true);
  });

  it('runs one task’s cleanups in the order they were deferred', async () => {
    const cleanups = createAttemptCleanups();
    const order: string[] = [];
    const first = gate();
    cleanups.defer('a', async () => {
      await first.promise;
      order.push('first');
    });
    cleanups.defer('a', () => {
      order.push('second');
      return Promise.resolve();
    });
    first.open();
    await cleanups.settled('a');
    expect(order).toEqual(['first', 'second']);
  });

  it('drain waits for every cleanup, also one deferred while it waits', async () => {
    const cleanups = createAttemptCleanups();
    const first = gate();
    const late = gate();
    let lateDone = false;
    cleanups.defer('a', async () => {
      await first.promise;
      cleanups.defer('b', async () => {
        await late.promise;
        lateDone = true;
      });
    });
    const drained = cleanups.drain();
    first.open();
    expect(await hasSettled(drained)).toBe(false);
    late.open();
    await drained;
    expect(lateDone).toBe(true);
  });

  it('a cleanup that fails is swallowed and does not hold up the next one', async () => {
    const cleanups = createAttemptCleanups();
    let ran = false;
    cleanups.defer('a', () => Promise.reject(new Error('worktree remove failed')));
    cleanups.defer('a', () => {
      ran = true;
      return Promise.resolve();
    });
    await expect(cleanups.drain()).resolves.toBeUndefined();
    expect(ran).toBe(true);
  });
});
