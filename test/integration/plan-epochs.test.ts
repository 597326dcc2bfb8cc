/**
 * `run --epochs N` with the sim planner: when the queue is exhausted the engine re-plans from the
 * recorded source (a file, re-read at that moment), and the new tasks run in the same run; a re-plan
 * that adds nothing ends the run early.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli.js';
import {
  cleanupProjects,
  simProject,
  simTask,
  simWrite,
  type SimProject,
} from '../support/engine-fixtures.js';
import { planJson, plannerPrompt, scriptedIntent } from './plan-support.js';

afterEach(cleanupProjects);

/** Plans task `first` from an intent file outside the repository; returns the file. */
async function plannedProject(): Promise<{ project: SimProject; intentFile: string }> {
  const project = await simProject();
  const intentFile = path.join(await tempDir('nightshift-intent-'), 'intent.txt');
  await writeFile(
    intentFile,
    scriptedIntent({ any: planJson([simTask('first', simWrite('first.txt', '1'), ['test -f first.txt'])]) }),
  );
  const planned = await project.cli(['plan', '-f', intentFile]);
  if (planned.exitCode !== 0) throw new Error(`plan failed:\n${planned.stdout}\n${planned.stderr}`);
  return { project, intentFile };
}

describe('run --epochs', () => {
  it('re-plans once the queue is exhausted, from the re-read source file, and runs what the planner added', async () => {
    const { project, intentFile } = await plannedProject();
    // The source changes between epochs: epoch 2 must read it again, not reuse the first text.
    await writeFile(
      intentFile,
      scriptedIntent(
        {
          any: planJson([
            simTask('second', simWrite('second.txt', '2'), ['test -f second.txt'], { depends_on: ['first'] }),
          ]),
        },
        { spec: false },
      ),
    );

    const run = await project.cli(['run', '--no-ui', '--epochs', '2'], { timeoutMs: 90_000 });

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('epoch 2 of 2: the queue is exhausted; re-planning');
    expect(run.stdout).toMatch(/epoch 2: added 1 task: second/);
    expect(project.state()?.tasks.map((t) => [t.id, t.status])).toEqual([
      ['first', 'done'],
      ['second', 'done'],
    ]);
    expect(existsSync(path.join(project.dir, 'second.txt'))).toBe(true);
    // The planner was told what is done, so it adds rather than repeats.
    expect(plannerPrompt(project.dir, 1)).toMatch(/- first — Task first \(done\)/);
    expect(plannerPrompt(project.dir, 1)).toContain('Epoch 2: the queue below was worked through');
    // One run, which ended after its last epoch: no third re-plan.
    expect(run.stdout).not.toContain('epoch 3');
    expect(project.state()?.runs).toHaveLength(1);
  }, 120_000);

  it('stops early when a re-plan adds nothing', async () => {
    const { project, intentFile } = await plannedProject();
    await writeFile(intentFile, scriptedIntent({ any: planJson([]) }, { spec: false }));

    const run = await project.cli(['run', '--no-ui', '--epochs', '3'], { timeoutMs: 90_000 });

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('epoch 2: the planner added no tasks; stopping');
    expect(run.stdout).not.toContain('epoch 3');
    expect(project.state()?.tasks.map((t) => [t.id, t.status])).toEqual([['first', 'done']]);
    expect(project.state()?.runs.at(-1)?.outcome).toBe('done');
  }, 120_000);

  it('runs a single epoch by default: no re-plan', async () => {
    const { project } = await plannedProject();
    const run = await project.cli(['run', '--no-ui']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).not.toContain('re-planning');
  }, 90_000);
});
