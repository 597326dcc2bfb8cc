/**
 * HEAD and branch commits read from git's files (source/git/ref-read.ts), on real repositories:
 * each answer is git's own (`git rev-parse`), and where the files do not say it plainly (a tag of
 * the same name, a name git reads another way) the reader answers nothing, so git is asked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { readBranch, readHead } from '../../source/git/ref-read.js';
import { revParse } from '../../source/git/git.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function repo(): Promise<{ dir: string; git: (...args: string[]) => Promise<string> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-refs-'));
  made.push(dir);
  const git = async (...args: string[]) =>
    (await execa('git', args, { cwd: dir, stdin: 'ignore' })).stdout.trim();
  await git('init', '-q', '-b', 'main');
  await git('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '--allow-empty', '-m', 'one');
  return { dir, git };
}

describe('reading refs without git', () => {
  it('reads HEAD and a branch, loose and packed, in the main checkout and in a worktree, as git does', async () => {
    const { dir, git } = await repo();
    const first = await git('rev-parse', 'HEAD');
    expect(readHead(dir)).toBe(first);
    expect(readBranch(dir, 'main')).toBe(first);
    expect(readBranch(dir, 'refs/heads/main')).toBe(first);

    await git('pack-refs', '--all');
    expect(readBranch(dir, 'main')).toBe(first); // from packed-refs now
    await git('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '--allow-empty', '-m', 'two');
    const second = await git('rev-parse', 'HEAD');
    expect(readBranch(dir, 'main')).toBe(second); // the loose ref wins over the packed one

    const tree = path.join(dir, '..', `${path.basename(dir)}-wt`);
    made.push(tree);
    await git('worktree', 'add', '-q', '-b', 'nightshift/t1', tree, first);
    expect(readHead(tree)).toBe(first);
    expect(readBranch(tree, 'nightshift/t1')).toBe(first);
    expect(readBranch(tree, 'main')).toBe(second);
    await execa('git', ['checkout', '-q', '--detach', second], { cwd: tree });
    expect(readHead(tree)).toBe(second);
    expect(await revParse(tree)).toBe(second);
  });

  it('leaves to git what the files do not say plainly', async () => {
    const { dir, git } = await repo();
    await git('tag', 'release');
    await git('branch', 'release'); // `git rev-parse release` means the tag, and warns
    expect(readBranch(dir, 'release')).toBeUndefined();
    expect(readBranch(dir, 'main~1')).toBeUndefined();
    expect(readBranch(dir, 'missing')).toBeUndefined();
    expect(readHead(path.join(dir, 'sub'))).toBeUndefined(); // not a checkout's top folder
    // revParse still answers, through git.
    expect(await revParse(dir, 'release')).toBe(await git('rev-parse', 'release^{commit}'));
    await expect(revParse(dir, 'missing')).rejects.toThrow();
  });
});
