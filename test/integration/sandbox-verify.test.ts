/**
 * `nightshift verify ID` runs the task's commands in the kernel sandbox, like the engine's gate
 * (DESIGN.md §8): run by hand in the main checkout, a verify command may write its build output into
 * the checkout, but not outside it, and not into the repository's refs, stash or config. With
 * `[sandbox] mode = "off"` every one of those writes goes through (so the test can fail).
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeBwrap } from '../../source/sandbox/bwrap.js';
import { outsideDir } from '../support/cli.js';
import { cleanupProjects, simProject, type SimProject } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

const bwrap = probeBwrap();

/** The user's state a verify command must leave as it was. */
async function userState(p: SimProject): Promise<Record<string, string>> {
  return {
    main: await p.git('rev-parse', 'main'),
    stash: await p.git('stash', 'list', '--format=%H %s'),
    config: readFileSync(path.join(p.dir, '.git', 'config'), 'utf8'),
  };
}

async function setUp(mode: 'auto' | 'off'): Promise<{ p: SimProject; outside: string }> {
  const p = await simProject({ config: { sandbox: { mode } } });
  await writeFile(path.join(p.dir, 'user.txt'), 'mine\n');
  await p.commitAll('user file');
  await writeFile(path.join(p.dir, 'user.txt'), 'work in progress\n');
  await p.git('stash', 'push', '-m', 'precious');
  await writeFile(path.join(p.dir, 'second.txt'), 'second\n');
  await p.commitAll('second');
  const outside = await outsideDir('nightshift-verify-canary-');
  const attacks: Record<string, string> = {
    outside: `echo escaped > ${path.join(outside, 'escaped.txt')}`,
    'update-ref': 'git update-ref refs/heads/main HEAD~1',
    'stash-clear': 'git stash clear',
    'git-config': 'git config core.hooksPath /tmp/evil',
    build: 'echo built > build.txt',
  };
  for (const [id, command] of Object.entries(attacks)) {
    const added = await p.cli(['task', 'add', '--id', id, '--title', id, '--step', 'x', '--verify', command]);
    expect(added.exitCode, added.stderr).toBe(0);
  }
  return { p, outside };
}

describe.skipIf(!bwrap.ok)('sandbox: nightshift verify', () => {
  it('refuses, by the kernel, a verify command that writes outside the checkout or into its refs, stash or config', async () => {
    const { p, outside } = await setUp('auto');
    const before = await userState(p);
    for (const id of ['outside', 'update-ref', 'stash-clear', 'git-config']) {
      const result = await p.cli(['verify', id]);
      expect(result.exitCode, `${id}: ${result.stdout}${result.stderr}`).toBe(2);
      expect(result.stdout, id).toMatch(/Read-only file system|could not lock config file/);
    }
    expect(existsSync(path.join(outside, 'escaped.txt'))).toBe(false);
    expect(await userState(p)).toEqual(before);
    // The checkout itself stays writable: a gate's build output lands where it always did.
    const build = await p.cli(['verify', 'build']);
    expect(build.exitCode, build.stdout + build.stderr).toBe(0);
    expect(readFileSync(path.join(p.dir, 'build.txt'), 'utf8')).toBe('built\n');
  }, 120_000);

  it('with [sandbox] mode = "off" the same commands go through', async () => {
    const { p, outside } = await setUp('off');
    const before = await userState(p);
    for (const id of ['outside', 'update-ref', 'stash-clear', 'git-config']) {
      const result = await p.cli(['verify', id]);
      expect(result.exitCode, `${id}: ${result.stdout}${result.stderr}`).toBe(0);
    }
    expect(readFileSync(path.join(outside, 'escaped.txt'), 'utf8')).toBe('escaped\n');
    const after = await userState(p);
    expect(after.main).not.toBe(before.main);
    expect(after.stash).toBe('');
    expect(after.config).toContain('/tmp/evil');
  }, 120_000);
});
