/**
 * The lowdb adapter of `.nightshift/state.json`: each write puts the changed task files on disk
 * first (task-files.ts), then replaces state.json naming them, then deletes the task files nothing
 * names any more. Every file is replaced atomically and durably (writeFileAtomic), and state.json
 * last, so a process killed at any instant leaves a state that opens: the old one or the new one.
 */
import { mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';
import type { State } from './schema.js';
import { StateText, type StateWrite } from './state-text.js';
import { taskFilesDir, type TaskFile } from './task-files.js';
import { syncDirectory, writeFileAtomic } from './atomic-file.js';

export class StateFile implements Adapter<State> {
  readonly file: string;
  readonly text = new StateText();
  readonly #check: (render: () => StateWrite) => StateWrite;
  /** Task files the state.json on disk names. */
  #onDisk: readonly string[] = [];
  #writes = 0;

  /** `check` wraps each render (the Store turns a schema failure into its refusal). */
  constructor(file: string, check: (render: () => StateWrite) => StateWrite) {
    this.file = file;
    this.#check = check;
  }

  /** Writes completed so far (tests count them to prove coalescing). */
  get writes(): number {
    return this.#writes;
  }

  /** Takes the task files of the state.json just read as what is on disk (see StateText.adopt). */
  adopt(state: State, files: readonly TaskFile[]): void {
    this.text.adopt(state.tasks, files);
    this.#onDisk = files.map((file) => file.name);
  }

  /** Not used for loading: the Store reads, validates and migrates before lowdb holds the data. */
  async read(): Promise<State | null> {
    return Promise.resolve(null);
  }

  async write(data: State): Promise<void> {
    const write = this.#check(() => this.text.render(data));
    const dir = taskFilesDir(this.file);
    if (write.files.length > 0) await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const file of write.files)
      await writeFileAtomic(path.join(dir, file.name), file.text, { syncDir: false });
    // Their names durable before state.json names them: one folder sync for all of them.
    if (write.files.length > 0) await syncDirectory(dir);
    // The commit. Should it fail after its rename, the new files stay for the next open to sweep.
    await writeFileAtomic(this.file, write.head);
    this.text.committed(write);
    const named = new Set(write.named.map((file) => file.name));
    const obsolete = this.#onDisk.filter((name) => !named.has(name));
    this.#onDisk = [...named];
    this.#writes += 1;
    await Promise.all(obsolete.map((name) => unlink(path.join(dir, name)).catch(() => undefined)));
  }
}
