/**
 * An outage of the model API is not a task failure (issue 11): the engine pauses the queue, says so,
 * waits with backoff, resumes by itself, and spends no retry, no reflection and no learning on it.
 * Driven with the sim agent's `sim: outage-attempts N`, which reports claude's 529 "Overloaded".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupProjects, simProject, simTask, simWrite } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

/** A short first backoff step, so the pause ends within the test. */
const OUTAGE_ENV = { NIGHTSHIFT_OUTAGE_BACKOFF_MS: '300' };

describe('engine: an outage of the model API', () => {
  it('pauses the queue, resumes by itself and lands the task without spending a retry', async () => {
    const project = await simProject();
    await project.importTasks([
      simTask('api', `sim: outage-attempts 2\n${simWrite('api.txt', 'after the outage')}`, [
        'test -f api.txt',
      ]),
    ]);

    // No retries at all: only an attempt that spends none can still land the task.
    const run = await project.cli(['run', '--no-ui', '--max-retries', '0'], { env: OUTAGE_ENV });

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const task = project.task('api');
    expect(task.status).toBe('done');
    expect(task.attempts.map((a) => a.outcome)).toEqual(['interrupted', 'interrupted', 'passed']);
    expect(task.attempts[0]?.summary).toMatch(/^outage: the model API is failing \(API Error: 529/);
    // No reflection and no lesson: "API Error 529" must never reach a later prompt.
    for (const attempt of task.attempts) expect(attempt.reflection).toBeUndefined();
    expect(task.learning).toEqual([]);
    expect(project.state()?.learning ?? []).toEqual([]);
    // It said so, twice (the second pause is longer), and resumed by itself.
    const paused = run.stdout.split('\n').filter((line) => line.includes('queue paused: outage'));
    expect(paused, run.stdout).toHaveLength(2);
    expect(paused[0]).toMatch(/the model API is failing .*resuming in \d+ s — no retry spent/);
    expect(run.stdout.match(/queue resumed/g)).toHaveLength(2);
    expect(readFileSync(path.join(project.dir, 'api.txt'), 'utf8')).toBe('after the outage\n');
    // The events file keeps the pause for `nightshift report` and later reading.
    const events = readFileSync(path.join(project.dir, '.nightshift', 'events.jsonl'), 'utf8');
    expect(events).toContain('queue paused: outage');
  }, 90_000);

  it('a real failure still spends its retries', async () => {
    const project = await simProject();
    await project.importTasks([
      simTask('broken', `sim: fail-attempts 5\n${simWrite('x.txt', 'x')}`, ['test -f x.txt']),
    ]);
    const run = await project.cli(['run', '--no-ui', '--max-retries', '1'], { env: OUTAGE_ENV });
    expect(run.exitCode, run.stdout + run.stderr).toBe(2);
    expect(project.task('broken').attempts.map((a) => a.outcome)).toEqual(['failed', 'failed']);
    expect(run.stdout).not.toContain('queue paused');
  }, 90_000);
});
