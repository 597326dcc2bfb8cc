/**
 * The text of `.nightshift/state.json` and its task files (task-files.ts), made at a cost that
 * grows with what changed rather than with the whole queue. Each task is checked against its
 * schema and serialised once, and the text kept, keyed by the task object itself: a task replaced
 * by a changed copy (Store.updateTask) is checked and serialised again, the others are reused as
 * they are. A task file whose tasks are all the same objects as when it was last written is not
 * written again. Everything outside `tasks` (runs, learning, epics, plan: bounded lists) is checked
 * and serialised on every write. A change that may have touched tasks in place (Store.update)
 * forgets every kept text and file.
 *
 * The format: compact JSON with one task per line, so a file of 10,000 tasks is about half the
 * size of an indented one, and still reads well with grep, diff and jq.
 */
import { taskSchema, type Task } from '../tasks/model.js';
import { stateSchema, type State } from './schema.js';
import {
  INLINE_TASKS_MAX,
  TASKS_PER_FILE,
  TASK_FILES_KEY,
  newTaskFileName,
  stateFileText,
  tasksArrayText,
  type TaskFile,
} from './task-files.js';

const headSchema = stateSchema.omit({ tasks: true });

/** Formats zod's issue path as `tasks[3].status`. */
export function issuePath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${String(s)}` : String(s);
  return out || '(root)';
}

/** A task file as written: its name and the task objects it holds. */
interface WrittenFile {
  readonly name: string;
  readonly tasks: readonly Task[];
}

/** What one write puts on disk, in order: the new task files, then state.json naming them. */
export interface StateWrite {
  /** Task files to write first, each under a new name. */
  readonly files: readonly { readonly name: string; readonly text: string }[];
  /** The text of state.json. */
  readonly head: string;
  /** Every task file the new state.json names (new and reused), in order. */
  readonly named: readonly WrittenFile[];
  /** Which `forgetTasks` generation it was made in. */
  readonly generation: number;
}

export class StateText {
  #tasks = new WeakMap<Task, string>();
  /** The task files the last committed state.json names, when their tasks were not changed in place since. */
  #committed: readonly WrittenFile[] = [];
  #generation = 0;
  /** Tasks checked and serialised by the last `render` (for tests and the bench). */
  lastRendered = 0;

  /** Forgets every kept task text and file: the next render checks and writes all tasks. */
  forgetTasks(): void {
    this.#tasks = new WeakMap();
    this.#committed = [];
    this.#generation += 1;
  }

  /**
   * Takes the task files of a state.json just read as committed: `tasks` are the state's tasks in
   * order, `files` the files they came from.
   */
  adopt(tasks: readonly Task[], files: readonly TaskFile[]): void {
    const committed: WrittenFile[] = [];
    let at = 0;
    for (const file of files) {
      committed.push({ name: file.name, tasks: tasks.slice(at, at + file.count) });
      at += file.count;
    }
    this.#committed = committed;
  }

  /** Records that `write` reached the disk: its files are what state.json names now. */
  committed(write: StateWrite): void {
    // A write made before tasks were changed in place holds their old texts: not reusable.
    if (write.generation === this.#generation) this.#committed = write.named;
  }

  /**
   * The texts of `state`; throws (naming the first problem) when any part would not pass the
   * schema, since a state the next open rejects as damaged would brick the project.
   */
  render(state: State): StateWrite {
    const { tasks, ...head } = state;
    const checked = headSchema.safeParse(head);
    if (!checked.success) throw invalid(checked.error.issues[0]);
    this.lastRendered = 0;
    if (tasks.length <= INLINE_TASKS_MAX)
      return {
        files: [],
        head: stateFileText(head, 'tasks', this.#linesText(tasks, 0)),
        named: [],
        generation: this.#generation,
      };
    const files: { name: string; text: string }[] = [];
    const named: WrittenFile[] = [];
    for (let first = 0; first < tasks.length; first += TASKS_PER_FILE) {
      const part = tasks.slice(first, first + TASKS_PER_FILE);
      const before = this.#committed[named.length];
      if (before && sameTasks(before.tasks, part)) {
        named.push(before);
        continue;
      }
      const name = newTaskFileName(first);
      files.push({ name, text: `${this.#linesText(part, first)}\n` });
      named.push({ name, tasks: part });
    }
    const list = `[\n${named.map((file) => JSON.stringify(file.name)).join(',\n')}\n]`;
    return { files, head: stateFileText(head, TASK_FILES_KEY, list), named, generation: this.#generation };
  }

  /** The JSON array text of `tasks` (at `offset` in the queue), checking those not kept. */
  #linesText(tasks: readonly Task[], offset: number): string {
    const lines: string[] = [];
    for (let index = 0; index < tasks.length; index++) {
      const task = tasks[index] as Task;
      let text = this.#tasks.get(task);
      if (text === undefined) {
        const result = taskSchema.safeParse(task);
        if (!result.success) {
          const issue = result.error.issues[0];
          throw invalid(issue && { ...issue, path: ['tasks', offset + index, ...issue.path] });
        }
        text = JSON.stringify(task);
        this.#tasks.set(task, text);
        this.lastRendered += 1;
      }
      lines.push(text);
    }
    return tasksArrayText(lines);
  }
}

function sameTasks(a: readonly Task[], b: readonly Task[]): boolean {
  return a.length === b.length && a.every((task, i) => task === b[i]);
}

function invalid(issue: { path: readonly PropertyKey[]; message: string } | undefined): Error {
  return new Error(issue ? `${issuePath(issue.path)}: ${issue.message}` : 'schema check failed');
}
