/**
 * The board's clock ticks a second after the board last moved on: an idle board redraws once a
 * second, a board redrawing at every engine publish gets no extra frames from it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  delete process.env['CI'];
});

import React from 'react';
import { Text } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { CLOCK_MS, useClock } from '../../source/ui/use-clock.js';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** Advances the fake clock by `ms`, then lets React (on real setImmediate) render and run effects. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Renders the clock with `movedAt`, recording every distinct time it returns. */
function probe(): { ticks: number[]; Probe: (props: { movedAt: number }) => React.JSX.Element } {
  const ticks: number[] = [];
  function Probe({ movedAt }: { movedAt: number }): React.JSX.Element {
    const now = useClock(movedAt);
    if (ticks.at(-1) !== now) ticks.push(now);
    return <Text>{String(now)}</Text>;
  }
  return { ticks, Probe };
}

describe('useClock', () => {
  it('ticks once a second while nothing else moves the board', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { ticks, Probe } = probe();
    render(<Probe movedAt={0} />);
    const start = ticks[0] ?? 0;
    for (let i = 0; i < 3; i += 1) await advance(CLOCK_MS);
    expect(ticks.map((tick) => tick - start)).toEqual([0, CLOCK_MS, CLOCK_MS * 2, CLOCK_MS * 3]);
  });

  it('does not tick while publishes keep coming, and ticks a second after the last one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { ticks, Probe } = probe();
    const { rerender } = render(<Probe movedAt={Date.now()} />);
    const start = ticks[0] ?? 0;
    // Ten publishes 333 ms apart: 3.3 s in which a fixed one-second clock would have ticked 3 times.
    for (let i = 0; i < 10; i += 1) {
      await advance(333);
      rerender(<Probe movedAt={Date.now()} />);
    }
    expect(ticks).toEqual([start]);
    const lastPublish = Date.now();
    await advance(CLOCK_MS);
    expect(ticks).toEqual([start, lastPublish + CLOCK_MS]);
  });
});
