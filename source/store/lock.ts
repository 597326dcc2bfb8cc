/**
 * The single-writer lock `.nightshift/engine.lock` (DESIGN.md §3): the engine holds it for a whole
 * run; `task …` commands hold it for one write when no engine runs. A lock whose pid is dead is
 * stale and taken over with a warning.
 */
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { UserError, errorMessage } from '../errors.js';
import { projectPaths, type ProjectPaths } from '../paths.js';
import { isPidAlive, writeError } from './atomic-file.js';
import type { Store } from './store.js';

/** Who holds the lock: the engine for a run, or a CLI command for one write. */
export type LockKind = 'engine' | 'cli';

/** The content of engine.lock. */
export interface LockInfo {
  readonly pid: number;
  /** The engine's socket path; empty for `cli` locks. */
  readonly socket: string;
  readonly startedAt: string;
  readonly kind: LockKind;
  readonly hostname: string;
}

/** What a caller supplies; pid, time and host default to this process, now, and this machine. */
export interface LockRequest {
  readonly kind: LockKind;
  readonly socket?: string;
  /** The holder's pid; it must be running (or start within seconds), else the lock reads as stale. */
  readonly pid?: number;
  /** How long to wait for a live `cli` holder (whose writes are short) before giving up; default 3 s. */
  readonly waitForCliMs?: number;
}

/** A held lock. */
export interface Lock {
  readonly info: LockInfo;
  /** Set when a stale lock was taken over: say so to the user. */
  readonly warning: string | undefined;
  /** Removes the lock file if it is still ours (same pid, host and start time); idempotent. */
  release(): Promise<void>;
}

/** The lock as found on disk. */
export interface LockStatus {
  readonly info: LockInfo;
  /** Whether its process is running (always true for another host's lock: it cannot be checked). */
  readonly alive: boolean;
}

/** A takeover guard older than this belongs to a process that died mid-takeover. */
const GUARD_STALE_MS = 10_000;
/** Poll interval while a CLI command holds the lock for its one write (typically a few ms). */
const CLI_POLL_MS = 50;

function parseLockInfo(text: string): LockInfo | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockInfo> | null;
    if (value === null || typeof value !== 'object' || typeof value.pid !== 'number') return undefined;
    return {
      pid: value.pid,
      socket: typeof value.socket === 'string' ? value.socket : '',
      startedAt: typeof value.startedAt === 'string' ? value.startedAt : '',
      kind: value.kind === 'cli' ? 'cli' : 'engine',
      hostname: typeof value.hostname === 'string' ? value.hostname : '',
    };
  } catch {
    return undefined;
  }
}

const sameHolder = (a: LockInfo, b: LockInfo): boolean =>
  a.pid === b.pid && a.startedAt === b.startedAt && a.hostname === b.hostname;

/** Linux's /proc reports process start times in USER_HZ ticks, fixed at 100 by the kernel ABI. */
const USER_HZ = 100;
/** Tolerance for clock granularity (btime is whole seconds) when comparing start times. */
const START_SLACK_MS = 5_000;

/** When `pid` started (ms since the epoch), from /proc on Linux; undefined elsewhere or on error. */
function processStartMs(pid: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return undefined;
    return btime * 1000 + (ticks * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

function isHolderAlive(info: LockInfo): boolean {
  // A pid means nothing on another machine (a shared or synced folder): assume it is alive.
  if (info.hostname !== '' && info.hostname !== os.hostname()) return true;
  if (!isPidAlive(info.pid)) return false;
  // After a reboot or a long time, the pid may belong to an unrelated process that started after
  // the lock was written: the holder is gone all the same.
  const lockedAt = Date.parse(info.startedAt);
  const started = processStartMs(info.pid);
  return !(started !== undefined && Number.isFinite(lockedAt) && started > lockedAt + START_SLACK_MS);
}

/** Reads engine.lock; undefined when there is none. An unreadable lock reads as a dead one. */
export async function readLock(paths: ProjectPaths): Promise<LockStatus | undefined> {
  let text: string;
  try {
    text = await readFile(paths.lock, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read ${paths.lock}: ${errorMessage(error)}`, { cause: error });
  }
  const info = parseLockInfo(text);
  if (info === undefined) {
    return { info: { pid: 0, socket: '', startedAt: '', kind: 'engine', hostname: '' }, alive: false };
  }
  return { info, alive: isHolderAlive(info) };
}

/** The refusal a caller sees when a live process holds the lock. */
function heldError(paths: ProjectPaths, holder: LockInfo, requester: LockKind): UserError {
  const where = holder.hostname && holder.hostname !== os.hostname() ? ` on ${holder.hostname}` : '';
  const since = holder.startedAt ? ` since ${holder.startedAt}` : '';
  if (holder.kind === 'engine' && requester === 'cli') {
    return new UserError(
      `an engine is running for this project (pid ${holder.pid}${where}${since}); while it runs, writes go through it`,
      {
        hint: `send the change to it (the command does so when it can reach ${holder.socket || 'its socket'}), or stop it with \`nightshift stop\``,
      },
    );
  }
  if (holder.kind === 'engine') {
    return new UserError(`an engine already runs for this project (pid ${holder.pid}${where}${since})`, {
      hint: 'open its board with `nightshift attach`, or stop it with `nightshift stop`',
    });
  }
  return new UserError(
    `another nightshift command (pid ${holder.pid}${where}${since}) is writing the store; lock ${paths.lock}`,
    { hint: 'try again in a moment; if no such process exists, delete the lock file' },
  );
}

let tempCounter = 0;

/** Writes `info` to a private temp file and hard-links it into place: exclusive (EEXIST) and never half-written. */
async function createExclusive(paths: ProjectPaths, info: LockInfo): Promise<boolean> {
  tempCounter += 1;
  const temp = `${paths.lock}.${process.pid}.${tempCounter}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(info)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    // A full disk creates the file and then fails to fill it: never leave it behind.
    await unlink(temp).catch(() => undefined);
    throw writeError(paths.lock, error);
  }
  try {
    await link(temp, paths.lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Replaces the stale lock `seen` with ours. A guard file (O_EXCL) serializes takeovers: without it,
 * two processes that both judged the same lock stale could each delete the other's fresh lock.
 */
async function takeOver(
  paths: ProjectPaths,
  seen: string,
  info: LockInfo,
): Promise<'taken' | 'changed' | 'busy'> {
  const guard = `${paths.lock}.takeover`;
  try {
    await writeFile(guard, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = await stat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    return 'busy';
  }
  try {
    const now = await readFile(paths.lock, 'utf8').catch(() => undefined);
    if (now !== seen) return 'changed';
    await unlink(paths.lock);
    return (await createExclusive(paths, info)) ? 'taken' : 'changed';
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

/**
 * Takes engine.lock for this process. A live holder is a UserError naming its pid and start time;
 * a dead one is replaced and the returned lock carries a `warning` saying so.
 */
export async function acquireLock(paths: ProjectPaths, request: LockRequest): Promise<Lock> {
  const info: LockInfo = {
    pid: request.pid ?? process.pid,
    socket: request.socket ?? '',
    startedAt: new Date().toISOString(),
    kind: request.kind,
    hostname: os.hostname(),
  };
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  const cliDeadline = Date.now() + (request.waitForCliMs ?? 3000);
  // A few rounds cover races with another process creating, releasing or taking over meanwhile.
  for (let round = 0; round < 20; round++) {
    if (await createExclusive(paths, info)) return makeLock(paths, info, undefined);
    let seen: string;
    try {
      seen = await readFile(paths.lock, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const holder = parseLockInfo(seen);
    if (holder !== undefined && isHolderAlive(holder)) {
      if (holder.kind === 'cli' && Date.now() < cliDeadline) {
        await new Promise((resolve) => setTimeout(resolve, CLI_POLL_MS));
        round -= 1;
        continue;
      }
      throw heldError(paths, holder, request.kind);
    }
    const outcome = await takeOver(paths, seen, info);
    if (outcome === 'taken') {
      const warning =
        holder === undefined
          ? `replaced an unreadable lock file ${paths.lock}`
          : `took over a stale lock: ${holder.kind} pid ${holder.pid}${holder.startedAt ? ` (since ${holder.startedAt})` : ''} is no longer running${isPidAlive(holder.pid) ? ' (the pid now belongs to a newer process)' : ''}`;
      return makeLock(paths, info, warning);
    }
    // Another process is mid-takeover: give it a moment to finish before looking again.
    if (outcome === 'busy') await new Promise((resolve) => setTimeout(resolve, CLI_POLL_MS / 5));
  }
  throw new UserError(`could not take ${paths.lock}: other processes keep changing it`, {
    hint: 'check `nightshift status`; if nothing runs, delete the lock file',
  });
}

function makeLock(paths: ProjectPaths, info: LockInfo, warning: string | undefined): Lock {
  let released = false;
  return {
    info,
    warning,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      const current = await readLock(paths);
      // Someone may have taken over a lock they judged stale; never delete theirs.
      if (current !== undefined && sameHolder(current.info, info))
        await unlink(paths.lock).catch(() => undefined);
    },
  };
}

/** Options of `withStoreWrite`. */
export interface StoreWriteOptions {
  /** Where a stale-lock warning goes; defaults to a line on stderr. */
  readonly onWarning?: (message: string) => void;
}

/**
 * For CLI commands when no engine runs: takes the lock (kind `cli`), opens the store, runs `fn`,
 * flushes, and releases the lock even when `fn` throws. Returns what `fn` returns.
 */
export async function withStoreWrite<T>(
  root: string,
  fn: (store: Store) => T | Promise<T>,
  options: StoreWriteOptions = {},
): Promise<T> {
  const paths = projectPaths(root);
  const lock = await acquireLock(paths, { kind: 'cli' });
  try {
    if (lock.warning !== undefined) {
      const warn =
        options.onWarning ?? ((message: string) => process.stderr.write(`nightshift: warning: ${message}\n`));
      warn(lock.warning);
    }
    // Loaded here so that reading the lock (status, attach) does not pull in the store's schema.
    const { Store } = await import('./store.js');
    const store = await Store.open(root);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    await lock.release();
  }
}
