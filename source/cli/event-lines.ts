/**
 * Plain output of a run without a board: timestamped lines for people, NDJSON for scripts.
 */
import type { EngineEvent } from '../protocol/types.js';

/** `HH:MM:SS` of an ISO time, in local time. */
function clock(iso: string): string {
  const date = new Date(iso);
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

const MARKS = { info: ' ', warn: '!', error: '✗', success: '✓' } as const;

/** A printer of engine events as lines; `verbose` adds agent output lines. */
export function linePrinter(
  write: (text: string) => void,
  options: { verbose?: boolean } = {},
): (event: EngineEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'line':
        write(`${clock(event.line.at)} ${MARKS[event.line.level]} ${event.line.message}\n`);
        return;
      case 'agent-output': {
        if (!options.verbose) return;
        // The engine batches an agent's output lines into one event (one line each, joined by \n).
        const at = clock(new Date().toISOString());
        write(
          event.text
            .split('\n')
            .map((line) => `${at}   [${event.agentId}] ${line}\n`)
            .join(''),
        );
        return;
      }
      default:
        return;
    }
  };
}

/** A printer of every engine event as one JSON line (`--json`). */
export function jsonPrinter(write: (text: string) => void): (event: EngineEvent) => void {
  return (event) => write(`${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`);
}
