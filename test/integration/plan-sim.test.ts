/**
 * `nightshift plan` with the sim backend as planner, through the built CLI on real git repos: a
 * scripted plan enters the queue; audit errors of round 1 reach the planner's round-2 prompt; a
 * plan that never passes leaves the queue alone; --spec-only; --append and --replace.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupProjects, simProject, simTask, simWrite } from '../support/engine-fixtures.js';
import { SPEC_PATH, planJson, plannerPrompt, scriptedIntent } from './plan-support.js';

afterEach(cleanupProjects);

const threeTasks = planJson(
  [
    { ...simTask('setup', simWrite('a.txt', 'a'), ['test -f a.txt']), epic: 'core' },
    {
      ...simTask('greet', simWrite('b.txt', 'b'), ['test -f b.txt'], { depends_on: ['setup'] }),
      epic: 'core',
    },
    {
      ...simTask('docs', simWrite('c.txt', 'c'), ['test -f c.txt'], { depends_on: ['setup', 'greet'] }),
      epic: 'core',
    },
  ],
  [{ id: 'core', title: 'Core' }],
);

describe('nightshift plan with the sim planner', () => {
  it('puts a scripted plan of three dependent tasks in the queue, writes and commits the spec, and records the source', async () => {
    const project = await simProject();
    const intent = scriptedIntent({ any: threeTasks });

    const result = await project.cli(['plan', '--intent', intent]);

    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('planning (round 1/3)…');
    expect(result.stdout).toMatch(/▸ Write: \.nightshift\/plan\.json/);
    expect(result.stdout).toContain('added 3 tasks: setup, greet, docs');
    expect(result.stdout).toContain('epics: core (Core)');
    expect(result.stdout).toContain(`spec: ${SPEC_PATH}`);
    const state = project.state();
    expect(state?.tasks.map((t) => [t.id, t.dependsOn, t.status])).toEqual([
      ['setup', [], 'pending'],
      ['greet', ['setup'], 'pending'],
      ['docs', ['setup', 'greet'], 'pending'],
    ]);
    expect(state?.epics.map((e) => e.id)).toEqual(['core']);
    expect(readFileSync(path.join(project.dir, SPEC_PATH), 'utf8')).toContain('## Acceptance criteria');
    // The spec is committed (worktrees see only committed files) and HEAD is recorded for reset.
    expect(await project.subjects()).toContain('nightshift(plan): spec build-a-greeter.md');
    expect(state?.plan).toMatchObject({
      source: intent,
      sourceKind: 'intent',
      specPath: SPEC_PATH,
      commit: await project.git('rev-parse', 'HEAD'),
    });
    expect(await project.git('status', '--porcelain', '--untracked-files=no')).toBe('');
  }, 60_000);

  it('sends a dependency cycle back to the planner, whose second round fixes it', async () => {
    const project = await simProject();
    const cyclic = planJson([
      simTask('a', 'write a', ['test -f a.txt'], { depends_on: ['b'] }),
      simTask('b', 'write b', ['test -f b.txt'], { depends_on: ['a'] }),
    ]);
    const fixed = planJson([
      simTask('a', 'write a', ['test -f a.txt']),
      simTask('b', 'write b', ['test -f b.txt'], { depends_on: ['a'] }),
    ]);

    const result = await project.cli(['plan', '--intent', scriptedIntent({ 1: cyclic, 2: fixed })]);

    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('planning (round 2/3)…');
    expect(result.stdout).toMatch(/problem: task "a" field dependsOn: dependency cycle: a → b → a/);
    expect(plannerPrompt(project.dir, 1)).not.toContain('# Audit errors from the last round');
    const second = plannerPrompt(project.dir, 2);
    expect(second).toContain('# Audit errors from the last round');
    expect(second).toMatch(/- task "a" field dependsOn: dependency cycle: a → b → a/);
    expect(project.state()?.tasks.map((t) => [t.id, t.dependsOn])).toEqual([
      ['a', []],
      ['b', ['a']],
    ]);
  }, 60_000);

  it('sends a missing field back to the planner, whose second round adds it', async () => {
    const project = await simProject();
    const { title: _title, ...untitled } = simTask('only', 'write it', ['test -f it.txt']);
    const noCommands = { ...simTask('second', 'write it', []), verification: {} };
    const fixed = planJson([
      simTask('only', 'write it', ['test -f it.txt']),
      simTask('second', 'write it', ['test -f two.txt']),
    ]);

    const round1 = await project.cli([
      'plan',
      '--intent',
      scriptedIntent({ 1: planJson([untitled, noCommands]), 2: fixed }),
    ]);

    expect(round1.exitCode, round1.stdout + round1.stderr).toBe(0);
    const second = plannerPrompt(project.dir, 2);
    expect(second).toMatch(/\.nightshift\/plan\.json: tasks\[0\]\.title \(task "only"\)/);
    expect(project.state()?.tasks.map((t) => t.id)).toEqual(['only', 'second']);
  }, 60_000);

  it('exits 1 and leaves the queue alone when the plan still fails the audit after the last round', async () => {
    const project = await simProject();
    const noVerification = planJson([{ ...simTask('x', 'write x', []), verification: {} }]);

    const result = await project.cli([
      'plan',
      '--rounds',
      '2',
      '--intent',
      scriptedIntent({ any: noVerification }),
    ]);

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('planning (round 2/2)…');
    expect(result.stdout).not.toContain('round 3');
    expect(result.stderr).toMatch(/still not right after 2 rounds; nothing entered the queue/);
    expect(result.stderr).toMatch(/task "x" field verification: nothing verifies this task/);
    expect(plannerPrompt(project.dir, 2)).toMatch(/nothing verifies this task/);
    expect(project.state()?.tasks).toEqual([]);
    expect(project.state()?.plan).toBeUndefined();
  }, 60_000);

  it('--spec-only writes the spec and stops: no plan round, nothing in the queue', async () => {
    const project = await simProject();

    const result = await project.cli(['plan', '--spec-only', '--intent', scriptedIntent({})]);

    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`spec written: ${SPEC_PATH}`);
    expect(existsSync(path.join(project.dir, SPEC_PATH))).toBe(true);
    expect(plannerPrompt(project.dir, 1)).toContain('This time write ONLY the spec');
    expect(project.state()?.tasks).toEqual([]);
    expect(project.state()?.plan).toBeUndefined();
  }, 60_000);

  it('plans from a spec given with -f without rewriting it', async () => {
    const project = await simProject();
    const spec = path.join(project.dir, 'docs', 'specs', 'given.md');
    await mkdir(path.dirname(spec), { recursive: true });
    const text = [
      '# Given',
      '',
      '## Goal',
      'g',
      '',
      '## Acceptance criteria',
      '1. a',
      '',
      'sim: write .nightshift/plan.json <<<',
      planJson([simTask('g1', 'w', ['true'])]),
      '>>>',
      '',
    ].join('\n');
    await writeFile(spec, text);

    const result = await project.cli(['plan', '-f', spec]);

    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('spec: docs/specs/given.md');
    expect(readFileSync(spec, 'utf8')).toBe(text);
    expect(plannerPrompt(project.dir, 1)).toContain('(given by the user, at `docs/specs/given.md`');
    expect(project.state()?.plan).toMatchObject({
      sourceKind: 'file',
      source: 'docs/specs/given.md',
      specPath: 'docs/specs/given.md',
    });
  }, 60_000);

  it('--append adds to the queue; --replace makes the plan the queue, after a backup', async () => {
    const project = await simProject();
    await project.importTasks([simTask('old', 'old work', ['true'])]);

    const appended = await project.cli([
      'plan',
      '--append',
      '--intent',
      scriptedIntent({ any: planJson([simTask('new1', 'w', ['true'], { depends_on: ['old'] })]) }),
    ]);
    expect(appended.exitCode, appended.stdout + appended.stderr).toBe(0);
    expect(project.state()?.tasks.map((t) => t.id)).toEqual(['old', 'new1']);
    // The planner saw the queue it adds to.
    expect(plannerPrompt(project.dir, 1)).toContain('- old — Task old (pending)');

    const replaced = await project.cli([
      'plan',
      '--replace',
      '--intent',
      scriptedIntent({ any: planJson([simTask('fresh', 'w', ['true'])]) }),
    ]);
    expect(replaced.exitCode, replaced.stdout + replaced.stderr).toBe(0);
    expect(project.state()?.tasks.map((t) => t.id)).toEqual(['fresh']);
    expect(replaced.stdout).toMatch(/backup of the previous queue: .*state-.*-plan-replace\.json/);
    const backups = readdirSync(path.join(project.dir, '.nightshift', 'backups'));
    const backup = backups.find((name) => name.endsWith('-plan-replace.json'));
    expect(backup).toBeDefined();
    const saved = JSON.parse(
      readFileSync(path.join(project.dir, '.nightshift', 'backups', backup ?? ''), 'utf8'),
    ) as { tasks: { id: string }[] };
    expect(saved.tasks.map((t) => t.id)).toEqual(['old', 'new1']);
    // --replace plans against nothing: the old tasks were not shown as a queue to add to.
    expect(plannerPrompt(project.dir, 1)).not.toContain('- old — Task old');
  }, 90_000);
});
