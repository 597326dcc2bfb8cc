/**
 * Attempt counts say what is true (issue 9): after `task retry` (or a killed run) the next run's
 * attempts are numbered on from the earlier ones, against a limit that counts them too — never
 * "attempt 3 of 2" — and the task gets the run's full number of tries again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupProjects, simProject, simTask, simWrite } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

describe('attempt counts', () => {
  it('numbers attempts after `task retry` on from the earlier ones, with a true limit', async () => {
    const project = await simProject();
    await project.importTasks([
      simTask('never', simWrite('other.txt', 'not what the gate wants'), ['test -f never.txt']),
    ]);

    const first = await project.cli(['run', '--no-ui', '--max-retries', '1']);
    expect(first.stdout).toMatch(/never: attempt 1 of 2 started/);
    expect(first.stdout).toMatch(/never: attempt 2 of 2 started/);
    expect(project.task('never').status).toBe('blocked');

    expect((await project.cli(['task', 'retry', '--ids', 'never'])).exitCode).toBe(0);
    const second = await project.cli(['run', '--no-ui', '--max-retries', '1']);
    const output = `${second.stdout}\n${second.stderr}`;
    expect(output).toMatch(/never: attempt 3 of 4 \(after 2 earlier\) started/);
    expect(output).toMatch(/never: attempt 4 of 4 \(after 2 earlier\) started/);
    expect(output).not.toMatch(/attempt [34] of 2/);
    const task = project.task('never');
    expect(task.status).toBe('blocked');
    expect(task.attempts).toHaveLength(4);
  }, 120_000);
});
