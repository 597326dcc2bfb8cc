/**
 * Verified work is never discarded (issue 9): when the user's uncommitted edits in the main
 * checkout are in files a task changed, the task's commit waits on `nightshift/<task>` as
 * "verified, waiting to land", and `nightshift land` lands it once they are clean — without a
 * second agent run. A `.env` file an agent made (never committed) does not block a landing.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanupProjects,
  simProject,
  simTask,
  simWrite,
  waitFor,
  worktreeFolders,
} from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

describe('landing with a dirty main checkout', () => {
  it('keeps the verified work waiting on its branch and lands it with `nightshift land`', async () => {
    const project = await simProject({ run: { max_retries: 2 } });
    writeFileSync(path.join(project.dir, 'shared.txt'), 'original\n');
    await project.commitAll('shared file');
    await project.importTasks([
      simTask('d', simWrite('shared.txt', 'from the task'), ['grep -q task shared.txt']),
      simTask('e', `${simWrite('.env', 'SECRET=1')}\n${simWrite('e.txt', 'e')}`, ['test -f e.txt']),
    ]);
    // The user is editing the file task d changes.
    writeFileSync(path.join(project.dir, 'shared.txt'), 'the user is editing this\n');

    const run = await project.cli(['run', '--no-ui'], { timeoutMs: 90_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(project.task('e').status, output).toBe('done');
    const waiting = project.task('d');
    expect(waiting.status, output).not.toBe('done');
    expect(
      waiting.attempts.map((attempt) => attempt.outcome),
      output,
    ).toEqual(['passed']);
    expect(waiting.landing?.files).toEqual(['shared.txt']);
    expect(await project.git('log', '--format=%s', '-1', 'nightshift/d')).toMatch(/^nightshift\(d\):/);
    const list = await project.cli(['task', 'list']);
    expect(list.stdout).toMatch(/verified, waiting to land/);
    const status = await project.cli(['status']);
    expect(status.stdout).toMatch(/1 verified, waiting to land/);
    expect(status.stdout).toMatch(/kept: 0 worktrees \(0 B\), 1 nightshift\/\* branch/);
    // `clean` never removes a branch holding waiting work.
    const dry = await project.cli(['clean', '--dry-run', '--json']);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      branches: [],
      keptBranches: ['nightshift/d'],
    });

    // The user's edit was never touched; they put it away, and the work lands without an agent.
    expect(await project.git('diff', '--name-only')).toBe('shared.txt');
    await project.git('checkout', '--', 'shared.txt');
    const land = await project.cli(['land', 'd']);
    expect(land.exitCode, `${land.stdout}\n${land.stderr}`).toBe(0);
    const landed = project.task('d');
    expect(landed.status).toBe('done');
    expect(landed.landing).toBeUndefined();
    expect(landed.attempts).toHaveLength(1);
    expect((await project.subjects()).filter((s) => s.startsWith('nightshift(d):'))).toHaveLength(1);
    expect(await project.git('branch', '--list', 'nightshift/*')).toBe('');
    expect(worktreeFolders(project)).toEqual([]);
    expect(await project.git('show', 'main:shared.txt')).toBe('from the task');
  }, 150_000);

  it('lands the waiting work by itself, without an agent, once the user clears the way while the run goes on', async () => {
    const project = await simProject();
    writeFileSync(path.join(project.dir, 'shared.txt'), 'original\n');
    await project.commitAll('shared file');
    await project.importTasks([
      simTask('d', simWrite('shared.txt', 'from the task'), ['grep -q task shared.txt'], { priority: 2 }),
      // Keeps the run going: its agent waits for an answer that never comes.
      simTask('asker', 'sim: ask', ['test -f never.txt']),
    ]);
    writeFileSync(path.join(project.dir, 'shared.txt'), 'the user is editing this\n');
    const engine = project.startCli(['run', '--no-ui', '--parallel', '2']);
    await waitFor(() => project.task('d').landing !== undefined, {
      what: "d's verified work to wait on its branch",
      timeoutMs: 120_000,
    });
    // The user puts their edit away; the engine, still running, lands the work on its own.
    await project.git('checkout', '--', 'shared.txt');
    await waitFor(() => project.task('d').status === 'done', {
      what: 'd to land by itself',
      timeoutMs: 60_000,
    });
    expect(project.task('asker').status).toBe('running');
    const landed = project.task('d');
    expect(landed.attempts).toHaveLength(1);
    expect(landed.landing).toBeUndefined();
    expect(await project.git('show', 'main:shared.txt')).toBe('from the task');
    expect((await project.subjects()).filter((s) => s.startsWith('nightshift(d):'))).toHaveLength(1);
    await project.cli(['stop']);
    await engine.exited;
  }, 240_000);
});
