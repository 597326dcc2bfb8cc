/**
 * A large queue's tasks kept in files of their own beside state.json, so that a write costs what
 * changed rather than the whole queue (DESIGN.md §3, §9). Up to INLINE_TASKS_MAX tasks the tasks
 * are inline in state.json, as always. Beyond that state.json holds everything but the tasks and
 * names, in `taskFiles`, the files under `.nightshift/state-tasks/` that hold them in order,
 * TASKS_PER_FILE each. A write rewrites only the files whose tasks changed, each to a new name,
 * then replaces state.json naming them (the commit: a process killed at any instant leaves the old
 * state.json and the files it names, or the new one and its files), then deletes the files nothing
 * names any more. Files left by a killed writer are swept by the next open (`sweepTaskFiles`).
 *
 * No zod here: `status` and `doctor` read through this module too.
 */
import { readFile, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UserError, errorMessage } from '../errors.js';
import { isPidAlive } from './atomic-file.js';

/** Queues up to this many tasks keep them inline in state.json. */
export const INLINE_TASKS_MAX = 500;
/** Tasks per file beyond that: a write of one task rewrites ~250 KB, not the queue. */
export const TASKS_PER_FILE = 200;
/** The field of state.json naming the task files, in order. */
export const TASK_FILES_KEY = 'taskFiles';

/** `.nightshift/state-tasks/` beside `state` (state.json). */
export function taskFilesDir(state: string): string {
  return path.join(path.dirname(state), 'state-tasks');
}

let fileCounter = 0;

/** A new file name for the tasks from `first` on: the pid lets a later open sweep files of dead writers. */
export function newTaskFileName(first: number): string {
  fileCounter += 1;
  return `tasks-${String(first).padStart(6, '0')}.${process.pid}.${fileCounter}.json`;
}

const TASK_FILE = /^\.?tasks-\d+\.(\d+)\.\d+\.json(?:\.\d+\.\d+\.tmp)?$/;

/** The text of a list of tasks' JSON lines: one task per line. */
export function tasksArrayText(lines: readonly string[]): string {
  return lines.length === 0 ? '[]' : `[\n${lines.join(',\n')}\n]`;
}

/** Stands for the tasks array in the head's text while it is made. */
const TASKS_MARK_VALUE = '\u0000tasks\u0000';
const TASKS_MARK = JSON.stringify(TASKS_MARK_VALUE);

/** A state file's text: the small fields first, then `tasks` (or `taskFiles`) last, readable at a glance. */
export function stateFileText(head: object, key: string, valueText: string): string {
  return `${JSON.stringify({ ...head, [key]: TASKS_MARK_VALUE }).replace(TASKS_MARK, () => valueText)}\n`;
}

/** A damaged state file, reported and left as it is. */
function damaged(file: string, problem: string, cause?: unknown): UserError {
  return new UserError(`${file} is damaged: ${problem}`, {
    hint: 'the file was left untouched; restore a copy from .nightshift/backups/ or move it away and run `nightshift init`',
    cause,
  });
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw damaged(file, `not valid JSON (${errorMessage(error)})`, error);
  }
}

/** The raw state, with the tasks of its task files (if any) put back inline, and the files it named. */
export interface RawStateRead {
  readonly raw: unknown;
  /** The task files state.json named, in order, with how many tasks each held. */
  readonly taskFiles: readonly TaskFile[];
}

/** A task file and how many tasks it holds. */
export interface TaskFile {
  readonly name: string;
  readonly count: number;
}

/** Reads of state.json that a writer's replacements may send back to the start, at most. */
const MAX_READ_ROUNDS = 1000;

/**
 * Reads state.json and the task files it names, as one raw object with `tasks` inline (not
 * validated). A writer may replace state.json and delete the files it named while this reads:
 * a missing task file means a newer state.json, which is read again. ENOENT of state.json itself
 * is thrown as it is (callers say "no store").
 */
export async function readRawState(file: string): Promise<RawStateRead> {
  let text = await readFile(file, 'utf8');
  for (let round = 1; ; round++) {
    const raw = parseJson(text, file);
    const names = (raw as Record<string, unknown> | null)?.[TASK_FILES_KEY];
    if (names === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw))
      return { raw, taskFiles: [] };
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && TASK_FILE.test(n)))
      throw damaged(file, `"${TASK_FILES_KEY}" must list task file names`);
    const dir = taskFilesDir(file);
    const tasks: unknown[] = [];
    const files: TaskFile[] = [];
    try {
      for (const name of names as string[]) {
        const part = path.join(dir, name);
        const list = parseJson(await readFile(part, 'utf8'), part);
        if (!Array.isArray(list)) throw damaged(part, 'expected a JSON array of tasks');
        for (const task of list) tasks.push(task);
        files.push({ name, count: list.length });
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Damaged only if state.json still names the missing file. A busy writer may replace it
      // again and again while this reads (five tries in a row lost to 30 quick writes on a loaded
      // machine, and a reader was told the store was damaged): each new state.json is read anew.
      const again = await readFile(file, 'utf8');
      if (again !== text && round < MAX_READ_ROUNDS) {
        text = again;
        continue;
      }
      throw damaged(file, `a task file it names is missing (${errorMessage(error)})`, error);
    }
    const { [TASK_FILES_KEY]: _named, ...head } = raw as Record<string, unknown>;
    return { raw: { ...head, tasks }, taskFiles: files };
  }
}

/** The state as one self-contained text with its tasks inline (backups): what a v1 file looked like. */
export function inlineStateText(raw: Record<string, unknown>): string {
  const { tasks, ...head } = raw;
  const lines = (Array.isArray(tasks) ? tasks : []).map((task) => JSON.stringify(task));
  return stateFileText(head, 'tasks', tasksArrayText(lines));
}

/**
 * Deletes task files (and their temps) that `keep` does not name and whose writer is dead: a killed
 * write's new files, or the old files of a write killed before it deleted them. A live writer's
 * files are left alone, so running this beside an engine is safe.
 */
export async function sweepTaskFiles(state: string, keep: readonly string[]): Promise<void> {
  const dir = taskFilesDir(state);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const kept = new Set(keep);
  for (const name of names) {
    const pid = Number(TASK_FILE.exec(name)?.[1]);
    if (kept.has(name) || !Number.isInteger(pid) || pid <= 0) continue;
    if (!isPidAlive(pid)) await unlink(path.join(dir, name)).catch(() => undefined);
  }
}
