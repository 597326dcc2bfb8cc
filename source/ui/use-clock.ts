/**
 * A coarse clock for elapsed times and the ETA. It ticks one second after the board last moved on
 * (a tick, or an engine publish): an idle board redraws once a second, far under its 1 KB/s output
 * budget, and a busy one, already redrawing at every publish, gets no extra frames from the clock
 * (each frame of a 120x35 board costs ~25–35 ms; a fixed 1 s tick beside three publishes a second
 * was a quarter of the board's CPU under load; DESIGN.md §9).
 */
import { useEffect, useState } from 'react';

/** Milliseconds between clock ticks on a board with nothing else redrawing it. */
export const CLOCK_MS = 1000;

/** `Date.now()`, refreshed `intervalMs` after the later of its last tick and `movedAt`. */
export function useClock(movedAt: number, intervalMs = CLOCK_MS): number {
  const [now, setNow] = useState(() => Date.now());
  const since = Math.max(now, movedAt);
  useEffect(() => {
    const timer = setTimeout(() => setNow(Date.now()), Math.max(0, since + intervalMs - Date.now()));
    return () => clearTimeout(timer);
  }, [since, intervalMs]);
  return now;
}
