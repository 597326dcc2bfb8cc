/**
 * A coarse clock for elapsed times and the ETA. One tick a second keeps an idle board far under
 * its 1 KB/s output budget (DESIGN.md §9); busier boards redraw more often through use-engine.
 */
import { useEffect, useState } from 'react';

/** Milliseconds between clock ticks. */
export const CLOCK_MS = 1000;

/** `Date.now()`, refreshed every `intervalMs`. */
export function useClock(intervalMs = CLOCK_MS): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
