/**
 * `nightshift ls`: every project on this machine with an engine running, from the registry
 * (DESIGN.md §3), with each run's progress when its engine answers quickly.
 */
import type { Command } from 'commander';
import { listEngines, registryPath, type RegistryEntry } from '../daemon/registry.js';
import { connectEngine } from '../ipc/client.js';
import type { EngineSnapshot } from '../protocol/types.js';
import { printJson, printLine } from './output.js';
import { formatTextTable } from '../text-table.js';

/** An engine quiet for longer than this is listed without progress rather than holding `ls` up. */
const SNAPSHOT_TIMEOUT_MS = 1_500;

/** One running engine with what a quick snapshot said about its run. */
export interface EngineListing extends RegistryEntry {
  /** Null when the engine did not answer in time. */
  readonly progress: {
    readonly done: number;
    readonly total: number;
    readonly running: number;
    readonly blocked: number;
    readonly state: string;
  } | null;
}

/** Registers `ls`. */
export function registerLs(program: Command): void {
  program
    .command('ls')
    .description('list the projects on this machine with an engine running')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const listings = await Promise.all((await listEngines()).map(withProgress));
      if (options.json) {
        printJson(listings);
        return;
      }
      if (listings.length === 0) {
        printLine('no engine is running on this machine (start one with `nightshift run` in a project)');
        return;
      }
      printLine(
        formatTextTable(listings, [
          { heading: 'PROJECT', value: (l) => l.project, maxWidth: 24 },
          { heading: 'PID', value: (l) => String(l.pid), align: 'right' },
          { heading: 'SINCE', value: (l) => since(l.startedAt) },
          { heading: 'PROGRESS', value: progressText },
          { heading: 'ROOT', value: (l) => l.root },
        ]),
      );
      printLine(`\nopen a board with \`cd ROOT && nightshift attach\` (registry: ${registryPath()})`);
    });
}

async function withProgress(entry: RegistryEntry): Promise<EngineListing> {
  const snapshot = await quickSnapshot(entry.socket);
  if (!snapshot) return { ...entry, progress: null };
  const count = (status: string): number => snapshot.tasks.filter((task) => task.status === status).length;
  const run = snapshot.run;
  const state = !run
    ? 'idle'
    : run.endedAt
      ? 'ending'
      : run.stopping
        ? 'stopping'
        : run.paused
          ? 'paused'
          : 'running';
  return {
    ...entry,
    progress: {
      done: count('done'),
      total: snapshot.tasks.length,
      running: snapshot.agents.length,
      blocked: count('blocked'),
      state,
    },
  };
}

async function quickSnapshot(socketPath: string): Promise<EngineSnapshot | undefined> {
  try {
    const client = await connectEngine({
      socketPath,
      readonly: true,
      reconnect: false,
      handshakeTimeoutMs: SNAPSHOT_TIMEOUT_MS,
    });
    try {
      return client.current() ?? undefined;
    } finally {
      client.close();
    }
  } catch {
    return undefined;
  }
}

function progressText(listing: EngineListing): string {
  const progress = listing.progress;
  if (!progress) return '(no answer)';
  const blocked = progress.blocked > 0 ? `, ${progress.blocked} blocked` : '';
  return `${progress.done}/${progress.total} done, ${progress.running} agent${progress.running === 1 ? '' : 's'}${blocked} · ${progress.state}`;
}

/** "12m ago" style age of an ISO time. */
function since(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
