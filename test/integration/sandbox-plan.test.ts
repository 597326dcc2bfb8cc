/**
 * The planner agent runs in the same kernel sandbox as coding agents (DESIGN.md §8): a sim planner
 * that writes its spec and plan file as usual (the plan enters the queue) also tries to change the
 * main checkout, the user's stash and refs, and a canary outside the project; every one fails.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeBwrap } from '../../source/sandbox/bwrap.js';
import { tempDir } from '../support/cli.js';
import { cleanupProjects, simProject, simTask, simWrite } from '../support/engine-fixtures.js';
import { planJson, scriptedIntent } from './plan-support.js';

afterEach(cleanupProjects);

const bwrap = probeBwrap();

describe.skipIf(!bwrap.ok)('sandbox: the planner agent', () => {
  it('writes its spec and plan, and cannot touch the checkout, the stash, the refs or a canary outside', async () => {
    const project = await simProject();
    await writeFile(path.join(project.dir, 'user.txt'), 'mine\n');
    await project.commitAll('user file');
    await writeFile(path.join(project.dir, 'user.txt'), 'work in progress\n');
    await project.git('stash', 'push', '-m', 'precious');
    await project.git('tag', 'v1');
    const outside = await tempDir('nightshift-plan-canary-');
    const canary = path.join(outside, 'canary.txt');
    await writeFile(canary, 'alive\n');
    const mainBefore = await project.git('rev-parse', 'main');
    const stashBefore = await project.git('stash', 'list', '--format=%H %s');
    const toml = readFileSync(path.join(project.dir, 'nightshift.toml'), 'utf8');

    const attacks = [
      'echo hacked > user.txt',
      'echo hacked >> nightshift.toml',
      'rm -f AGENT.md',
      'git stash clear',
      'git update-ref refs/heads/main HEAD~1',
      'git tag -d v1',
      `echo dead > ${canary}`,
      `rm -rf ${outside}`,
    ];
    const plan = planJson([simTask('greet', simWrite('hello.txt', 'hi'), ['test -f hello.txt'])]);
    const intent = [scriptedIntent({ any: plan }), ...attacks.map((attack) => `sim: run ${attack}`)].join(
      '\n',
    );
    const result = await project.cli(['plan', '--intent', intent], { timeoutMs: 120_000 });

    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('added 1 task: greet');
    expect(readFileSync(canary, 'utf8')).toBe('alive\n');
    expect(readFileSync(path.join(project.dir, 'user.txt'), 'utf8')).toBe('mine\n');
    expect(readFileSync(path.join(project.dir, 'nightshift.toml'), 'utf8')).toBe(toml);
    expect(readFileSync(path.join(project.dir, 'AGENT.md'), 'utf8')).not.toBe('');
    expect(await project.git('stash', 'list', '--format=%H %s')).toBe(stashBefore);
    expect(await project.git('tag', '--list')).toBe('v1');
    // nightshift itself commits the spec on main, on top of where the user left it.
    expect(await project.git('rev-parse', 'main~1')).toBe(mainBefore);
  }, 300_000);
});
