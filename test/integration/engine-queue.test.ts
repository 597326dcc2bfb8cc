/**
 * The engine over a queue, through the built CLI on real git repos with the sim agent: dependency
 * order, blocking after max retries, retries after a failed or wrong attempt.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupProjects, simProject, simTask, simWrite } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

describe('engine: a queue of tasks', () => {
  it('runs a dependency chain in order and lands one commit per task on main', async () => {
    const project = await simProject();
    // Listed backwards, and c has the highest priority: only the dependencies can order them.
    await project.importTasks([
      simTask('c', simWrite('c.txt', 'see'), ['test -f a.txt && test -f b.txt && test -f c.txt'], {
        depends_on: ['b'],
        priority: 9,
      }),
      simTask('b', simWrite('b.txt', 'bee'), ['test -f a.txt && test -f b.txt'], {
        depends_on: ['a'],
        priority: 5,
      }),
      simTask('a', simWrite('a.txt', 'ay'), ['test -f a.txt']),
    ]);
    const before = await project.subjects();

    const run = await project.cli(['run', '--no-ui']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(['a', 'b', 'c'].map((id) => project.task(id).status)).toEqual(['done', 'done', 'done']);
    const added = (await project.subjects()).slice(before.length);
    expect(added).toHaveLength(3);
    expect(added.map((subject) => /^nightshift\((\w+)\)/.exec(subject)?.[1])).toEqual(['a', 'b', 'c']);
    for (const [file, text] of [
      ['a.txt', 'ay'],
      ['b.txt', 'bee'],
      ['c.txt', 'see'],
    ] as const) {
      expect(readFileSync(path.join(project.dir, file), 'utf8')).toBe(`${text}\n`);
    }
    // The main checkout is clean: the work arrived by fast-forward, not as loose files.
    expect(await project.git('status', '--porcelain', '--untracked-files=no')).toBe('');
    const progress = readFileSync(path.join(project.dir, '.nightshift', 'progress.md'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('- '));
    expect(progress).toHaveLength(3);
    expect(progress.map((line) => /\*\*(\w+)\*\*/.exec(line)?.[1])).toEqual(['a', 'b', 'c']);
    for (const line of progress) expect(line).toMatch(/attempt 1 · passed · commit [0-9a-f]{10}/);
    const runs = project.state()?.runs ?? [];
    expect(runs.at(-1)).toMatchObject({ outcome: 'done', tasksDone: 3, attempts: 3 });
  }, 90_000);

  it('blocks a task whose gate never passes after max retries, with its failures learned, and goes on', async () => {
    const project = await simProject();
    await project.importTasks([
      simTask('never', simWrite('sometimes.txt', 'not the file the gate wants'), ['test -f never.txt'], {
        priority: 9,
      }),
      simTask('fine', simWrite('fine.txt', 'ok'), ['test -f fine.txt']),
    ]);

    const run = await project.cli(['run', '--no-ui', '--max-retries', '2']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(2);
    const never = project.task('never');
    expect(never.status).toBe('blocked');
    expect(never.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(never.blockReason).toContain('failed 3 attempts');
    expect(never.blockReason).toContain('test -f never.txt');
    // Each failure is reflected on and its lesson kept, in the task and in the project's journal.
    for (const attempt of never.attempts) expect(attempt.reflection ?? '').not.toBe('');
    expect(never.learning.length).toBeGreaterThan(0);
    expect(project.state()?.learning.some((entry) => entry.taskId === 'never')).toBe(true);
    // The run went on: the independent task ran after the blocked one and landed.
    expect(project.task('fine').status).toBe('done');
    expect(Date.parse(project.task('fine').attempts[0]?.startedAt ?? '')).toBeGreaterThan(
      Date.parse(never.attempts[2]?.startedAt ?? ''),
    );
    expect(existsSync(path.join(project.dir, 'fine.txt'))).toBe(true);
    expect(existsSync(path.join(project.dir, 'sometimes.txt'))).toBe(false);
    expect(run.stdout).toMatch(/never blocked: failed 3 attempts/);
    expect(project.state()?.runs.at(-1)?.outcome).toBe('blocked');
  }, 90_000);

  it('retries after a failed agent run (sim: fail-attempts 1) with a reflection on the failure', async () => {
    const project = await simProject();
    await project.importTasks([
      simTask('flaky', `sim: fail-attempts 1\n${simWrite('flaky.txt', 'second time lucky')}`, [
        'test -f flaky.txt',
      ]),
    ]);

    const run = await project.cli(['run', '--no-ui']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const task = project.task('flaky');
    expect(task.status).toBe('done');
    expect(task.attempts.map((a) => [a.n, a.outcome])).toEqual([
      [1, 'failed'],
      [2, 'passed'],
    ]);
    const [first, second] = task.attempts;
    expect(first?.summary).toMatch(/agent exited with code 1/);
    expect(first?.reflection ?? '').not.toBe('');
    expect(first?.commit).toBeUndefined();
    expect(second?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(task.learning.length).toBeGreaterThan(0);
    expect(readFileSync(path.join(project.dir, 'flaky.txt'), 'utf8')).toBe('second time lucky\n');
  }, 90_000);

  it('catches deliberately wrong content in the gate (sim: wrong-attempts 1) and lands the retry', async () => {
    const project = await simProject();
    const check = "grep -qx 'the answer is 42' answer.txt && ! grep -q 'deliberately wrong' answer.txt";
    await project.importTasks([
      simTask('answer', `sim: wrong-attempts 1\n${simWrite('answer.txt', 'header\nthe answer is 42')}`, [
        check,
      ]),
    ]);

    const run = await project.cli(['run', '--no-ui']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const task = project.task('answer');
    expect(task.attempts.map((a) => a.outcome)).toEqual(['failed', 'passed']);
    const failedCheck = task.attempts[0]?.checks.find((c) => !c.passed);
    expect(failedCheck?.name).toBe(check);
    expect(task.attempts[0]?.summary).toContain('gate failed');
    expect(readFileSync(path.join(project.dir, 'answer.txt'), 'utf8')).toBe('header\nthe answer is 42\n');
    // Only the passing attempt reached main.
    expect((await project.subjects()).filter((s) => s.startsWith('nightshift(answer)'))).toHaveLength(1);
  }, 90_000);
});
