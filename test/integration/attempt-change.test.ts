/**
 * review/assess.ts attemptChange on a real repository: the files, counts and added lines of a landed
 * commit and of an unlanded worktree, read from one `git diff --numstat --patch` (plus ls-files).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attemptChange } from '../../source/review/assess.js';

let repo: string;

async function git(...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd: repo })).stdout;
}

beforeEach(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'ns-change-'));
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.name', 'Test');
  await git('config', 'user.email', 'test@example.com');
  await writeFile(path.join(repo, 'a file.txt'), 'one\ntwo\n');
  await writeFile(path.join(repo, 'data.bin'), Buffer.from([0, 1, 2]));
  await writeFile(path.join(repo, 'gone.txt'), 'x\ny\nz\n');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'base');
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('attemptChange', () => {
  it('a landed commit: every file, text counts, binary files counted as files only, the added lines', async () => {
    const base = await git('rev-parse', 'HEAD');
    await writeFile(path.join(repo, 'a file.txt'), 'one\nTWO\nthree\n');
    await writeFile(path.join(repo, 'data.bin'), Buffer.from([0, 9, 9, 9]));
    await rm(path.join(repo, 'gone.txt'));
    await writeFile(path.join(repo, 'new.ts'), 'export const n = 1;\n');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'work');
    const commit = await git('rev-parse', 'HEAD');

    const change = await attemptChange({ path: repo, baseSha: base }, commit);
    expect([...change.files].sort()).toEqual(['a file.txt', 'data.bin', 'gone.txt', 'new.ts']);
    // a file.txt: +2 −1; gone.txt: −3; new.ts: +1; data.bin: not counted.
    expect(change.insertions).toBe(3);
    expect(change.deletions).toBe(4);
    expect(change.addedLines).toEqual(['TWO', 'three', 'export const n = 1;']);
  });

  it('an empty commit has no files, no counts and no lines', async () => {
    const base = await git('rev-parse', 'HEAD');
    await git('commit', '-q', '--allow-empty', '-m', 'nothing');
    const change = await attemptChange({ path: repo, baseSha: base }, await git('rev-parse', 'HEAD'));
    expect(change).toEqual({ files: [], insertions: 0, deletions: 0, addedLines: [] });
  });

  it('an unlanded worktree: tracked edits against the base and the untracked files it read', async () => {
    const base = await git('rev-parse', 'HEAD');
    await writeFile(path.join(repo, 'a file.txt'), 'one\ntwo\nmore\n');
    await writeFile(path.join(repo, 'untracked.md'), '# new\nbody\n');
    const change = await attemptChange({ path: repo, baseSha: base }, undefined);
    expect(change.files).toEqual(['a file.txt', 'untracked.md']);
    expect(change.insertions).toBe(3);
    expect(change.deletions).toBe(0);
    expect(change.addedLines).toEqual(['more', '# new', 'body']);
  });
});
