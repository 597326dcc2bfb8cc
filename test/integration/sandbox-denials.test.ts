/**
 * Denials stay visible after the run (issue 10): a write the kernel sandbox refuses (the main
 * checkout is read-only to agents) is a line in `run` and an entry in `task show`, and the main
 * checkout is unchanged. Driven with the sim agent under the real bwrap.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeBwrap } from '../../source/sandbox/bwrap.js';
import { cleanupProjects, simProject, simTask } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

const bwrap = probeBwrap();

describe.skipIf(!bwrap.ok)('sandbox denials', () => {
  it('a write to the main checkout is refused, said in run, and kept in task show', async () => {
    const project = await simProject();
    await project.importTasks([
      simTask('escape', 'sim: run echo gotcha > "$NIGHTSHIFT_PROJECT_ROOT/escaped.txt"', ['true']),
    ]);

    const run = await project.cli(['run', '--no-ui']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(existsSync(path.join(project.dir, 'escaped.txt'))).toBe(false);
    expect(run.stdout).toMatch(
      /escape: denied by sandbox: .*escaped\.txt.* — sandbox: .*Read-only file system/,
    );
    const attempt = project.task('escape').attempts[0];
    expect(attempt?.denials).toHaveLength(1);
    expect(attempt?.denials?.[0]).toMatch(/^coding: .*escaped\.txt.* — sandbox: .*Read-only file system/);

    const show = await project.cli(['task', 'show', 'escape']);
    expect(show.exitCode, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/denied: coding: .*escaped\.txt.* — sandbox: .*Read-only file system/);
  }, 90_000);
});
