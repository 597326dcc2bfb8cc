/**
 * What nightshift keeps in a repository between runs: worktrees of attempts (under
 * `$XDG_STATE_HOME/nightshift/worktrees/<repo>/`) and `nightshift/*` branches, with the disk the
 * worktrees hold — for `nightshift status` and `nightshift clean`.
 */
import { existsSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { git } from './git-exec.js';
import { worktreesDir } from './worktree.js';

/** One kept worktree folder. */
export interface KeptWorktree {
  readonly path: string;
  /** Bytes of its files (symlinked folders such as node_modules not followed). */
  readonly bytes: number;
}

/** Kept worktrees and `nightshift/*` branches of a repository. */
export interface KeptWork {
  readonly worktrees: readonly KeptWorktree[];
  readonly branches: readonly string[];
  readonly bytes: number;
}

/** Bytes of the files under `folder` (symlinks not followed). */
export async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) total += await folderBytes(full);
    else
      total += await lstat(full).then(
        (stat) => stat.size,
        () => 0,
      );
  }
  return total;
}

/** Lists what is kept; `withSizes: false` skips walking the folders. */
export async function keptWork(repoRoot: string, options: { withSizes?: boolean } = {}): Promise<KeptWork> {
  const dir = await worktreesDir(repoRoot);
  const folders = existsSync(dir) ? (await readdir(dir)).map((name) => path.join(dir, name)) : [];
  const worktrees: KeptWorktree[] = [];
  for (const folder of folders)
    worktrees.push({ path: folder, bytes: options.withSizes === false ? 0 : await folderBytes(folder) });
  const branches = (
    await git(repoRoot, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/nightshift/'])
  ).stdout
    .split('\n')
    .filter(Boolean);
  return { worktrees, branches, bytes: worktrees.reduce((sum, worktree) => sum + worktree.bytes, 0) };
}
