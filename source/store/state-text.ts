/**
 * The text of `.nightshift/state.json`, made at a cost that grows with what changed rather than
 * with the whole queue. Each task is checked against its schema and serialised once, and the text
 * kept, keyed by the task object itself: a task replaced by a changed copy (Store.updateTask) is
 * checked and serialised again, the others are reused as they are. Everything outside `tasks`
 * (runs, learning, epics, plan: bounded lists) is checked and serialised on every write. A change
 * that may have touched tasks in place (Store.update) forgets every kept text.
 *
 * The format: compact JSON with one task per line, so a file of 10,000 tasks is about half the
 * size of an indented one, and still reads well with grep, diff and jq.
 */
import { taskSchema, type Task } from '../tasks/model.js';
import { stateSchema, type State } from './schema.js';

const headSchema = stateSchema.omit({ tasks: true });

/** Stands for the tasks array in the head's text while it is made. */
const TASKS_MARK_VALUE = '\u0000tasks\u0000';
const TASKS_MARK = JSON.stringify(TASKS_MARK_VALUE);

/** Formats zod's issue path as `tasks[3].status`. */
export function issuePath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${String(s)}` : String(s);
  return out || '(root)';
}

export class StateText {
  #tasks = new WeakMap<Task, string>();
  /** Tasks checked and serialised by the last `render` (for tests and the bench). */
  lastRendered = 0;

  /** Forgets every kept task text: the next render checks and serialises all tasks. */
  forgetTasks(): void {
    this.#tasks = new WeakMap();
  }

  /**
   * The file text of `state`; throws (naming the first problem) when any part would not pass the
   * schema, since a state the next open rejects as damaged would brick the project.
   */
  render(state: State): string {
    const { tasks, ...head } = state;
    const checked = headSchema.safeParse(head);
    if (!checked.success) throw invalid(checked.error.issues[0]);
    const lines: string[] = [];
    let rendered = 0;
    for (let index = 0; index < tasks.length; index++) {
      const task = tasks[index] as Task;
      let text = this.#tasks.get(task);
      if (text === undefined) {
        const result = taskSchema.safeParse(task);
        if (!result.success) {
          const issue = result.error.issues[0];
          throw invalid(issue && { ...issue, path: ['tasks', index, ...issue.path] });
        }
        text = JSON.stringify(task);
        this.#tasks.set(task, text);
        rendered += 1;
      }
      lines.push(text);
    }
    this.lastRendered = rendered;
    const tasksText = lines.length === 0 ? '[]' : `[\n${lines.join(',\n')}\n]`;
    // The small fields first, the tasks last: the head of the file is readable at a glance.
    return `${JSON.stringify({ ...head, tasks: TASKS_MARK_VALUE }).replace(TASKS_MARK, () => tasksText)}\n`;
  }
}

function invalid(issue: { path: readonly PropertyKey[]; message: string } | undefined): Error {
  return new Error(issue ? `${issuePath(issue.path)}: ${issue.message}` : 'schema check failed');
}
