/**
 * Changing the queue with the built CLI: reset, retry, block, dep add/rm (backups, refusals that
 * write nothing), the single-writer lock (a live `cli` holder, a dead engine's lock), and a broken
 * nightshift.toml stopping every task command with the place to fix.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, tempGitRepo, type CliResult } from '../support/cli.js';

interface StoredTask {
  readonly id: string;
  readonly status: string;
  readonly blockReason?: string;
  readonly dependsOn: string[];
}

let template = '';

beforeAll(async () => {
  template = await tempGitRepo();
  expect((await runCli(['init', '--use', 'sim'], { cwd: template })).exitCode).toBe(0);
  // Three tasks: a done, b blocked (depends on a), c pending (depends on b).
  const plan = path.join(template, 'seed.json');
  const task = (id: string, more: object): object => ({
    id,
    title: `Title of ${id}`,
    steps: ['s'],
    verification: { validate_commands: ['true'] },
    ...more,
  });
  await writeFile(
    plan,
    JSON.stringify({
      tasks: [
        task('a', { status: 'done' }),
        task('b', { depends_on: ['a'], status: 'blocked', block_reason: 'flaky test' }),
        task('c', { depends_on: ['b'] }),
      ],
    }),
  );
  expect((await runCli(['task', 'import', plan], { cwd: template })).exitCode).toBe(0);
});

/** A copy of the seeded project. */
async function project(): Promise<string> {
  const dir = await tempDir('nightshift-project-');
  await cp(template, dir, { recursive: true });
  return dir;
}

function cli(dir: string, ...args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir });
}

const statePath = (dir: string): string => path.join(dir, '.nightshift', 'state.json');
const lockPath = (dir: string): string => path.join(dir, '.nightshift', 'engine.lock');
const backupsDir = (dir: string): string => path.join(dir, '.nightshift', 'backups');

async function tasks(dir: string): Promise<Record<string, StoredTask>> {
  const state = JSON.parse(await readFile(statePath(dir), 'utf8')) as { tasks: StoredTask[] };
  return Object.fromEntries(state.tasks.map((task) => [task.id, task]));
}

async function backups(dir: string): Promise<string[]> {
  return existsSync(backupsDir(dir)) ? (await readdir(backupsDir(dir))).sort() : [];
}

/** A write that must succeed and leave exactly one new backup holding the state from before. */
async function expectWriteWithBackup(
  dir: string,
  args: readonly string[],
  reason: string,
): Promise<CliResult> {
  const before = await readFile(statePath(dir));
  const backupsBefore = await backups(dir);
  const result = await cli(dir, ...args);
  expect(result.exitCode, result.stderr).toBe(0);
  const added = (await backups(dir)).filter((name) => !backupsBefore.includes(name));
  expect(added).toHaveLength(1);
  expect(added[0]).toMatch(new RegExp(`^state-.+-${reason}\\.json$`));
  expect(await readFile(path.join(backupsDir(dir), added[0] ?? ''))).toEqual(before);
  return result;
}

/** A write that must be refused: exit 1, stderr matching, state.json, backups and lock as before. */
async function expectRefused(dir: string, args: readonly string[], ...patterns: RegExp[]): Promise<string> {
  const before = await readFile(statePath(dir));
  const backupsBefore = await backups(dir);
  const result = await cli(dir, ...args);
  expect(result.exitCode, `${args.join(' ')}\n${result.stderr}`).toBe(1);
  for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(await readFile(statePath(dir))).toEqual(before);
  expect(await backups(dir)).toEqual(backupsBefore);
  return result.stderr;
}

describe('task reset and retry', () => {
  it('reset --ids puts the named tasks back to pending, keeps the rest, and backs up first', async () => {
    const dir = await project();
    const result = await expectWriteWithBackup(dir, ['task', 'reset', '--ids', 'a, b'], 'reset');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('reset 2 tasks to pending');
    expect(lines[1]).toMatch(new RegExp(`^backup: ${backupsDir(dir)}/state-.+-reset\\.json$`));
    const after = await tasks(dir);
    expect([after['a']?.status, after['b']?.status, after['c']?.status]).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    expect(after['b']?.blockReason).toBeUndefined();
  });

  it('reset without --ids resets every task', async () => {
    const dir = await project();
    const result = await expectWriteWithBackup(dir, ['task', 'reset'], 'reset');
    expect(result.stdout.split('\n')[0]).toBe('reset 3 tasks to pending');
  });

  it('retry puts blocked tasks back to pending (all, or --ids), with a backup', async () => {
    const dir = await project();
    const result = await expectWriteWithBackup(dir, ['task', 'retry', '--ids', 'b'], 'retry');
    expect(result.stdout.split('\n')[0]).toBe('1 task back to pending: b');
    expect((await tasks(dir))['b']).toMatchObject({ status: 'pending' });
    expect((await tasks(dir))['b']?.blockReason).toBeUndefined();
    // Nothing blocked any more.
    expect((await cli(dir, 'task', 'retry')).stdout.split('\n')[0]).toBe('no blocked tasks to retry');
  });

  it('refuses unknown ids and tasks that are not blocked, writing nothing', async () => {
    const dir = await project();
    await expectRefused(dir, ['task', 'reset', '--ids', 'a,zz'], /no task "zz"/);
    await expectRefused(dir, ['task', 'retry', '--ids', 'bb'], /no task "bb" \(did you mean "b"\?\)/);
    await expectRefused(
      dir,
      ['task', 'retry', '--ids', 'a'],
      /task "a" is done, not blocked; only blocked tasks can be retried/,
      /nightshift task reset --ids a/,
    );
    await expectRefused(dir, ['task', 'retry', '--ids', 'c'], /task "c" is pending, not blocked/);
  });
});

describe('task block', () => {
  it('blocks a task with the reason (words joined) and shows it', async () => {
    const dir = await project();
    const result = await expectWriteWithBackup(
      dir,
      ['task', 'block', 'c', 'needs', 'a', 'design', 'review'],
      'block',
    );
    expect(result.stdout).toBe('blocked c: needs a design review');
    expect((await tasks(dir))['c']).toMatchObject({
      status: 'blocked',
      blockReason: 'needs a design review',
    });
    expect((await cli(dir, 'task', 'show', 'c')).stdout.split('\n')[1]).toBe(
      'status: blocked (needs a design review)',
    );
  });

  it('refuses an unknown id, a done task and a blank reason', async () => {
    const dir = await project();
    await expectRefused(dir, ['task', 'block', 'x', 'why'], /no task "x"/);
    await expectRefused(dir, ['task', 'block', 'a', 'why'], /task "a" is done; reset it before blocking it/);
    await expectRefused(dir, ['task', 'block', 'c', '  '], /blocking task "c" needs a reason/);
  });
});

describe('task dep add / rm', () => {
  it('adds and removes a dependency, with a backup each time', async () => {
    const dir = await project();
    const added = await expectWriteWithBackup(dir, ['task', 'dep', 'add', 'c', 'a'], 'dep-add');
    expect(added.stdout).toBe('c now depends on a');
    expect((await tasks(dir))['c']?.dependsOn).toEqual(['b', 'a']);
    const removed = await expectWriteWithBackup(dir, ['task', 'dep', 'rm', 'c', 'b'], 'dep-rm');
    expect(removed.stdout).toBe('c no longer depends on b');
    expect((await tasks(dir))['c']?.dependsOn).toEqual(['a']);
  });

  it('refuses a cycle and prints it, and refuses self-dependencies, unknown ids and duplicates', async () => {
    const dir = await project();
    await expectRefused(
      dir,
      ['task', 'dep', 'add', 'a', 'c'],
      /^nightshift: making "a" depend on "c" would close a dependency cycle: a → c → b → a$/m,
    );
    await expectRefused(dir, ['task', 'dep', 'add', 'b', 'b'], /task "b" cannot depend on itself/);
    await expectRefused(dir, ['task', 'dep', 'add', 'zz', 'a'], /no task "zz"/);
    await expectRefused(dir, ['task', 'dep', 'add', 'c', 'zz'], /no task "zz"/);
    await expectRefused(dir, ['task', 'dep', 'add', 'c', 'b'], /task "c" already depends on "b"/);
    await expectRefused(
      dir,
      ['task', 'dep', 'rm', 'c', 'a'],
      /task "c" does not depend on "a"; it depends on "b"/,
    );
    await expectRefused(dir, ['task', 'dep', 'rm', 'zz', 'a'], /no task "zz"/);
  });
});

describe('the store lock', () => {
  it('takes over a dead engine’s lock with a warning, writes, and leaves no lock behind', async () => {
    const dir = await project();
    // A pid that certainly belonged to a process that has exited.
    const child = execa('sh', ['-c', 'exit 0']);
    const pid = child.pid ?? 0;
    await child;
    expect(pid).toBeGreaterThan(0);
    const info = {
      pid,
      socket: path.join(dir, '.nightshift', 'engine.sock'),
      startedAt: '2020-01-01T00:00:00.000Z',
      kind: 'engine',
      hostname: os.hostname(),
    };
    await writeFile(lockPath(dir), `${JSON.stringify(info)}\n`);
    const result = await cli(dir, 'task', 'block', 'c', 'later');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('blocked c: later');
    expect(result.stderr).toBe(
      `nightshift: warning: took over a stale lock: engine pid ${pid} (since 2020-01-01T00:00:00.000Z) is no longer running`,
    );
    expect((await tasks(dir))['c']?.status).toBe('blocked');
    expect(existsSync(lockPath(dir))).toBe(false);
  });

  it('takes over an unreadable lock file with a warning', async () => {
    const dir = await project();
    await writeFile(lockPath(dir), 'not json');
    const result = await cli(dir, 'task', 'dep', 'add', 'c', 'a');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/warning: replaced an unreadable lock file .*engine\.lock/);
  });

  it('waits for a live `cli` holder, then gives up with a clear message and writes nothing', async () => {
    const dir = await project();
    // This test process is alive and started before the lock's time: a live holder.
    const info = {
      pid: process.pid,
      socket: '',
      startedAt: new Date().toISOString(),
      kind: 'cli',
      hostname: os.hostname(),
    };
    await writeFile(lockPath(dir), JSON.stringify(info));
    const stderr = await expectRefused(
      dir,
      ['task', 'block', 'c', 'later'],
      new RegExp(
        `another nightshift command \\(pid ${process.pid} since ${info.startedAt}\\) is writing the store; lock ${lockPath(dir)}`,
      ),
      /try again in a moment; if no such process exists, delete the lock file/,
    );
    expect(stderr.split('\n')).toHaveLength(2);
    // The other holder's lock is left alone.
    expect(JSON.parse(await readFile(lockPath(dir), 'utf8'))).toEqual(info);
  });

  it('reads (list, show, next, export) while another process holds the lock', async () => {
    const dir = await project();
    const info = {
      pid: process.pid,
      socket: '',
      startedAt: new Date().toISOString(),
      kind: 'cli',
      hostname: os.hostname(),
    };
    await writeFile(lockPath(dir), JSON.stringify(info));
    const results = await Promise.all(
      [
        ['task', 'list', '--json'],
        ['task', 'show', 'a'],
        ['task', 'next'],
        ['task', 'export'],
      ].map((args) => cli(dir, ...args)),
    );
    for (const result of results) expect(result.exitCode, result.stderr).toBe(0);
  });
});

describe('a broken nightshift.toml', () => {
  const taskCommands: string[][] = [
    ['task', 'list'],
    ['task', 'show', 'a'],
    ['task', 'next'],
    ['task', 'export'],
    ['task', 'add', '--title', 'New', '--step', 's', '--verify', 'true'],
    ['task', 'reset'],
    ['task', 'retry'],
    ['task', 'block', 'c', 'why'],
    ['task', 'dep', 'add', 'c', 'a'],
    ['task', 'dep', 'rm', 'c', 'b'],
  ];

  it('a TOML syntax error stops every task command with file:line:column, writing nothing', async () => {
    const dir = await project();
    const config = path.join(dir, 'nightshift.toml');
    await writeFile(config, '[project]\nname = "x"\n\n[run\nparallel = 2\n');
    for (const args of taskCommands) {
      await expectRefused(
        dir,
        args,
        new RegExp(`^nightshift: ${config}:4:5: TOML syntax error: `),
        /fix the syntax at that line/,
      );
    }
    await expectRefused(
      dir,
      ['task', 'import', path.join(dir, 'seed.json'), '--replace'],
      new RegExp(`${config}:4:5: TOML syntax error`),
    );
  });

  it('a value of the wrong type names the file, line and key path', async () => {
    const dir = await project();
    const config = path.join(dir, 'nightshift.toml');
    await writeFile(config, '[run]\nmax_retries = 2\nparallel = "two"\n');
    for (const args of [taskCommands[0] ?? [], taskCommands[4] ?? []]) {
      await expectRefused(
        dir,
        args,
        new RegExp(
          `^nightshift: ${config}:3: run\\.parallel: expected an integer ≥ 1 and ≤ 64, got "two"$`,
          'm',
        ),
      );
    }
    await writeFile(config, '[backend]\ndefault = "gpt"\n[ui]\nmax_fps = 10\nspeed = 3\n');
    const stderr = await expectRefused(dir, ['task', 'list'], new RegExp(`${config} has 2 problems:`));
    expect(stderr).toMatch(new RegExp(`${config}:2: backend\\.default: expected one of .*claude.*got "gpt"`));
    expect(stderr).toMatch(new RegExp(`${config}:5: unknown key "speed" in table \\[ui\\]`));
  });
});
