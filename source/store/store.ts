/**
 * The JSON store `.nightshift/state.json`, held in memory and written back through lowdb with an
 * atomic adapter. Reads are plain property access; writes mutate in memory at once and reach the
 * disk coalesced, at most about ten times a second, because an engine may update state on every
 * agent event and a 5 MB state rewritten per event would dominate its CPU and disk.
 *
 * What a write costs grows with what changed (state-text.ts): `updateTask` replaces one task by a
 * changed copy and only that task is checked and serialised again, and in a large queue only the
 * task file holding it is written again (task-files.ts, state-file.ts); `updateMeta` changes what
 * is outside the tasks; `replaceTasks` sets a new list in which unchanged tasks are the objects
 * the store already holds. `update` may change anything, so the next write checks and writes every
 * task again.
 * After each write a small summary (counts, last run) goes to `.nightshift/status.json` for
 * `nightshift status` (status-summary.ts).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import { UserError, errorMessage } from '../errors.js';
import { projectPaths, type ProjectPaths } from '../paths.js';
import { STATE_VERSION, stateSchema, type State } from './schema.js';
import type { Task } from '../tasks/model.js';
import { issuePath, type StateWrite } from './state-text.js';
import { statusSummaryPath, writeStatusSummary } from './status-summary.js';
import { migrateState, type RawState } from './migrations.js';
import { sweepStaleTemps } from './atomic-file.js';
import { StateFile } from './state-file.js';
import { readRawState, sweepTaskFiles, type RawStateRead } from './task-files.js';
import { backupState } from './backup.js';

/** Minimum time between the starts of two writes; ~10 writes per second at most. */
export const WRITE_INTERVAL_MS = 100;

/** How to open a store. */
export interface StoreOpenOptions {
  /** Create a new state when the file is missing (init); otherwise a missing file is a UserError. */
  readonly create?: boolean;
  /** Project name for a new state; defaults to the root folder's name. */
  readonly project?: string;
  /** Called when a background (coalesced) write fails; the error is also rethrown by `flush`. */
  readonly onWriteError?: (error: Error) => void;
}

/** A damaged file is reported and left exactly as it is, so the user can inspect or restore it. */
function corrupt(file: string, problem: string, cause?: unknown): UserError {
  return new UserError(`${file} is damaged: ${problem}`, {
    hint: 'the file was left untouched; restore a copy from .nightshift/backups/ or move it away and run `nightshift init`',
    cause,
  });
}

/** A fresh, empty state. */
export function newState(project: string): State {
  return stateSchema.parse({ version: STATE_VERSION, project });
}

/** Reads state.json and its task files; ENOENT of state.json is returned as undefined. */
export async function readState(file: string): Promise<RawStateRead | undefined> {
  try {
    return await readRawState(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot read ${file}: ${errorMessage(error)}`, { cause: error });
  }
}

/** Validates a state file's raw JSON (tasks inline), migrating older versions in memory. */
export function parseState(raw: unknown, file: string): { state: State; migratedFrom: number | undefined } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw corrupt(file, 'expected a JSON object at the top level');
  }
  const migrated = migrateState(raw as RawState, file);
  const result = stateSchema.safeParse(migrated.state);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((i) => `${issuePath(i.path)}: ${i.message}`);
    const more = result.error.issues.length > 5 ? ` (and ${result.error.issues.length - 5} more)` : '';
    throw corrupt(file, `${problems.join('; ')}${more}`, result.error);
  }
  return { state: result.data, migratedFrom: migrated.applied.length > 0 ? migrated.from : undefined };
}

/** The project's store; open with `Store.open`, always `close()` (or `flush()`) before exit. */
export class Store {
  /** Paths of the project this store belongs to. */
  readonly paths: ProjectPaths;
  readonly #db: Low<State>;
  readonly #adapter: StateFile;
  readonly #onWriteError: ((error: Error) => void) | undefined;
  /** Version the file had before an in-memory migration; backed up before the first write. */
  #migratedFrom: number | undefined;
  #dirty = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #lastWriteStart = -Infinity;
  #writeError: Error | undefined;

  private constructor(
    paths: ProjectPaths,
    state: State,
    migratedFrom: number | undefined,
    options: StoreOpenOptions,
  ) {
    this.paths = paths;
    this.#adapter = new StateFile(paths.state, (render) => this.#render(render));
    this.#db = new Low(this.#adapter, state);
    this.#migratedFrom = migratedFrom;
    this.#onWriteError = options.onWriteError;
  }

  /**
   * Opens `<root>/.nightshift/state.json`. A missing file is created only with `create`; a damaged
   * file, or one written by a newer nightshift, is a UserError and is never overwritten.
   */
  static async open(root: string, options: StoreOpenOptions = {}): Promise<Store> {
    const paths = projectPaths(root);
    const read = await readState(paths.state);
    if (read === undefined) {
      if (options.create !== true) {
        throw new UserError(`no store at ${paths.state}`, {
          hint: 'run `nightshift init` in the project root first',
        });
      }
      await mkdir(paths.dir, { recursive: true, mode: 0o700 });
      const store = new Store(
        paths,
        newState(options.project ?? path.basename(paths.root)),
        undefined,
        options,
      );
      store.#dirty = true;
      await store.flush();
      return store;
    }
    const { state, migratedFrom } = parseState(read.raw, paths.state);
    await sweepStaleTemps(paths.state);
    await sweepStaleTemps(statusSummaryPath(paths));
    await sweepTaskFiles(
      paths.state,
      read.taskFiles.map((file) => file.name),
    );
    const store = new Store(paths, state, migratedFrom, options);
    store.#adapter.adopt(state, read.taskFiles);
    return store;
  }

  /** The current state. Treat it as read-only: change it only inside `update`. */
  get state(): Readonly<State> {
    return this.#db.data;
  }

  /** Writes that reached the disk so far (for tests and diagnostics). */
  get writeCount(): number {
    return this.#adapter.writes;
  }

  /** Tasks checked and serialised again by the last write (the others were reused). */
  get lastTasksWritten(): number {
    return this.#adapter.text.lastRendered;
  }

  /** Whether there are changes not yet on disk. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /**
   * Applies `mutator` to the state in memory, synchronously, and schedules a coalesced write.
   * The mutator runs on the live state: validate inputs before changing anything, since a throw
   * halfway leaves the half-made change in memory (it is still written only if valid).
   */
  update(mutator: (draft: State) => void): void {
    if (this.#closed) throw new Error('Store.update after close()');
    // Tasks may have been changed in place: check and serialise them all on the next write.
    this.#adapter.text.forgetTasks();
    mutator(this.#db.data);
    this.#dirty = true;
    this.#schedule();
  }

  /**
   * Replaces task `id` by a changed copy (snapshots of it already handed out stay as they were) and
   * schedules a write in which only this task is checked and serialised again. Returns the new
   * task, or undefined when there is no such task.
   */
  updateTask(id: string, mutate: (task: Task) => void): Task | undefined {
    if (this.#closed) throw new Error('Store.updateTask after close()');
    const tasks = this.#db.data.tasks;
    const index = tasks.findIndex((t) => t.id === id);
    const current = tasks[index];
    if (!current) return undefined;
    const next = structuredClone(current);
    mutate(next);
    tasks[index] = next;
    this.#dirty = true;
    this.#schedule();
    return next;
  }

  /**
   * Replaces the task list by `tasks`. Tasks that are the very objects the store holds keep their
   * checked texts (and the files holding only them are not written again); the others are checked
   * and serialised on the next write. The store's own task objects must not have been changed in
   * place: pass changed copies (as a write applied to a draft gives).
   */
  replaceTasks(tasks: Task[]): void {
    if (this.#closed) throw new Error('Store.replaceTasks after close()');
    this.#db.data.tasks = tasks;
    this.#dirty = true;
    this.#schedule();
  }

  /**
   * Changes what is outside the tasks (runs, learning, epics, plan). The mutator must not touch
   * `tasks`: their kept texts are reused by the next write (use `update` or `updateTask` for them).
   */
  updateMeta(mutator: (draft: Omit<State, 'tasks'>) => void): void {
    if (this.#closed) throw new Error('Store.updateMeta after close()');
    mutator(this.#db.data);
    this.#dirty = true;
    this.#schedule();
  }

  /** Writes pending changes now and resolves when they are on disk. */
  async flush(): Promise<void> {
    this.#clearTimer();
    while (this.#inFlight !== undefined) {
      await this.#inFlight.catch(() => undefined);
      // The finished write may have scheduled a follow-up; this flush does it now instead.
      this.#clearTimer();
    }
    if (this.#dirty) await this.#startWrite().catch(() => undefined);
    const error = this.#writeError;
    if (error !== undefined) {
      this.#writeError = undefined;
      throw error;
    }
  }

  /** Flushes and refuses further updates. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  /** Flushes, then copies state.json to `.nightshift/backups/` (see `backupState`); returns its path. */
  async backup(reason: string): Promise<string> {
    await this.flush();
    return backupState(this.paths, reason);
  }

  /**
   * First write of a quiet period goes out on the next tick (so a burst of synchronous updates
   * is one write); later ones wait until WRITE_INTERVAL_MS after the previous write started.
   */
  #schedule(): void {
    if (this.#timer !== undefined || this.#inFlight !== undefined) return;
    const wait = Math.max(0, this.#lastWriteStart + WRITE_INTERVAL_MS - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#inFlight === undefined) this.#startWrite().catch(() => undefined);
    }, wait);
    // A pending write must not keep a CLI alive by itself; callers flush before exiting.
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #startWrite(): Promise<void> {
    this.#lastWriteStart = performance.now();
    this.#dirty = false;
    const write = this.#write().then(
      () => {
        this.#inFlight = undefined;
        this.#writeError = undefined;
        if (this.#dirty && !this.#closed) this.#schedule();
      },
      (error: unknown) => {
        this.#inFlight = undefined;
        // Keep the changes marked dirty so the next flush retries them.
        this.#dirty = true;
        const failure = error instanceof Error ? error : new Error(String(error));
        this.#writeError = failure;
        this.#onWriteError?.(failure);
        throw failure;
      },
    );
    this.#inFlight = write;
    return write;
  }

  /** The file's text; never a state the next open would reject as damaged (that would brick the project). */
  #render(render: () => StateWrite): StateWrite {
    try {
      return render();
    } catch (error) {
      // The kept texts of the tasks checked before the bad one are still right; the bad one is not kept.
      throw new Error(`refusing to write an invalid state to ${this.paths.state}: ${errorMessage(error)}`);
    }
  }

  async #write(): Promise<void> {
    if (this.#migratedFrom !== undefined) {
      // Check before taking the backup, as the write itself does.
      this.#render(() => this.#adapter.text.render(this.#db.data));
      await backupState(this.paths, `pre-migration-v${this.#migratedFrom}`);
      this.#migratedFrom = undefined;
    }
    await this.#db.write();
    await writeStatusSummary(this.paths, this.#db.data);
  }
}
