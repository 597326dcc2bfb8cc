/**
 * What an engine killed during a regression check leaves: the check's detached worktree and the
 * gate commands still running in it. Recovery removes both before a new run starts (the claim
 * itself lived only in the dead engine's memory).
 */
import { existsSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { killTree } from '../agents/process-tree.js';
import { removeWorktree, worktreesDir } from '../git/worktree.js';
import { REGRESSION_WORKTREE_PREFIX } from './check.js';

/** Removes leftover regression worktrees of the repository; returns how many there were. */
export async function clearRegressionLeftovers(repoRoot: string): Promise<number> {
  const dir = await worktreesDir(repoRoot);
  if (!existsSync(dir)) return 0;
  const folders = readdirSync(dir)
    .filter((name) => name.startsWith(REGRESSION_WORKTREE_PREFIX))
    .map((name) => path.join(dir, name));
  for (const folder of folders) {
    for (const pid of processesIn(folder)) await killTree(pid, { graceMs: 500 }).catch(() => undefined);
    await removeWorktree(repoRoot, folder, { keepBranch: true }).catch(() => undefined);
  }
  return folders.length;
}

/** Live processes of this user working in `folder` or below it. */
function processesIn(folder: string): number[] {
  let real: string;
  try {
    real = realpathSync(folder);
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (cwd === real || cwd.startsWith(`${real}/`)) found.push(Number(name));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return found;
}
