/**
 * Where nightshift keeps a repository's worktrees, apart from worktree.ts so that `status` can
 * count them without loading git's process code (DESIGN.md §9: status ≤ 250 ms).
 */
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { stateHome } from '../paths.js';

/**
 * The folder holding a repository's worktrees: `<state>/worktrees/<name>-<hash>`, where the hash
 * of the repository's real path keeps two checkouts with the same folder name apart and the name
 * keeps the folder recognisable to a person.
 */
export async function worktreesDir(repoRoot: string): Promise<string> {
  const real = await realpath(repoRoot);
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 12);
  const name = path.basename(real).replace(/[^A-Za-z0-9._-]/g, '_') || 'repo';
  return path.join(stateHome(), 'worktrees', `${name}-${hash}`);
}
