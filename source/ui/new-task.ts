/**
 * Turns the new-task form into the task the engine's add-task takes. The engine audits it; this
 * only fills what the form does not ask for (an id from the title, unique in the queue).
 */
import type { TaskInput } from '../tasks/model.js';
import type { FormField } from './board-state.js';

/** The fields of the new-task form, in order. */
export const NEW_TASK_FIELDS: readonly FormField[] = [
  { label: 'title', value: '' },
  { label: 'step', value: '' },
  { label: 'verify command', value: '' },
];

/** A branch-safe id from a title (`Add login page` → `add-login-page`), unique among `taken`. */
export function taskIdFromTitle(title: string, taken: ReadonlySet<string>): string {
  const base =
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'task';
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** The task to send, or the reason the form is not complete. */
export function buildNewTask(
  fields: readonly FormField[],
  taken: ReadonlySet<string>,
): TaskInput | { error: string } {
  const [title, step, verify] = fields.map((field) => field.value.trim());
  if (!title) return { error: 'a title is required' };
  return {
    id: taskIdFromTitle(title, taken),
    title,
    steps: step ? [step] : [],
    verification: { commands: verify ? [verify] : [], pathPatterns: [], env: {} },
  };
}
