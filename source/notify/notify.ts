/**
 * Notifications for a person who is not watching (`[notify] command`): when a run ends, a task
 * blocks, an agent waits for input, the budget is hit, or the queue pauses on an outage, the command
 * runs through `sh -c` with the event as one JSON object on stdin. So ntfy, a Slack webhook or
 * notify-send is one line of config.
 *
 * Rules: each event is delivered once (a key per event kind and subject); deliveries run one at a
 * time in the order the events happened; a failing or slow command is logged and never stops the run.
 */
import { spawn } from 'node:child_process';

/** What happened, as the notify command receives it on stdin. */
export type NotifyEvent =
  | {
      readonly event: 'run-ended';
      readonly outcome: string;
      readonly exitCode: number;
      readonly tasksDone: number;
      readonly tasksBlocked: number;
      readonly tasksPending: number;
      readonly costUsd: number;
      readonly report?: string;
    }
  | {
      readonly event: 'task-blocked';
      readonly taskId: string;
      readonly title: string;
      readonly reason: string;
    }
  | {
      readonly event: 'waiting-input';
      readonly taskId: string;
      readonly attempt: number;
      readonly agent: string;
      readonly question?: string;
    }
  | { readonly event: 'budget-hit'; readonly costUsd: number; readonly maxCostUsd: number }
  | { readonly event: 'queue-paused'; readonly reason: string };

/** The JSON written to the command's stdin: the event, where it happened, and a line for people. */
export type NotifyPayload = NotifyEvent & {
  readonly project: string;
  readonly runId: string;
  readonly at: string;
  /** One line a person can read in a phone notification. */
  readonly message: string;
};

/** How long a notify command may run before it is killed (a hung webhook must not pile up). */
const NOTIFY_TIMEOUT_MS = 30_000;

/** The one-line text of an event. */
export function notifyMessage(project: string, event: NotifyEvent): string {
  switch (event.event) {
    case 'run-ended':
      return `nightshift ${project}: run ${event.outcome} — ${event.tasksDone} done, ${event.tasksBlocked} blocked, ${event.tasksPending} pending, $${event.costUsd.toFixed(2)}`;
    case 'task-blocked':
      return `nightshift ${project}: ${event.taskId} blocked — ${event.reason}`;
    case 'waiting-input':
      return `nightshift ${project}: ${event.agent} on ${event.taskId} waits for input${event.question ? `: ${event.question}` : ''}`;
    case 'budget-hit':
      return `nightshift ${project}: cost limit reached ($${event.costUsd.toFixed(2)} of $${event.maxCostUsd.toFixed(2)}); no new tasks start`;
    case 'queue-paused':
      return `nightshift ${project}: queue paused — ${event.reason}`;
    default: {
      const never: never = event;
      return `nightshift ${project}: ${JSON.stringify(never)}`;
    }
  }
}

/** What makes two events the same one (delivered once). */
function eventKey(event: NotifyEvent): string {
  switch (event.event) {
    case 'task-blocked':
      return `task-blocked:${event.taskId}`;
    case 'waiting-input':
      return `waiting-input:${event.taskId}:${event.attempt}`;
    case 'queue-paused':
      // Once per kind of outage: the CLI's own words after it (a retry-after time) vary.
      return `queue-paused:${event.reason.replace(/ \(.*$/s, '')}`;
    default:
      return event.event;
  }
}

/** Where the notifier reports a command that failed. */
export type NotifyLog = (level: 'warn' | 'info', message: string) => void;

/** Delivers a run's events to the notify command. */
export class Notifier {
  readonly #command: string;
  readonly #project: string;
  readonly #runId: string;
  readonly #cwd: string;
  readonly #log: NotifyLog;
  readonly #sent = new Set<string>();
  #chain: Promise<void> = Promise.resolve();

  constructor(options: {
    readonly command: string;
    readonly project: string;
    readonly runId: string;
    readonly cwd: string;
    readonly log: NotifyLog;
  }) {
    this.#command = options.command.trim();
    this.#project = options.project;
    this.#runId = options.runId;
    this.#cwd = options.cwd;
    this.#log = options.log;
  }

  /**
   * Queues the event for delivery unless no command is set; false (and nothing queued) when the
   * same event was notified already.
   */
  notify(event: NotifyEvent, at: Date = new Date()): boolean {
    const key = eventKey(event);
    if (this.#sent.has(key)) return false;
    this.#sent.add(key);
    if (this.#command === '') return true;
    const payload: NotifyPayload = {
      ...event,
      project: this.#project,
      runId: this.#runId,
      at: at.toISOString(),
      message: notifyMessage(this.#project, event),
    };
    this.#chain = this.#chain.then(() => this.#deliver(payload));
    return true;
  }

  /** Lets the next event with this key be delivered again (a task retried, then blocked again). */
  forget(event: NotifyEvent): void {
    this.#sent.delete(eventKey(event));
  }

  /** Resolves when every queued delivery has finished (before the run's process exits). */
  async drain(): Promise<void> {
    await this.#chain;
  }

  #deliver(payload: NotifyPayload): Promise<void> {
    return new Promise((resolve) => {
      let output = '';
      let settled = false;
      const done = (problem?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (problem)
          this.#log(
            'warn',
            `notify command failed for ${payload.event} (${problem})${output ? `: ${output.trim().slice(-300)}` : ''}`,
          );
        resolve();
      };
      const child = spawn('/bin/sh', ['-c', this.#command], {
        cwd: this.#cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, NIGHTSHIFT_EVENT: payload.event },
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done(`still running after ${NOTIFY_TIMEOUT_MS / 1000}s; killed`);
      }, NOTIFY_TIMEOUT_MS);
      timer.unref();
      const keep = (chunk: Buffer): void => {
        output = (output + chunk.toString('utf8')).slice(-2000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('error', (error) => done(error.message));
      child.on('close', (code, signal) =>
        done(code === 0 ? undefined : signal ? `killed by ${signal}` : `exit ${code}`),
      );
      // A command that does not read stdin closes the pipe early: that is not a failure.
      child.stdin.on('error', () => undefined);
      child.stdin.end(`${JSON.stringify(payload)}\n`);
    });
  }
}
