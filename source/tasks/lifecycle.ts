/**
 * The one place a task's status changes (DESIGN.md §5). A task lives
 * pending → running ⇄ verifying → done | blocked; an interrupted or retried attempt goes back to
 * pending, `task retry` and `task reset` (and a regression) bring a blocked or done task back to
 * pending, and recovery may find a task's work already landed and mark it done.
 *
 * Anything else is a bug in the caller — running a done task again is how duplicate commits
 * happen — so it throws instead of being written.
 */
import type { Task, TaskStatus } from './model.js';

/** Where a task in each status may go next (staying where it is is always allowed). */
const NEXT: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  pending: ['running', 'blocked', 'done'],
  running: ['verifying', 'pending', 'done', 'blocked'],
  verifying: ['running', 'pending', 'done', 'blocked'],
  done: ['pending'],
  blocked: ['pending'],
};

/** A status change the lifecycle forbids. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly taskId: string,
    readonly from: TaskStatus,
    readonly to: TaskStatus,
  ) {
    super(
      `task "${taskId}" cannot go from ${from} to ${to} (from ${from} it may go to ${NEXT[from].join(', ')})`,
    );
    this.name = 'IllegalTransitionError';
  }
}

/** Whether a task in status `from` may move to `to`. */
export function canMove(from: TaskStatus, to: TaskStatus): boolean {
  return from === to || NEXT[from].includes(to);
}

/** What a move may change besides the status. */
export interface MoveOptions {
  /** When the move happened (ISO); sets `updatedAt` when given. */
  readonly at?: string;
  /** Why a task is blocked; cleared by any move to another status. */
  readonly blockReason?: string;
}

/** Moves `task` to `to`, or throws IllegalTransitionError; a block reason goes with `blocked` only. */
export function moveTask(task: Task, to: TaskStatus, options: MoveOptions = {}): void {
  if (!canMove(task.status, to)) throw new IllegalTransitionError(task.id, task.status, to);
  task.status = to;
  if (to === 'blocked' && options.blockReason !== undefined) task.blockReason = options.blockReason;
  else if (to !== 'blocked') delete task.blockReason;
  if (options.at !== undefined) task.updatedAt = options.at;
}

/** True while an attempt works on the task (its status says an agent or the gate holds it). */
export function isInFlight(task: Pick<Task, 'status'>): boolean {
  return task.status === 'running' || task.status === 'verifying';
}
