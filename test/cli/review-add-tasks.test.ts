/**
 * `nightshift review --add-tasks` (issue 13): the review agent's findings become follow-up tasks
 * through the audited task write; a finding reuses the checks of the task it is about; a second
 * run adds nothing twice.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupProjects, simProject, simTask, simWrite } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

describe('review --add-tasks', () => {
  it("turns findings at or above --severity into audited tasks with the reviewed task's checks", async () => {
    const project = await simProject();
    await project.importTasks([simTask('api', simWrite('api.txt', 'x'), ['test -f api.txt'])]);
    const review = {
      at: '2026-12-02T01:00:00.000Z',
      runId: 'r1',
      trigger: 'every',
      verdict: 'concerns',
      summary: 'two things',
      attempts: [{ taskId: 'api', attempt: 1, outcome: 'passed' }],
      findings: [
        {
          severity: 'high',
          taskId: 'api',
          file: 'api.txt',
          message: 'No input validation',
          fix: 'Validate the body',
        },
        { severity: 'low', message: 'Typo in a comment', fix: 'Fix it' },
      ],
    };
    await writeFile(path.join(project.dir, '.nightshift', 'reviews.jsonl'), `${JSON.stringify(review)}\n`);

    const added = await project.cli(['review', '--add-tasks']);
    expect(added.exitCode, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/added 1 task/);
    const task = project.state()?.tasks.find((t) => t.title === 'Review: No input validation');
    expect(task).toBeDefined();
    expect(task?.verification.commands).toEqual(['test -f api.txt']);
    expect(task?.description).toContain('Suggested fix: Validate the body');
    expect(task?.steps).toEqual(['Validate the body']);

    const again = await project.cli(['review', '--add-tasks']);
    expect(again.stdout).toMatch(/no new follow-up tasks \(1 already queued/);

    // The low finding names no task: it needs a check of its own.
    const low = await project.cli(['review', '--add-tasks', '--severity', 'low']);
    expect(low.exitCode).toBe(1);
    expect(low.stderr).toMatch(/names no task whose checks it could reuse/);
    const withCheck = await project.cli(['review', '--add-tasks', '--severity', 'low', '--verify', 'true']);
    expect(withCheck.exitCode, withCheck.stderr).toBe(0);
    expect(project.state()?.tasks.map((t) => t.title)).toContain('Review: Typo in a comment');
  }, 60_000);
});
