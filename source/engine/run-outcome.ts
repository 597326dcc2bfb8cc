/**
 * How a run ended and its exit code (DESIGN.md §1: 0 all done, 2 blocked tasks, 130 interrupted).
 */
import type { RunRecord } from '../store/schema.js';
import { unrunnableTasks } from '../tasks/graph.js';
import type { Task } from '../tasks/model.js';

/** Exit codes of DESIGN.md §1. */
export const EXIT = { done: 0, error: 1, blocked: 2, interrupted: 130 } as const;

/** The outcome of a run from the queue it leaves and why it stopped. */
export function runOutcome(
  tasks: readonly Task[],
  stopReason: 'stopped' | 'interrupted' | undefined,
  budgetHit: boolean,
): { outcome: NonNullable<RunRecord['outcome']>; exitCode: number } {
  if (stopReason === 'interrupted') return { outcome: 'interrupted', exitCode: EXIT.interrupted };
  if (stopReason === 'stopped') return { outcome: 'stopped', exitCode: EXIT.done };
  // Pending tasks that can never run (a blocked dependency, a cycle) count like blocked ones.
  if (tasks.some((task) => task.status === 'blocked') || unrunnableTasks(tasks).size > 0)
    return { outcome: 'blocked', exitCode: EXIT.blocked };
  if (budgetHit) return { outcome: 'budget', exitCode: EXIT.done };
  return { outcome: 'done', exitCode: EXIT.done };
}
