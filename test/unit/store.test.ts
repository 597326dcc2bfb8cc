import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../source/errors.js';
import { projectPaths, type ProjectPaths } from '../../source/paths.js';
import { backupState, MAX_BACKUPS_KEPT } from '../../source/store/backup.js';
import { MIGRATIONS, migrateState, type Migration } from '../../source/store/migrations.js';
import { STATE_VERSION, stateSchema, type State } from '../../source/store/schema.js';
import { newState, Store } from '../../source/store/store.js';
import { readStatusSummary } from '../../source/store/status-summary.js';
import { readRawState, taskFilesDir } from '../../source/store/task-files.js';
import type { Task } from '../../source/tasks/model.js';
import { waitFor } from '../support/wait.js';

function task(id: string, extra: Partial<Task> = {}): Task {
  const at = '2024-01-01T00:00:00.000Z';
  return {
    id,
    title: `task ${id}`,
    description: '',
    priority: 0,
    steps: [],
    dependsOn: [],
    docs: [],
    status: 'pending',
    verification: { pathPatterns: [], commands: [], env: {} },
    completion: { kind: 'boolean' },
    execution: { strategy: 'single_pass' },
    attempts: [],
    notes: '',
    learning: [],
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
}

/** The backups in `dir`, newest first (names start with the ISO time). */
async function backupFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((name) => /^state-.*\.json$/.test(name))
    .sort()
    .reverse()
    .map((name) => path.join(dir, name));
}

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

let root: string;
let paths: ProjectPaths;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nightshift-store-'));
  paths = projectPaths(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('Store.open', () => {
  it('refuses a missing store unless asked to create one', async () => {
    const error = await rejection(Store.open(root));
    expect(error.message).toContain(paths.state);
    expect(error.hint).toContain('nightshift init');
  });

  it('creates a new state on disk with the project name', async () => {
    const store = await Store.open(root, { create: true, project: 'demo' });
    expect(store.state).toEqual(newState('demo'));
    const onDisk = JSON.parse(await readFile(paths.state, 'utf8')) as State;
    expect(onDisk.version).toBe(STATE_VERSION);
    expect(onDisk.project).toBe('demo');
    await store.close();
    const named = await Store.open(path.join(root, 'sub'), { create: true });
    expect(named.state.project).toBe('sub');
  });

  it('reports invalid JSON with the file name and never overwrites it', async () => {
    await mkdir(paths.dir, { recursive: true });
    const bytes = '{"version": 1, "project": "x", "tasks": [';
    await writeFile(paths.state, bytes);
    const error = await rejection(Store.open(root, { create: true }));
    expect(error.message).toMatch(
      new RegExp(`^${paths.state.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged: not valid JSON`),
    );
    expect(error.hint).toContain('left untouched');
    expect(await readFile(paths.state, 'utf8')).toBe(bytes);
  });

  it('reports schema errors with the path inside the file and never overwrites it', async () => {
    await mkdir(paths.dir, { recursive: true });
    const bytes = JSON.stringify({
      version: 1,
      project: 'x',
      tasks: [task('a'), { ...task('b'), status: 'finished' }],
    });
    await writeFile(paths.state, bytes);
    const error = await rejection(Store.open(root, { create: true }));
    expect(error.message).toContain(paths.state);
    expect(error.message).toContain('tasks[1].status');
    expect(await readFile(paths.state, 'utf8')).toBe(bytes);
  });

  it('refuses a file written by a newer nightshift and leaves it alone', async () => {
    await mkdir(paths.dir, { recursive: true });
    const bytes = JSON.stringify({ version: STATE_VERSION + 1, project: 'x', tasks: [], future: true });
    await writeFile(paths.state, bytes);
    const error = await rejection(Store.open(root, { create: true }));
    expect(error.message).toContain(paths.state);
    expect(error.message).toContain('written by a newer nightshift');
    expect(error.message).toContain('upgrade');
    expect(await readFile(paths.state, 'utf8')).toBe(bytes);
    expect(await readdir(paths.dir)).toEqual(['state.json']);
  });

  it('rejects a file whose version is missing', async () => {
    await mkdir(paths.dir, { recursive: true });
    await writeFile(paths.state, JSON.stringify({ project: 'x' }));
    const error = await rejection(Store.open(root));
    expect(error.message).toContain(`${paths.state}: "version" must be a non-negative integer`);
  });
});

describe('migrations', () => {
  const v0 = {
    version: 0,
    project: 'old',
    tasks: [
      { id: 'a', title: 'A', depends_on: [], created_at: '2023-01-01T00:00:00.000Z' },
      {
        id: 'b',
        title: 'B',
        depends_on: ['a'],
        created_at: '2023-01-02T00:00:00.000Z',
        updated_at: '2023-01-03T00:00:00.000Z',
      },
    ],
  };

  it('migrates a v0 file in memory, and backs it up before the first write', async () => {
    await mkdir(paths.dir, { recursive: true });
    const bytes = JSON.stringify(v0);
    await writeFile(paths.state, bytes);
    const store = await Store.open(root);
    expect(store.state.version).toBe(STATE_VERSION);
    expect(store.state.tasks.map((t) => [t.id, t.dependsOn, t.createdAt, t.updatedAt])).toEqual([
      ['a', [], '2023-01-01T00:00:00.000Z', '2023-01-01T00:00:00.000Z'],
      ['b', ['a'], '2023-01-02T00:00:00.000Z', '2023-01-03T00:00:00.000Z'],
    ]);
    // Opening alone (e.g. `status`) must not rewrite the file.
    expect(await readFile(paths.state, 'utf8')).toBe(bytes);
    store.update((state) => {
      state.project = 'new';
    });
    await store.close();
    const backups = await backupFiles(paths.backups);
    expect(backups).toHaveLength(1);
    expect(path.basename(backups[0] ?? '')).toMatch(
      /^state-\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z-pre-migration-v0\.json$/,
    );
    expect(await readFile(backups[0] ?? '', 'utf8')).toBe(bytes);
    const onDisk = stateSchema.parse(JSON.parse(await readFile(paths.state, 'utf8')));
    expect(onDisk.version).toBe(STATE_VERSION);
    expect(onDisk.project).toBe('new');
  });

  it('is pure and applies steps in order up to the target', () => {
    const input = structuredClone(v0);
    const result = migrateState(input, 'f.json');
    expect(input).toEqual(v0);
    expect(result.from).toBe(0);
    expect(result.applied).toEqual(MIGRATIONS.map((m) => m.description));
    const steps: Migration[] = [
      { from: 0, description: 'add a', up: (s) => ({ ...s, a: 1 }) },
      { from: 1, description: 'add b', up: (s) => ({ ...s, b: 2 }) },
    ];
    expect(migrateState({ version: 0 }, 'f.json', steps, 2)).toEqual({
      state: { version: 2, a: 1, b: 2 },
      from: 0,
      applied: ['add a', 'add b'],
    });
    expect(migrateState({ version: 1 }, 'f.json', steps, 2).applied).toEqual(['add b']);
  });

  it('names the file and the missing step when a migration is missing', () => {
    expect(() => migrateState({ version: 0 }, 'f.json', [], 1)).toThrow(
      /f\.json: no migration from state version 0 to 1/,
    );
  });
});

describe('writes', () => {
  it('applies updates at once and coalesces a burst into one write', async () => {
    const store = await Store.open(root, { create: true });
    const before = store.writeCount;
    for (let i = 0; i < 1000; i++) {
      store.update((state) => {
        state.tasks.push(task(`t${i}`));
      });
    }
    expect(store.state.tasks).toHaveLength(1000);
    await waitFor(() => store.writeCount > before && !store.dirty, 'the first write', 5000);
    expect(store.writeCount - before).toBe(1);
    const onDisk = (await readRawState(paths.state)).raw as State;
    expect(onDisk.tasks).toHaveLength(1000);
    await store.close();
  });

  it('coalesces a burst of updates into one or two writes that hold all of them', async () => {
    const store = await Store.open(root, { create: true });
    const before = store.writeCount;
    const updates = 200;
    // Updates made before the store gets a turn of the event loop: no write can start in between.
    for (let index = 0; index < updates; index += 1) {
      store.update((state) => {
        state.learning.push({ at: new Date().toISOString(), text: `u${index}` });
      });
    }
    await store.flush();
    expect(store.writeCount - before).toBeGreaterThanOrEqual(1);
    expect(store.writeCount - before).toBeLessThanOrEqual(2);
    const onDisk = JSON.parse(await readFile(paths.state, 'utf8')) as State;
    expect(onDisk.learning).toHaveLength(updates);
    await store.close();
  });

  it('sends the first write of a quiet period out promptly', async () => {
    const store = await Store.open(root, { create: true });
    const before = store.writeCount;
    store.update((state) => {
      state.project = 'prompt';
    });
    // No flush and no further update: the write goes out on its own.
    await waitFor(() => store.writeCount > before && !store.dirty, 'the write', 5000);
    await store.close();
  });

  it('flush writes now; close refuses later updates', async () => {
    const store = await Store.open(root, { create: true });
    store.update((state) => {
      state.tasks.push(task('a'));
    });
    await store.flush();
    expect((JSON.parse(await readFile(paths.state, 'utf8')) as State).tasks).toHaveLength(1);
    await store.close();
    expect(() => store.update(() => undefined)).toThrow(/after close/);
  });

  it('refuses to write a state the next open would reject, keeping the file', async () => {
    const errors: Error[] = [];
    const store = await Store.open(root, { create: true, onWriteError: (e) => errors.push(e) });
    const bytes = await readFile(paths.state, 'utf8');
    store.update((state) => {
      state.tasks.push({ ...task('a'), status: 'bogus' as Task['status'] });
    });
    await expect(store.flush()).rejects.toThrow(/refusing to write an invalid state .*tasks\[0\]\.status/);
    expect(errors).toHaveLength(1);
    expect(await readFile(paths.state, 'utf8')).toBe(bytes);
    store.update((state) => {
      state.tasks = [];
    });
    await store.close();
  });
});

describe('write cost follows what changed', () => {
  async function storeOf(count: number): Promise<Store> {
    const store = await Store.open(root, { create: true, project: 'big' });
    store.update((state) => {
      for (let i = 0; i < count; i++) state.tasks.push(task(`t${i}`));
    });
    await store.flush();
    return store;
  }

  it('checks and serialises only the task updateTask changed; the file holds the whole state', async () => {
    const store = await storeOf(300);
    expect(store.lastTasksWritten).toBe(300);
    const before = store.state.tasks[7];
    const changed = store.updateTask('t7', (t) => {
      t.status = 'done';
      t.notes = 'finished';
    });
    // A changed copy: what was handed out before stays as it was.
    expect(changed).not.toBe(before);
    expect(before?.status).toBe('pending');
    store.updateMeta((state) => {
      state.learning.push({ at: '2024-01-01T00:00:00.000Z', text: 'a lesson' });
    });
    await store.flush();
    expect(store.lastTasksWritten).toBe(1);
    const onDisk = JSON.parse(await readFile(paths.state, 'utf8')) as State;
    expect(onDisk).toEqual(store.state);
    expect(onDisk.tasks[7]).toMatchObject({ id: 't7', status: 'done', notes: 'finished' });
    expect(onDisk.learning).toHaveLength(1);
    // One task per line.
    expect(
      (await readFile(paths.state, 'utf8')).split('\n').filter((l) => l.startsWith('{"id":"t')),
    ).toHaveLength(300);
    // A later open reads it back and validates it whole.
    await store.close();
    expect((await Store.open(root)).state).toEqual(onDisk);
  });

  it('checks every task again after update (which may change tasks in place)', async () => {
    const store = await storeOf(50);
    store.update((state) => {
      const first = state.tasks[0];
      if (first) first.priority = 3;
    });
    await store.flush();
    expect(store.lastTasksWritten).toBe(50);
    expect((JSON.parse(await readFile(paths.state, 'utf8')) as State).tasks[0]?.priority).toBe(3);
    await store.close();
  });

  it('refuses an invalid change made with updateTask, keeping the file', async () => {
    const errors: Error[] = [];
    const store = await Store.open(root, { create: true, onWriteError: (e) => errors.push(e) });
    store.update((state) => {
      state.tasks.push(task('a'), task('b'));
    });
    await store.flush();
    const bytes = await readFile(paths.state, 'utf8');
    store.updateTask('b', (t) => {
      t.status = 'bogus' as Task['status'];
    });
    await expect(store.flush()).rejects.toThrow(/refusing to write an invalid state .*tasks\[1\]\.status/);
    expect(await readFile(paths.state, 'utf8')).toBe(bytes);
    store.updateTask('b', (t) => {
      t.status = 'pending';
    });
    await store.close();
    expect(errors).toHaveLength(1);
  });

  it('leaves a summary for status, used only while state.json is the file it was made from', async () => {
    const store = await storeOf(10);
    store.updateTask('t1', (t) => {
      t.status = 'done';
    });
    store.updateMeta((state) => {
      state.runs.push({
        id: 'r1',
        startedAt: '2024-01-01T00:00:00.000Z',
        backend: 'sim',
        parallel: 1,
        tasksDone: 1,
        attempts: 1,
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
      });
    });
    await store.close();
    expect(readStatusSummary(paths)).toEqual({
      project: 'big',
      counts: { pending: 9, done: 1 },
      total: 10,
      lastRun: expect.objectContaining({ id: 'r1', tasksDone: 1 }) as unknown,
    });
    // Restored from elsewhere (a backup, an edit): the summary no longer describes it.
    const text = await readFile(paths.state, 'utf8');
    await writeFile(paths.state, text.replace('"done"', '"blocked"'));
    expect(readStatusSummary(paths)).toBeUndefined();
  });

  it("sweeps a summary temp a killed writer left, and keeps a live writer's", async () => {
    await (await storeOf(3)).close();
    // A pid no process has (above the kernel's pid_max), and this test's own, which is alive.
    const dead = path.join(paths.dir, '.status.json.4194305.1.tmp');
    const live = path.join(paths.dir, `.status.json.${process.pid}.99.tmp`);
    await writeFile(dead, '{"half":');
    await writeFile(live, '{"half":');
    await (await Store.open(root)).close();
    const names = await readdir(paths.dir);
    expect(names).not.toContain(path.basename(dead));
    expect(names).toContain(path.basename(live));
    await rm(live);
  });
});

describe('backups', () => {
  it('copies state.json under a timestamped name with the reason', async () => {
    const store = await Store.open(root, { create: true });
    store.update((state) => {
      state.tasks.push(task('a'));
    });
    const file = await store.backup('Task Reset!');
    expect(path.dirname(file)).toBe(paths.backups);
    expect(path.basename(file)).toMatch(/^state-\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z-task-reset\.json$/);
    expect((JSON.parse(await readFile(file, 'utf8')) as State).tasks).toHaveLength(1);
    await store.close();
  });

  it(`keeps the newest ${MAX_BACKUPS_KEPT}`, async () => {
    const store = await Store.open(root, { create: true });
    await store.close();
    await mkdir(paths.backups, { recursive: true });
    // Old backups from an earlier day, then fresh ones: the old ones go first.
    for (let i = 0; i < 10; i++)
      await writeFile(path.join(paths.backups, `state-2000-01-01T0000${i}0.000Z-old.json`), '{}');
    const made: string[] = [];
    for (let i = 0; i < MAX_BACKUPS_KEPT; i++) made.push(await backupState(paths, 'x'));
    const kept = await backupFiles(paths.backups);
    expect(kept).toHaveLength(MAX_BACKUPS_KEPT);
    expect(new Set(kept)).toEqual(new Set(made));
  });

  it('names the missing file', async () => {
    const error = await rejection(backupState(paths, 'x'));
    expect(error.message).toContain(paths.state);
  });
});

describe('atomicity under SIGKILL', () => {
  let bundleDir: string;
  let childScript: string;
  beforeAll(async () => {
    // Bundle the TypeScript child so it runs on plain node, exactly as the product would.
    bundleDir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-child-'));
    childScript = path.join(bundleDir, 'store-writer-child.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('../support/store-writer-child.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: childScript,
      logLevel: 'silent',
    });
  });
  afterAll(async () => {
    await rm(bundleDir, { recursive: true, force: true });
  });

  function startWriter(): { child: ChildProcess; writes: () => number; exited: Promise<void> } {
    const child = spawn(process.execPath, [childScript, root, '600'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let writes = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      writes += (chunk.toString().match(/wrote \d+/g) ?? []).length;
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, writes: () => writes, exited };
  }

  const temps = async (): Promise<string[]> =>
    [
      ...(await readdir(paths.dir).catch(() => [] as string[])),
      ...(await readdir(taskFilesDir(paths.state)).catch(() => [] as string[])),
    ].filter((name) => name.endsWith('.tmp'));

  it('never leaves a half-written state.json', async () => {
    let midWriteKills = 0;
    // The store exists before the first kill, as it does for every engine (init created it).
    await (await Store.open(root, { create: true, project: 'crash-test' })).close();
    // Even rounds: kill as soon as a temp file appears (mid-write). Odd rounds: kill after N writes.
    for (let round = 0; round < 8; round++) {
      const writer = startWriter();
      const target = round + 1;
      if (round % 2 === 0) {
        await waitFor(
          async () => (await temps()).some((name) => name.includes(`.${writer.child.pid}.`)),
          'a temp file',
          20_000,
        );
      } else {
        await waitFor(() => writer.writes() >= target, `${target} writes`, 20_000);
      }
      writer.child.kill('SIGKILL');
      await writer.exited;
      if ((await temps()).some((name) => name.includes(`.${writer.child.pid}.`))) midWriteKills += 1;
      // The 600 tasks are in task files (task-files.ts): state.json and the files it names agree.
      const read = await readRawState(paths.state);
      const state = stateSchema.parse(read.raw);
      expect(state.project).toBe('crash-test');
      expect(state.tasks.length === 0 || state.tasks.length === 600).toBe(true);
      // Opening sweeps the dead writer's temp files and accepts the file.
      const store = await Store.open(root);
      expect(store.state.tasks).toHaveLength(state.tasks.length);
      expect(await temps()).toEqual([]);
      // ...and sweeps the task files nothing names (a killed write's new ones, or its old ones).
      const files = await readdir(taskFilesDir(paths.state)).catch(() => [] as string[]);
      expect(files.sort()).toEqual(read.taskFiles.map((file) => file.name).sort());
    }
    expect(midWriteKills).toBeGreaterThan(0);
  });
});
