/**
 * Verified work waiting on its branch (`nightshift/<task>`, DESIGN.md §6) lands as soon as nothing is
 * in its way: when the run starts, every few seconds while it goes on (the user may commit, stash or
 * finish their rebase meanwhile), and once more at its end. One pass at a time.
 */
import { errorMessage } from '../errors.js';
import type { EventLine } from '../protocol/types.js';
import type { Task } from '../tasks/model.js';

/** How often waiting work is tried again while a run goes on. */
export const LANDING_RETRY_MS = 3000;

/** What landing waiting work needs from the engine. */
export interface WaitingWorkHost {
  /** Tries to land one task's waiting work (daemon/start.ts); undefined when nothing changed. */
  readonly land: ((task: Task) => Promise<Task | undefined>) | undefined;
  readonly tasks: () => readonly Task[];
  readonly stopping: () => boolean;
  readonly replaceTask: (taskId: string, next: Task) => void;
  readonly line: (level: EventLine['level'], message: string, taskId?: string) => void;
  /** Wakes the engine's loop: a landed task may make others ready. */
  readonly poke: () => void;
}

/** The landing of waiting work during one run. */
export class WaitingWork {
  readonly #host: WaitingWorkHost;
  #busy = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(host: WaitingWorkHost) {
    this.#host = host;
  }

  /** Tries now, then every LANDING_RETRY_MS until `stopRetrying`. */
  async start(): Promise<void> {
    await this.landAll();
    this.#timer = setInterval(() => void this.landAll(), LANDING_RETRY_MS);
    this.#timer.unref();
  }

  stopRetrying(): void {
    clearInterval(this.#timer);
  }

  /** One pass over the tasks that wait to land; a pass already under way makes this a no-op. */
  async landAll(): Promise<void> {
    const host = this.#host;
    if (!host.land || this.#busy) return;
    this.#busy = true;
    try {
      for (const task of host.tasks().filter((t) => t.landing !== undefined)) {
        if (host.stopping()) return;
        let next: Task | undefined;
        try {
          next = await host.land(task);
        } catch (error) {
          host.line('warn', `${task.id}: landing its waiting work failed: ${errorMessage(error)}`, task.id);
        }
        if (!next) continue;
        host.replaceTask(task.id, next);
        if (next.status === 'done')
          host.line('success', `${task.id} done: its verified work landed from its branch`, task.id);
        else if (!next.landing)
          host.line('warn', `${task.id}: its waiting work no longer lands cleanly; back to pending`, task.id);
      }
    } finally {
      this.#busy = false;
      host.poke();
    }
  }
}
