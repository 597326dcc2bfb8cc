/**
 * nightshift's own files are the user's alone whatever the umask (DESIGN.md §8): with umask 000,
 * `init`, `task import`, a run with a landed and a blocked task, `report` and `status` leave every
 * folder under `.nightshift/` and nightshift's state home 0700 and every file 0600 (the worktrees'
 * own contents are git's, below a 0700 parent).
 */
import { readdirSync, lstatSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupProjects, simProject, simTask } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

/** Every path under `dir` whose mode is not 0700 (folder) or 0600 (file), as `path mode`. */
function loose(dir: string, skip: (full: string) => boolean = () => false): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      const stat = lstatSync(full);
      const mode = stat.mode & 0o777;
      if (stat.isSymbolicLink() || stat.isSocket() || skip(full)) continue;
      const want = stat.isDirectory() ? 0o700 : 0o600;
      if (mode !== want) found.push(`${path.relative(dir, full)} ${mode.toString(8)}`);
      if (stat.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return found;
}

describe('private modes', () => {
  it('creates .nightshift/, logs, state, reports and the worktrees’ parents 0700/0600 under umask 000', async () => {
    const old = process.umask(0o000);
    try {
      const project = await simProject({ run: { max_retries: 1 } });
      await project.importTasks([
        simTask('ok', 'sim: run echo hello > hello.txt', ['test -f hello.txt']),
        simTask('bad', 'sim: run echo no', ['exit 1']),
      ]);
      await project.cli(['run', '--no-ui'], { timeoutMs: 240_000 });
      expect(project.task('ok').status).toBe('done');
      await project.cli(['report']);
      await project.cli(['status']);
      const nightshift = path.join(project.dir, '.nightshift');
      expect(loose(nightshift)).toEqual([]);
      expect((lstatSync(nightshift).mode & 0o777).toString(8)).toBe('700');
      const state = path.join(project.stateHome, 'nightshift');
      expect(existsSync(state)).toBe(true);
      // A worktree (a folder holding a `.git` file) is git's: only the folders above it count.
      const isWorktree = (full: string): boolean => existsSync(path.join(full, '.git'));
      expect(loose(state, isWorktree)).toEqual([]);
    } finally {
      process.umask(old);
    }
  }, 300_000);
});
