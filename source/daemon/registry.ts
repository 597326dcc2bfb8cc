/**
 * The machine-wide registry of running engines, `$XDG_STATE_HOME/nightshift/projects.json`
 * (DESIGN.md §3), read by `nightshift ls`. An engine adds itself when it starts serving and removes
 * itself when it exits; an engine killed with SIGKILL cannot, so entries whose pid is dead are
 * dropped on every read. The registry is a convenience: a failure to write it never stops a run.
 */
import { mkdir, readFile, rmdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stateHome } from '../paths.js';
import { isPidAlive, writeFileAtomic } from '../store/atomic-file.js';

/** One running engine as the registry lists it. */
export interface RegistryEntry {
  /** The project's name (`[project] name`). */
  readonly project: string;
  readonly root: string;
  readonly pid: number;
  readonly socket: string;
  readonly startedAt: string;
  readonly hostname: string;
}

interface RegistryFile {
  readonly version: 1;
  readonly engines: readonly RegistryEntry[];
}

/** The registry file (computed per call: tests and users may change XDG_STATE_HOME). */
export function registryPath(): string {
  return path.join(stateHome(), 'projects.json');
}

/** Adds (or replaces) the entry of the engine of `entry.root`; never throws. */
export async function registerEngine(
  entry: Omit<RegistryEntry, 'hostname' | 'startedAt'> & { startedAt?: string },
): Promise<void> {
  const full: RegistryEntry = {
    ...entry,
    startedAt: entry.startedAt ?? new Date().toISOString(),
    hostname: os.hostname(),
  };
  await update((engines) => [
    ...engines.filter((e) => path.resolve(e.root) !== path.resolve(full.root)),
    full,
  ]).catch(() => undefined);
}

/** Removes this engine's entry (same root and pid); never throws. */
export async function unregisterEngine(root: string, pid: number = process.pid): Promise<void> {
  await update((engines) =>
    engines.filter((e) => !(path.resolve(e.root) === path.resolve(root) && e.pid === pid)),
  ).catch(() => undefined);
}

/** The engines running on this machine, oldest first; dead entries are pruned from the file. */
export async function listEngines(): Promise<RegistryEntry[]> {
  const engines = await readEntries(registryPath());
  const live = engines.filter(isRunning);
  if (live.length !== engines.length) await update((all) => all.filter(isRunning)).catch(() => undefined);
  return [...live].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

function isRunning(entry: RegistryEntry): boolean {
  // Another machine's pid cannot be checked (a shared home folder); only its own engines are listed.
  if (entry.hostname !== '' && entry.hostname !== os.hostname()) return false;
  return isPidAlive(entry.pid);
}

async function readEntries(file: string): Promise<RegistryEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  try {
    const value = JSON.parse(text) as Partial<RegistryFile> | null;
    const engines = Array.isArray(value?.engines) ? (value.engines as unknown[]) : [];
    return engines.filter(isEntry);
  } catch {
    return []; // a damaged registry is rebuilt by the next engine that starts
  }
}

function isEntry(value: unknown): value is RegistryEntry {
  if (value === null || typeof value !== 'object') return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry['root'] === 'string' &&
    typeof entry['pid'] === 'number' &&
    typeof entry['socket'] === 'string'
  );
}

/** A guard directory older than this belongs to a process that died while holding it. */
const GUARD_STALE_MS = 5_000;
const GUARD_WAIT_MS = 2_000;

/**
 * Read-modify-write under a guard directory (mkdir is atomic), so two engines starting at once do
 * not drop each other's entry; the write itself is atomic, so readers never see half a file.
 */
async function update(change: (engines: readonly RegistryEntry[]) => RegistryEntry[]): Promise<void> {
  const file = registryPath();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const guard = `${file}.lock`;
  const deadline = Date.now() + GUARD_WAIT_MS;
  for (;;) {
    try {
      await mkdir(guard, { mode: 0o700 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(guard).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > GUARD_STALE_MS) await rmdir(guard).catch(() => undefined);
      else if (Date.now() > deadline) return;
      else await sleep(20);
    }
  }
  try {
    const engines = change(await readEntries(file));
    const content: RegistryFile = { version: 1, engines };
    await writeFileAtomic(file, `${JSON.stringify(content, null, 2)}\n`);
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}
