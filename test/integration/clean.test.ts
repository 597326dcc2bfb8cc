/**
 * `nightshift clean` (issue 9): removes worktrees and `nightshift/*` branches a run left behind
 * (here: those of an engine killed mid-attempt), says what it removed, and `--dry-run` changes
 * nothing.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanupProjects,
  simProject,
  simTask,
  waitFor,
  worktreeFolders,
} from '../support/engine-fixtures.js';
import { killStartedEngines, startEngineGroup } from '../support/kill-campaign.js';

afterEach(async () => {
  killStartedEngines();
  await cleanupProjects();
});

describe('nightshift clean', () => {
  it('lists with --dry-run, then removes the worktree and branch a killed engine left', async () => {
    const project = await simProject();
    await project.importTasks([simTask('h', 'sim: hang', ['true'])]);
    const engine = startEngineGroup(project, ['run', '--no-ui']);
    await waitFor(
      () => worktreeFolders(project).length > 0 && project.task('h').attempts.at(-1)?.outcome === 'running',
      {
        timeoutMs: 60_000,
        what: "task h's worktree",
      },
    );
    process.kill(-engine.pid, 'SIGKILL');
    await engine.exited;

    const status = await project.cli(['status']);
    expect(status.stdout).toMatch(/kept: 1 worktree \(\d+(\.\d)? [KM]?B\), 1 nightshift\/\* branch/);
    const dry = await project.cli(['clean', '--dry-run', '--json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const listed = JSON.parse(dry.stdout) as { worktrees: string[]; branches: string[] };
    expect(listed.branches).toEqual(['nightshift/h']);
    expect(listed.worktrees).toHaveLength(1);
    expect(existsSync(listed.worktrees[0]!)).toBe(true);

    const clean = await project.cli(['clean']);
    expect(clean.exitCode, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/removed 1 worktree .* and 1 branch/);
    expect(worktreeFolders(project)).toEqual([]);
    expect(await project.git('branch', '--list', 'nightshift/*')).toBe('');
    expect(await project.git('worktree', 'list', '--porcelain')).not.toMatch(/nightshift\/h/);
  }, 120_000);
});
