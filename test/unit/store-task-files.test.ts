// A large queue's tasks in task files beside state.json (store/task-files.ts): a write of one task
// rewrites the one file holding it, backups stay one self-contained file, readers see the whole
// queue while a writer replaces files, and a v1 store migrates with a backup.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../source/errors.js';
import { projectPaths, type ProjectPaths } from '../../source/paths.js';
import { STATE_VERSION, type State } from '../../source/store/schema.js';
import { Store } from '../../source/store/store.js';
import { applyTaskWriteToStore } from '../../source/store/apply-task-write.js';
import { readStateForDisplay } from '../../source/store/read-state.js';
import {
  INLINE_TASKS_MAX,
  TASKS_PER_FILE,
  readRawState,
  taskFilesDir,
} from '../../source/store/task-files.js';
import { addTasks } from '../../source/tasks/queue.js';

const QUEUE = 2_000;

let root: string;
let paths: ProjectPaths;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nightshift-task-files-'));
  paths = projectPaths(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A store with `count` tasks t0…, written to disk. */
async function storeWith(count: number): Promise<Store> {
  const store = await Store.open(root, { create: true, project: 'big' });
  store.update((state) => {
    const inputs = Array.from({ length: count }, (_, i) => ({
      id: `t${i}`,
      title: `Task ${i}`,
      steps: [`do ${i}`],
      verification: { commands: [`test -f f${i}`] },
    }));
    addTasks(state, inputs, { now: () => '2026-01-01T00:00:00.000Z' });
  });
  await store.flush();
  return store;
}

/** The task files on disk, with their modification times. */
async function taskFiles(): Promise<Map<string, number>> {
  const dir = taskFilesDir(paths.state);
  const names = await readdir(dir).catch(() => [] as string[]);
  const out = new Map<string, number>();
  for (const name of names) out.set(name, (await stat(path.join(dir, name))).mtimeMs);
  return out;
}

describe('a large queue in task files', () => {
  it('rewrites only the file holding the task updateTask changed, and reads back whole', async () => {
    const store = await storeWith(QUEUE);
    const before = await taskFiles();
    expect(before.size).toBe(QUEUE / TASKS_PER_FILE);
    const head = JSON.parse(await readFile(paths.state, 'utf8')) as Record<string, unknown>;
    expect(head['tasks']).toBeUndefined();
    expect(head['taskFiles']).toEqual([...before.keys()].sort());

    store.updateTask('t1234', (task) => {
      task.notes = 'changed';
    });
    await store.flush();
    const after = await taskFiles();
    const added = [...after.keys()].filter((name) => !before.has(name));
    const removed = [...before.keys()].filter((name) => !after.has(name));
    expect(added).toHaveLength(1);
    expect(removed).toHaveLength(1);
    expect(added[0]).toMatch(/^tasks-001200\./);
    // The other files were not written again.
    for (const [name, mtime] of after) if (name !== added[0]) expect(mtime).toBe(before.get(name));
    expect(store.lastTasksWritten).toBe(1);
    await store.close();

    const reopened = await Store.open(root);
    expect(reopened.state.tasks).toHaveLength(QUEUE);
    expect(reopened.state.tasks.map((t) => t.id)).toEqual(Array.from({ length: QUEUE }, (_, i) => `t${i}`));
    expect(reopened.state.tasks[1234]?.notes).toBe('changed');
    // A write after reopening still rewrites only what changed.
    reopened.updateTask('t5', (task) => {
      task.notes = 'again';
    });
    await reopened.flush();
    const third = await taskFiles();
    expect([...third.keys()].filter((name) => !after.has(name))).toHaveLength(1);
    await reopened.close();
    expect((await readStateForDisplay(root)).tasks[5]?.notes).toBe('again');
  });

  it('a queue write (task add, task learn) rewrites only the file it changed', async () => {
    const store = await storeWith(QUEUE);
    const before = await taskFiles();
    await applyTaskWriteToStore(store, { op: 'learn', taskId: 't1500', text: 'use the fast path' });
    await store.flush();
    const afterLearn = await taskFiles();
    const learned = [...afterLearn.keys()].filter((name) => !before.has(name));
    expect(learned).toEqual([expect.stringMatching(/^tasks-001400\./)]);
    expect(store.lastTasksWritten).toBe(1);

    await applyTaskWriteToStore(store, {
      op: 'add',
      tasks: [{ id: 'extra', title: 'One more', steps: ['do it'], verification: { commands: ['true'] } }],
    });
    await store.flush();
    const afterAdd = await taskFiles();
    // The new task goes into a new last file; every earlier file is the same file, untouched.
    const added = [...afterAdd.keys()].filter((name) => !afterLearn.has(name));
    expect(added).toHaveLength(1);
    for (const [name, mtime] of afterAdd) if (!added.includes(name)) expect(mtime).toBe(afterLearn.get(name));
    expect(store.lastTasksWritten).toBe(1);
    await store.close();
    const reopened = await readStateForDisplay(root);
    expect(reopened.tasks).toHaveLength(QUEUE + 1);
    expect(reopened.tasks.at(-1)?.id).toBe('extra');
  });

  it('keeps a small queue inline, and deletes the task files once the queue shrinks to it', async () => {
    const store = await storeWith(INLINE_TASKS_MAX + 1);
    expect((await taskFiles()).size).toBeGreaterThan(0);
    store.update((state) => {
      state.tasks = state.tasks.slice(0, 10);
    });
    await store.close();
    const onDisk = JSON.parse(await readFile(paths.state, 'utf8')) as State;
    expect(onDisk.tasks).toHaveLength(10);
    expect((await taskFiles()).size).toBe(0);
  });

  it('backs up into one file with every task inline, which restores by copying it over state.json', async () => {
    const store = await storeWith(QUEUE);
    const backup = await store.backup('test');
    store.updateTask('t0', (task) => {
      task.notes = 'after the backup';
    });
    await store.close();
    const copy = JSON.parse(await readFile(backup, 'utf8')) as State;
    expect(copy.tasks).toHaveLength(QUEUE);
    expect(copy.tasks[0]?.notes).toBe('');
    await copyFile(backup, paths.state);
    const restored = await Store.open(root);
    expect(restored.state.tasks).toHaveLength(QUEUE);
    expect(restored.state.tasks[0]?.notes).toBe('');
    await restored.close();
  });

  it('gives readers the whole queue while a writer replaces task files', async () => {
    const store = await storeWith(QUEUE);
    let reads = 0;
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 30; i++) {
        store.updateTask(`t${(i * 397) % QUEUE}`, (task) => {
          task.notes = `write ${i}`;
        });
        await store.flush();
      }
      writing = false;
    })();
    while (writing) {
      const { raw } = await readRawState(paths.state);
      expect((raw as State).tasks).toHaveLength(QUEUE);
      reads += 1;
    }
    await writer;
    await store.close();
    expect(reads).toBeGreaterThan(0);
  });

  it('names state.json when a task file it names is missing, and leaves the files alone', async () => {
    const store = await storeWith(QUEUE);
    await store.close();
    const [first] = [...(await taskFiles()).keys()];
    await rm(path.join(taskFilesDir(paths.state), first ?? ''));
    const bytes = await readFile(paths.state, 'utf8');
    const error = await Store.open(root).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(`${paths.state} is damaged: a task file it names is missing`);
    expect(await readFile(paths.state, 'utf8')).toBe(bytes);
  });

  it('migrates a v1 store of a large queue: backed up as it was, then its tasks moved to task files', async () => {
    const tasks = (await storeWith(QUEUE)).state.tasks;
    await rm(paths.dir, { recursive: true, force: true });
    await mkdir(paths.dir, { recursive: true });
    const v1 = `${JSON.stringify({ version: 1, project: 'old', epics: [], tasks, runs: [], learning: [] })}\n`;
    await writeFile(paths.state, v1);
    const store = await Store.open(root);
    expect(store.state.version).toBe(STATE_VERSION);
    store.updateTask('t1', (task) => {
      task.notes = 'v2';
    });
    await store.close();
    const backups = await readdir(paths.backups);
    expect(backups).toEqual([expect.stringMatching(/pre-migration-v1\.json$/)]);
    expect(await readFile(path.join(paths.backups, backups[0] ?? ''), 'utf8')).toBe(v1);
    const { raw, taskFiles: named } = await readRawState(paths.state);
    expect((raw as State).version).toBe(STATE_VERSION);
    expect((raw as State).tasks).toHaveLength(QUEUE);
    expect(named).toHaveLength(QUEUE / TASKS_PER_FILE);
  });
});
