/**
 * Landing (issue 9): six tasks that finish at the same moment land one at a time through the
 * repository's landing queue — no "Not possible to fast-forward", no agent run twice, nothing of
 * nightshift's left staged in the user's index; every nightshift commit names its task in a
 * `Nightshift-Task:` trailer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupProjects, simProject, simTask, simWrite } from '../support/engine-fixtures.js';
import { makeUserEdits } from '../support/kill-campaign.js';

afterEach(cleanupProjects);

describe('landing queue', () => {
  it('lands 6 tasks finishing together at --parallel 6, each once, with its trailer', async () => {
    const project = await simProject({ run: { max_retries: 2 } });
    const ids = ['t1', 't2', 't3', 't4', 't5', 't6'];
    await project.importTasks(ids.map((id) => simTask(id, simWrite(`${id}.txt`, id), [`test -f ${id}.txt`])));
    const userEditsProblems = await makeUserEdits(project);

    const run = await project.cli(['run', '--no-ui', '--parallel', '6'], { timeoutMs: 120_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.exitCode, output).toBe(0);
    expect(output).not.toMatch(/fast-forward/i);
    for (const id of ids) {
      const task = project.task(id);
      expect(task.status, id).toBe('done');
      // Landing is never a reason to run the agent again.
      expect(
        task.attempts.map((attempt) => attempt.outcome),
        `${id}: ${task.attempts.map((attempt) => attempt.summary).join(' | ')}`,
      ).toEqual(['passed']);
    }
    const subjects = await project.subjects();
    for (const id of ids)
      expect(
        subjects.filter((s) => s.startsWith(`nightshift(${id}):`)),
        id,
      ).toHaveLength(1);
    const trailers = (await project.git('log', '--format=%(trailers:key=Nightshift-Task,valueonly)', 'main'))
      .split('\n')
      .filter(Boolean)
      .sort();
    expect(trailers).toEqual(ids);
    expect(await userEditsProblems()).toEqual([]);
    expect(await project.git('diff', '--cached', '--name-only')).toBe('user-staged.txt');
  }, 150_000);
});
