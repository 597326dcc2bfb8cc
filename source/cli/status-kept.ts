/**
 * The "kept" line of `nightshift status` (worktrees, `nightshift/*` branches, their disk) without
 * git or a disk walk on every call: status is the hot path (DESIGN.md §9: ≤ 250 ms at 10,000
 * tasks), and one git process plus a walk of every kept worktree cost more than the rest of it.
 *
 * - Counts are read in-process on every call: the worktree folders are one readdir, the branches
 *   the loose refs under `refs/heads/nightshift/` plus `packed-refs` (as `git for-each-ref` lists
 *   them). A repository git would have to answer for (reftable, no `.git` at the project root)
 *   falls back to `keptWork` (git).
 * - Bytes come from `.nightshift/kept.json`, measured when the set of kept worktrees last changed
 *   (or with `status --kept`), shown with their age when they are not fresh. While an engine
 *   runs, its attempts add and remove worktrees all the time: the walk then waits for `--kept`
 *   or for the engine to end, and status shows the last measured size with its age.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { gitDirs } from '../git/ref-read.js';
import { worktreesDir } from '../git/worktrees-dir.js';

/** What status shows of the kept work. */
export interface KeptFigures {
  readonly worktrees: number;
  readonly branches: number;
  /** Bytes of the kept worktrees, as of `measuredAt`; null when never measured. */
  readonly bytes: number | null;
  /** When `bytes` was measured (ISO time); null when never. */
  readonly measuredAt: string | null;
}

interface CacheFile {
  /** The kept worktree folders (names) the size was measured for. */
  readonly folders: readonly string[];
  readonly bytes: number;
  readonly at: string;
}

const CACHE = 'kept.json';

/**
 * The kept figures of a project: counts now, bytes measured now when the kept worktrees changed
 * since the last measure and `measure` allows it, else the last measure. Null outside a git
 * repository.
 */
export async function keptFigures(
  root: string,
  options: { readonly measure: 'always' | 'when-changed' | 'never'; readonly stateDir: string },
): Promise<KeptFigures | null> {
  let dir: string;
  try {
    dir = await worktreesDir(root);
  } catch {
    return null;
  }
  const cache = readCache(options.stateDir);
  const folders = listFolders(dir);
  const changed = !cache || !sameFolders(cache.folders, folders);
  const walk = options.measure === 'always' || (changed && options.measure === 'when-changed');
  let worktrees = folders.length;
  let branches: number | undefined = countBranches(root);
  let bytes: number | null = changed ? null : (cache?.bytes ?? null);
  let measuredAt: string | null = changed ? null : (cache?.at ?? null);
  if (branches === undefined) {
    try {
      // git's process code is loaded only here (and for a walk): status is the hot path.
      const { keptWork } = await import('../git/kept-work.js');
      const kept = await keptWork(root, { withSizes: false });
      worktrees = kept.worktrees.length;
      branches = kept.branches.length;
    } catch {
      return null; // not a git repository (or git is broken): no kept line
    }
  }
  if (walk) {
    let total = 0;
    if (folders.length > 0) {
      const { folderBytes } = await import('../git/kept-work.js');
      for (const folder of folders) total += await folderBytes(path.join(dir, folder));
    }
    bytes = total;
    measuredAt = new Date().toISOString();
    writeCache(options.stateDir, { folders, bytes, at: measuredAt });
  }
  // No worktree kept: nothing on disk, whatever was measured before.
  if (worktrees === 0) return { worktrees, branches, bytes: 0, measuredAt };
  return { worktrees, branches, bytes, measuredAt };
}

function listFolders(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function sameFolders(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}

/**
 * `nightshift/*` branches as `git for-each-ref refs/heads/nightshift/` counts them: loose ref files
 * (any depth) and packed refs, each name once. Undefined when git must answer (no `.git` here,
 * reftable, an unreadable file).
 */
export function countBranches(root: string): number | undefined {
  const common = gitDirs(root)?.commonDir;
  if (!common || existsSync(path.join(common, 'reftable'))) return undefined;
  const names = new Set<string>();
  const loose = path.join(common, 'refs', 'heads', 'nightshift');
  try {
    if (existsSync(loose)) for (const name of looseRefs(loose, 'nightshift')) names.add(name);
    const packed = path.join(common, 'packed-refs');
    if (existsSync(packed)) {
      for (const line of readFileSync(packed, 'utf8').split('\n')) {
        // `<sha> refs/heads/nightshift/<name>`; `#` headers and `^<sha>` peeled lines skipped.
        const match = /^[0-9a-f]{40,64} refs\/heads\/(nightshift\/.+)$/.exec(line);
        if (match?.[1]) names.add(match[1]);
      }
    }
  } catch {
    return undefined;
  }
  return names.size;
}

function looseRefs(folder: string, prefix: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const name = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...looseRefs(path.join(folder, entry.name), name));
    else if (entry.isFile() && !entry.name.endsWith('.lock')) out.push(name);
  }
  return out;
}

function readCache(stateDir: string): CacheFile | undefined {
  try {
    const cache = JSON.parse(readFileSync(path.join(stateDir, CACHE), 'utf8')) as CacheFile;
    return Array.isArray(cache.folders) && typeof cache.bytes === 'number' && typeof cache.at === 'string'
      ? cache
      : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(stateDir: string, cache: CacheFile): void {
  const file = path.join(stateDir, CACHE);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(cache)}\n`, { mode: 0o600 });
    renameSync(temp, file);
  } catch {
    // Only the shortcut is lost: the next status measures again.
  }
}

/** `just now`, `5 min ago`, `3 h ago`, `2 days ago`. */
export function age(at: string, now = Date.now()): string {
  const seconds = Math.max(0, (now - Date.parse(at)) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 2 * 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} days ago`;
}
