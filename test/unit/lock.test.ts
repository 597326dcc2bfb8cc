import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../source/errors.js';
import { projectPaths, type ProjectPaths } from '../../source/paths.js';
import { acquireLock, readLock, withStoreWrite, type LockInfo } from '../../source/store/lock.js';
import { Store } from '../../source/store/store.js';

/** A process that has exited: its pid is dead (and not reused within a test's lifetime). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error('spawn failed');
  return child.pid;
}

const sleepers: ChildProcess[] = [];
/** A live process other than this one, killed after the test. */
function livePid(): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  sleepers.push(child);
  if (child.pid === undefined) throw new Error('spawn failed');
  return child.pid;
}

/** The start time of test locks: now, like a real holder's (its process starts within seconds of it). */
let since = '';
function holder(pid: number, kind: LockInfo['kind'] = 'engine', startedAt = since): LockInfo {
  return { pid, socket: '/tmp/x/engine.sock', startedAt, kind, hostname: os.hostname() };
}

async function writeLock(paths: ProjectPaths, info: LockInfo): Promise<void> {
  await mkdir(paths.dir, { recursive: true });
  await writeFile(paths.lock, JSON.stringify(info));
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
  root = await mkdtemp(path.join(os.tmpdir(), 'nightshift-lock-'));
  paths = projectPaths(root);
  since = new Date().toISOString();
});
afterEach(async () => {
  for (const child of sleepers.splice(0)) child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

describe('acquireLock', () => {
  it('creates the lock with pid, socket, start time, kind and host, and release removes it', async () => {
    const lock = await acquireLock(paths, { kind: 'engine', socket: paths.socket });
    expect(lock.warning).toBeUndefined();
    const onDisk = JSON.parse(await readFile(paths.lock, 'utf8')) as LockInfo;
    expect(onDisk).toEqual({
      pid: process.pid,
      socket: paths.socket,
      startedAt: lock.info.startedAt,
      kind: 'engine',
      hostname: os.hostname(),
    });
    expect(await readLock(paths)).toEqual({ info: onDisk, alive: true });
    await lock.release();
    expect(existsSync(paths.lock)).toBe(false);
    expect(await readLock(paths)).toBeUndefined();
    await lock.release();
  });

  it('refuses a lock held by a live engine, naming its pid and start time', async () => {
    const pid = livePid();
    await writeLock(paths, holder(pid));
    const error = await rejection(acquireLock(paths, { kind: 'engine' }));
    expect(error.message).toBe(`an engine already runs for this project (pid ${pid} since ${since})`);
    expect(error.hint).toContain('nightshift attach');
    expect(JSON.parse(await readFile(paths.lock, 'utf8'))).toEqual(holder(pid));
  });

  it('tells a CLI command that an engine runs and writes go through it', async () => {
    const pid = livePid();
    await writeLock(paths, holder(pid));
    const error = await rejection(acquireLock(paths, { kind: 'cli' }));
    expect(error.message).toContain(`an engine is running for this project (pid ${pid} since ${since})`);
    expect(error.message).toContain('writes go through it');
  });

  it('waits briefly for another CLI command, then names it', async () => {
    const pid = livePid();
    await writeLock(paths, holder(pid, 'cli'));
    const error = await rejection(acquireLock(paths, { kind: 'cli', waitForCliMs: 200 }));
    expect(error.message).toContain(
      `another nightshift command (pid ${pid} since ${since}) is writing the store`,
    );
  });

  it('gets the lock once a CLI holder releases it', async () => {
    const first = await acquireLock(paths, { kind: 'cli', pid: livePid() });
    const second = acquireLock(paths, { kind: 'cli', waitForCliMs: 10_000 });
    await first.release();
    const lock = await second;
    expect(lock.info.pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over a stale lock of a dead pid with a warning', async () => {
    const pid = await deadPid();
    await writeLock(paths, holder(pid));
    expect((await readLock(paths))?.alive).toBe(false);
    const lock = await acquireLock(paths, { kind: 'engine', socket: paths.socket });
    expect(lock.warning).toBe(
      `took over a stale lock: engine pid ${pid} (since ${since}) is no longer running`,
    );
    expect((JSON.parse(await readFile(paths.lock, 'utf8')) as LockInfo).pid).toBe(process.pid);
    await lock.release();
  });

  it('treats a live pid that started after the lock was written as a reused pid', async () => {
    const pid = livePid();
    await writeLock(paths, holder(pid, 'engine', '2000-01-01T00:00:00.000Z'));
    const expectStale = process.platform === 'linux';
    expect((await readLock(paths))?.alive).toBe(!expectStale);
    if (!expectStale) return;
    const lock = await acquireLock(paths, { kind: 'engine' });
    expect(lock.warning).toContain(
      `engine pid ${pid} (since 2000-01-01T00:00:00.000Z) is no longer running (the pid now belongs to a newer process)`,
    );
    await lock.release();
  });

  it('replaces an unreadable lock file with a warning', async () => {
    await mkdir(paths.dir, { recursive: true });
    await writeFile(paths.lock, '');
    const lock = await acquireLock(paths, { kind: 'cli' });
    expect(lock.warning).toContain('unreadable lock file');
    await lock.release();
  });

  it('lets exactly one of several racing callers take over a stale lock', async () => {
    await writeLock(paths, holder(await deadPid()));
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => acquireLock(paths, { kind: 'engine' })),
    );
    const taken = results.filter((r) => r.status === 'fulfilled');
    expect(taken).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(UserError);
  });

  it('release leaves a lock that is no longer ours', async () => {
    const lock = await acquireLock(paths, { kind: 'engine' });
    const other = holder(livePid());
    await writeFile(paths.lock, JSON.stringify(other));
    await lock.release();
    expect(JSON.parse(await readFile(paths.lock, 'utf8'))).toEqual(other);
  });
});

describe('withStoreWrite', () => {
  it('writes under a cli lock and releases it', async () => {
    await (await Store.open(root, { create: true })).close();
    let lockDuring: LockInfo | undefined;
    const result = await withStoreWrite(root, async (store) => {
      lockDuring = (await readLock(paths))?.info;
      store.update((state) => {
        state.project = 'renamed';
      });
      return 42;
    });
    expect(result).toBe(42);
    expect(lockDuring?.kind).toBe('cli');
    expect(existsSync(paths.lock)).toBe(false);
    expect((JSON.parse(await readFile(paths.state, 'utf8')) as { project: string }).project).toBe('renamed');
  });

  it('releases the lock when the write fails', async () => {
    await (await Store.open(root, { create: true })).close();
    await expect(withStoreWrite(root, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(paths.lock)).toBe(false);
  });

  it('does not run while an engine holds the lock', async () => {
    await (await Store.open(root, { create: true })).close();
    await writeLock(paths, holder(livePid()));
    let ran = false;
    const error = await rejection(
      withStoreWrite(root, () => {
        ran = true;
      }),
    );
    expect(error.message).toContain('an engine is running');
    expect(ran).toBe(false);
  });

  it('reports a stale takeover through onWarning', async () => {
    await (await Store.open(root, { create: true })).close();
    const pid = await deadPid();
    await writeLock(paths, holder(pid, 'cli'));
    const warnings: string[] = [];
    await withStoreWrite(root, () => undefined, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      `took over a stale lock: cli pid ${pid} (since ${since}) is no longer running`,
    ]);
  });

  it('refuses when there is no store, and releases the lock', async () => {
    const error = await rejection(withStoreWrite(root, () => undefined));
    expect(error.hint).toContain('nightshift init');
    expect(existsSync(paths.lock)).toBe(false);
  });
});
