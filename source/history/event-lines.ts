/**
 * A run's event lines: each is appended to `.nightshift/events.jsonl` (best effort: a full disk
 * never stops the run) and handed on to clients, and the newest are kept for snapshots.
 */
import type { ProjectPaths } from '../paths.js';
import type { EventLine } from '../protocol/types.js';
import { appendEvent } from './history.js';

/** Event lines kept in memory for snapshots. */
const RECENT_LINES = 200;

/** The event lines of one run. */
export class EventLines {
  readonly #recent: EventLine[] = [];

  constructor(
    private readonly paths: Pick<ProjectPaths, 'events'>,
    private readonly sent: (line: EventLine) => void,
    private readonly now: () => Date,
  ) {}

  /** Records one line and hands it on (bound: it may be passed around as it is). */
  add = (level: EventLine['level'], message: string, taskId?: string): void => {
    const line: EventLine = { at: this.now().toISOString(), level, message, ...(taskId ? { taskId } : {}) };
    this.#recent.push(line);
    if (this.#recent.length > RECENT_LINES) this.#recent.shift();
    void appendEvent(this.paths, line).catch(() => undefined);
    this.sent(line);
  };

  /** The newest lines, oldest first (a copy). */
  recent(): EventLine[] {
    return [...this.#recent];
  }
}
