/**
 * What a run leaves for the person who was not watching: a line per attempt, per block and the
 * run's totals in `.nightshift/progress.md`, the report `.nightshift/reports/<run>.md` when the run
 * ends, and the notify command for the events that need someone (notify/notify.ts). Every write
 * here is best effort: a full disk or a broken notify command is logged, never stops the run.
 */
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { appendProgress, appendProgressText } from '../history/history.js';
import { Notifier, notifyMessage, type NotifyEvent } from '../notify/notify.js';
import type { ProjectPaths } from '../paths.js';
import { writePrivateFile } from '../security/private-files.js';
import type { AgentView, EventLine, NotifyNotice } from '../protocol/types.js';
import { buildReport } from '../report/build-report.js';
import { formatDuration, formatReportMarkdown, formatUsd } from '../report/format-report.js';
import type { State } from '../store/schema.js';
import type { Task } from '../tasks/model.js';

/** What the night log needs from the engine. */
export interface NightLogOptions {
  readonly paths: ProjectPaths;
  readonly project: string;
  readonly runId: string;
  /** `[notify] command`; empty = none. */
  readonly notifyCommand: string;
  readonly line: (level: EventLine['level'], message: string) => void;
  /** `[notify] bell`, carried by each notice. */
  readonly bell?: boolean;
  readonly now?: () => Date;
  /** Each event once, as it is notified, as the notice boards ring for (ids unique in the run). */
  readonly onNotice?: (notice: NotifyNotice) => void;
}

/** How a run ended, for its totals line, its report and the run-ended notification. */
export interface RunEnd {
  readonly state: State;
  readonly outcome: string;
  readonly exitCode: number;
  readonly costUsd: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly startedAt: string;
  readonly endedAt: string;
}

/** The `.nightshift/reports/<run>.md` file of a run. */
export function reportPath(paths: Pick<ProjectPaths, 'dir'>, runId: string): string {
  return path.join(paths.dir, 'reports', `${runId.replace(/[^A-Za-z0-9._-]/g, '_')}.md`);
}

/** The progress file, the report and the notifications of one run. */
export class NightLog {
  readonly #options: NightLogOptions;
  readonly #notifier: Notifier;
  /** progress.md appends, one after another so the lines keep the order things happened in. */
  #progress: Promise<void> = Promise.resolve();
  /** Notices sent so far (their ids). */
  #notices = 0;
  #budgetSaid = false;

  constructor(options: NightLogOptions) {
    this.#options = options;
    this.#notifier = new Notifier({
      command: options.notifyCommand,
      project: options.project,
      runId: options.runId,
      cwd: options.paths.root,
      log: (level, message) => options.line(level, message),
    });
  }

  /** An attempt ended: its line, with what it cost. */
  attemptClosed(task: Task, n: number): void {
    const attempt = task.attempts.find((a) => a.n === n);
    if (!attempt) return;
    this.#append(() =>
      appendProgress(this.#options.paths, {
        at: attempt.endedAt ?? new Date().toISOString(),
        taskId: task.id,
        title: task.title,
        attempt: n,
        outcome: attempt.outcome,
        commit: attempt.commit,
        costUsd: attempt.costUsd,
        summary: attempt.summary,
      }),
    );
  }

  /** A task was blocked by the run: a progress line and a notification. */
  taskBlocked(task: Task, reason: string, at: string): void {
    this.#append(() =>
      appendProgressText(
        this.#options.paths,
        `- ${at} · **${task.id}** BLOCKED after ${task.attempts.filter((a) => a.runId === this.#options.runId).length} attempt(s) — ${reason}`,
      ),
    );
    this.notify({ event: 'task-blocked', taskId: task.id, title: task.title, reason });
  }

  /** A task starts (again): a later block of it is news again. */
  taskStarted(taskId: string): void {
    this.#notifier.forget({ event: 'task-blocked', taskId, title: '', reason: '' });
  }

  /** An agent changed state: one that waits for input is worth a notification. */
  agentChanged(agent: AgentView): void {
    if (agent.state !== 'waiting-input') return;
    this.notify({
      event: 'waiting-input',
      taskId: agent.taskId,
      attempt: agent.attempt,
      agent: agent.name,
      ...(agent.action && agent.action !== 'starting' ? { question: agent.action } : {}),
    });
  }

  /** The cost limit was reached: says so once, and notifies. */
  budgetHit(costUsd: number, maxCostUsd: number): void {
    if (this.#budgetSaid) return;
    this.#budgetSaid = true;
    this.#options.line(
      'warn',
      `cost limit reached ($${costUsd.toFixed(2)} of $${maxCostUsd.toFixed(2)}): no new tasks start`,
    );
    this.notify({ event: 'budget-hit', costUsd, maxCostUsd });
  }

  /** Queues a notification (each event once). */
  notify(event: NotifyEvent): void {
    if (!this.#notifier.notify(event)) return;
    const { onNotice, runId, project, bell = true, now = () => new Date() } = this.#options;
    onNotice?.({
      id: `${runId}:${++this.#notices}`,
      kind: event.event,
      message: notifyMessage(project, event),
      at: now().toISOString(),
      bell,
    });
  }

  /**
   * The run ended: its totals in progress.md, its report file, the run-ended notification; resolves
   * once all of them are written and delivered. Returns the report's path (undefined if not written).
   */
  async runEnded(end: RunEnd): Promise<string | undefined> {
    const { paths, runId } = this.#options;
    const tasks = end.state.tasks;
    const count = (status: Task['status']): number => tasks.filter((t) => t.status === status).length;
    const done = count('done');
    const blocked = count('blocked');
    const pending = tasks.length - done - blocked;
    const attempts = tasks.flatMap((t) => t.attempts).filter((a) => a.runId === runId).length;
    const elapsed = Math.max(0, Date.parse(end.endedAt) - Date.parse(end.startedAt));
    this.#append(() =>
      appendProgressText(
        paths,
        `\n**Run ${runId} ${end.outcome}** (${end.endedAt}, exit ${end.exitCode}): ${done}/${tasks.length} tasks done, ${blocked} blocked, ${pending} pending; ${attempts} attempt${attempts === 1 ? '' : 's'}, ${formatDuration(elapsed)}, ${end.tokensIn + end.tokensOut} tokens, ${formatUsd(end.costUsd)}\n`,
      ),
    );
    let report: string | undefined = reportPath(paths, runId);
    try {
      const markdown = formatReportMarkdown(buildReport(end.state, paths, { runId }));
      await writePrivateFile(report, markdown);
    } catch (error) {
      this.#options.line('warn', `could not write the run's report ${report}: ${errorMessage(error)}`);
      report = undefined;
    }
    this.notify({
      event: 'run-ended',
      outcome: end.outcome,
      exitCode: end.exitCode,
      tasksDone: done,
      tasksBlocked: blocked,
      tasksPending: pending,
      costUsd: end.costUsd,
      ...(report ? { report } : {}),
    });
    await this.#progress;
    await this.#notifier.drain();
    return report;
  }

  #append(write: () => Promise<void>): void {
    this.#progress = this.#progress.then(write).catch((error: unknown) => {
      this.#options.line(
        'warn',
        `could not append to ${this.#options.paths.progress}: ${errorMessage(error)}`,
      );
    });
  }
}
