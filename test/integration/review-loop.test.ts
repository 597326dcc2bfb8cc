/**
 * The review loop through the built CLI with the sim backend on a real git repo: every attempt gets
 * a quality score; with `[review] every = 2` the review agent runs after the second attempt, its
 * findings land in `.nightshift/reviews.jsonl` and the learning journal, and `nightshift review`
 * shows both. `--yolo` keeps the scores and skips the agent.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReviewEntry } from '../../source/review/review-log.js';
import type { Quality } from '../../source/tasks/model.js';
import { cleanupProjects, simProject, simTask, simWrite } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

const tasks = [
  simTask('one', simWrite('src/one.js', 'export const one = 1;'), ['test -f src/one.js']),
  // Leaves a TODO behind and changes code without a test: the sim reviewer flags the TODO.
  simTask(
    'two',
    simWrite('src/two.js', '// TODO: handle negative numbers\nexport const two = 2;'),
    ['test -f src/two.js'],
    { depends_on: ['one'] },
  ),
  simTask(
    'three',
    `${simWrite('src/three.js', 'export const three = 3;')}\n${simWrite('test/three.test.js', 'assert(three === 3);')}`,
    ['test -f src/three.js'],
    { depends_on: ['two'] },
  ),
];

describe('review loop', () => {
  it('scores every attempt, runs the review agent after K=2 attempts, and `review --json` shows its findings', async () => {
    const project = await simProject({ config: { review: { every: 2 } } });
    await project.importTasks(tasks);

    const run = await project.cli(['run', '--no-ui']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);

    const scores = ['one', 'two', 'three'].map((id) => project.task(id).attempts[0]?.quality);
    expect(scores.every((quality) => quality !== undefined)).toBe(true);
    const [one, two, three] = scores as [Quality, Quality, Quality];
    expect(one).toMatchObject({ files: 1, insertions: 1, todosAdded: 0, testsChanged: 0 });
    expect(one.reasons).toContain('-15 code changed without a test added or changed');
    expect(two.todosAdded).toBe(1);
    expect(two.score).toBeLessThan(one.score);
    expect(three).toMatchObject({ files: 2, testsChanged: 1 });
    expect(three.score).toBeGreaterThan(one.score);
    expect(run.stdout).toMatch(/two: quality \d+\/100/);

    // One review, after attempt 2 (one and two); the third attempt starts a new window of 1.
    const reviewed = await project.cli(['review', '--json']);
    expect(reviewed.exitCode, reviewed.stderr).toBe(0);
    const shown = JSON.parse(reviewed.stdout) as {
      reviews: ReviewEntry[];
      attempts: { taskId: string; quality: Quality }[];
    };
    expect(shown.reviews).toHaveLength(1);
    const review = shown.reviews[0];
    expect(review).toMatchObject({ trigger: 'every', verdict: 'concerns' });
    expect(review?.attempts.map((a) => a.taskId)).toEqual(['one', 'two']);
    const todo = review?.findings.find((finding) => finding.severity === 'medium');
    expect(todo).toMatchObject({ file: 'src/two.js' });
    expect(todo?.message).toContain('TODO: handle negative numbers');
    expect(review?.summary).toContain('Simulated review');
    expect(shown.attempts.map((a) => a.taskId)).toEqual(['one', 'two', 'three']);
    expect(existsSync(path.join(project.dir, '.nightshift', 'reviews.jsonl'))).toBe(true);

    // The medium finding feeds later prompts through the learning journal; the low one does not.
    const journal = project.state()?.learning.map((entry) => entry.text) ?? [];
    expect(journal.filter((text) => text.startsWith('review: '))).toEqual([
      expect.stringContaining('[medium] src/two.js: unfinished work left in'),
    ]);

    const plain = await project.cli(['review']);
    expect(plain.stdout).toContain('Reviews (1 of 1)');
    expect(plain.stdout).toMatch(/\[medium\] src\/two\.js: unfinished work left in/);
    expect(plain.stdout).toMatch(/\d+\/100 {2}two #1 passed/);
  }, 120_000);

  it('--yolo skips the review agent but still scores the attempts', async () => {
    const project = await simProject({ config: { review: { every: 1 } } });
    await project.importTasks(tasks.slice(0, 2));

    const run = await project.cli(['run', '--no-ui', '--yolo']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);

    expect(project.task('two').attempts[0]?.quality?.todosAdded).toBe(1);
    const shown = JSON.parse((await project.cli(['review', '--json'])).stdout) as {
      reviews: ReviewEntry[];
      attempts: unknown[];
    };
    expect(shown.reviews).toEqual([]);
    expect(shown.attempts).toHaveLength(2);
  }, 120_000);

  it("runs the review agent on the backend of the task whose attempt made it due, not the run's", async () => {
    // The run's backend is claude with a CLI that only fails; both tasks name the sim for themselves.
    const project = await simProject({
      config: { review: { every: 2 }, 'backend.claude': { command: '/bin/false' } },
    });
    await project.setConfig('backend', { default: 'claude' });
    await project.commitAll('claude by default');
    await project.importTasks(tasks.slice(0, 2).map((task) => ({ ...task, backend: 'sim' })));

    const run = await project.cli(['run', '--no-ui']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const shown = JSON.parse((await project.cli(['review', '--json'])).stdout) as { reviews: ReviewEntry[] };
    // The sim reviewer answered (on the run's claude it would have failed: "unparsed").
    expect(shown.reviews.map((review) => [review.verdict, review.summary])).toEqual([
      ['concerns', expect.stringContaining('Simulated review')],
    ]);
  }, 120_000);
});
