/**
 * Epochs (`run --epochs N`): when the queue is exhausted and epochs remain, the planner looks at what
 * was done and may add tasks (plan/epoch.ts); the run goes on while it adds any.
 */
import { errorMessage } from '../errors.js';
import type { EngineDeps, ReplanContext } from './engine-deps.js';

/** Re-plans for epoch `epoch` of `epochs`; true when tasks were added and the run goes on. */
export async function replanEpoch(
  replan: NonNullable<EngineDeps['replan']>,
  epoch: number,
  epochs: number,
  context: Omit<ReplanContext, 'epoch'>,
): Promise<boolean> {
  context.line('info', `epoch ${epoch} of ${epochs}: the queue is exhausted; re-planning`);
  let added: number;
  try {
    added = await replan({ ...context, epoch });
  } catch (error) {
    context.line('error', `epoch ${epoch}: re-planning failed: ${errorMessage(error)}`);
    return false;
  }
  if (added === 0) context.line('info', `epoch ${epoch}: the planner added no tasks; stopping`);
  return added > 0 && !context.stopped();
}
