/**
 * The queue's pause on an outage (rate limit, 5xx, login, network; agents/outage.ts): no new task
 * starts, the tasks that hit it wait with backoff and jitter, then the queue resumes by itself. Tasks
 * hitting the same outage share one pause; the next outage in a row waits longer. An outage spends no
 * retry, no reflection and no learning: the engine just runs the attempt again after the pause.
 *
 * A person's pause (`p`, `nightshift pause`) lives here too: an outage pause ending does not undo it.
 */
import type { EventLine, RunView } from '../protocol/types.js';
import type { NotifyEvent } from '../notify/notify.js';
import { describeOutage, outageBackoffMs, type Outage } from '../agents/outage.js';

/** What a pause needs from the engine. */
export interface OutagePauseHost {
  readonly setRun: (patch: Partial<RunView>) => void;
  readonly line: (level: EventLine['level'], message: string, taskId?: string) => void;
  readonly notify: (event: NotifyEvent) => void;
  /** Wakes the engine's loop: the queue may start tasks again. */
  readonly poke: () => void;
  readonly now: () => Date;
  readonly stopping: () => boolean;
}

/** The outage pauses of one run, and a person's pause. */
export class OutagePause {
  readonly #host: OutagePauseHost;
  /** A person paused the queue. */
  #userPaused = false;
  /** Outages in a row (reset by any attempt that reached the model): the backoff step. */
  #inARow = 0;
  #current: { readonly done: Promise<void>; readonly end: () => void } | undefined;

  constructor(host: OutagePauseHost) {
    this.#host = host;
  }

  /** An attempt reached the model: the next outage starts the backoff again. */
  reset(): void {
    this.#inARow = 0;
  }

  /** A person paused or resumed the queue; resuming during an outage pause tries again now. */
  setUserPaused(paused: boolean): void {
    const host = this.#host;
    this.#userPaused = paused;
    if (!paused) this.end();
    host.setRun({ paused, ...(!paused && { pauseReason: undefined, resumeAt: undefined }) });
    host.line('info', paused ? 'paused: running agents finish, no new tasks start' : 'resumed');
    host.poke();
  }

  /** Ends the pause in progress now (a person resumed, or the run stops). */
  end(): void {
    this.#current?.end();
  }

  /** Waits out the outage `taskId` hit, starting a pause unless one is in progress. */
  async wait(taskId: string, outage: Outage): Promise<void> {
    this.#current ??= this.#start(taskId, outage);
    await this.#current.done;
  }

  #start(taskId: string, outage: Outage): { readonly done: Promise<void>; readonly end: () => void } {
    const host = this.#host;
    this.#inARow += 1;
    const ms = outageBackoffMs(this.#inARow);
    const resumeAt = new Date(host.now().getTime() + ms).toISOString();
    const reason = `outage: ${describeOutage(outage.kind)}`;
    host.setRun({ paused: true, pauseReason: reason, resumeAt });
    host.line(
      'warn',
      `queue paused: ${reason} (${outage.message}); resuming in ${Math.max(1, Math.round(ms / 1000))} s — no retry spent`,
      taskId,
    );
    host.notify({ event: 'queue-paused', reason: `${reason} (${outage.message})` });
    let end = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      end = () => {
        clearTimeout(timer);
        resolve();
      };
    }).then(() => {
      this.#current = undefined;
      const userPaused = this.#userPaused;
      host.setRun({ paused: userPaused, pauseReason: undefined, resumeAt: undefined });
      if (!host.stopping())
        host.line('info', userPaused ? 'outage pause over; still paused by you' : 'queue resumed');
      host.poke();
    });
    return { done, end };
  }
}
