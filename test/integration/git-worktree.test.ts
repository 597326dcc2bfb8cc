/**
 * git/worktree.ts on real temporary repositories: create, commit inside, integrate into the
 * main checkout, conflicts, a dirty main checkout, removal and pruning.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitAll, head } from '../../source/git/git.js';
import { integrate } from '../../source/git/integrate.js';
import {
  createWorktree,
  integrationBranchOf,
  listWorktrees,
  pruneWorktrees,
  removeWorktree,
  worktreesDir,
} from '../../source/git/worktree.js';

let scratch: string;
let repo: string;
const savedStateHome = process.env['XDG_STATE_HOME'];

async function run(cwd: string, ...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd })).stdout;
}

async function write(root: string, file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), text);
}

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ns-wt-'));
  process.env['XDG_STATE_HOME'] = path.join(scratch, 'state');
  repo = path.join(scratch, 'my repo');
  await mkdir(repo);
  await run(repo, 'init', '-q', '-b', 'main');
  await run(repo, 'config', 'user.name', 'Test');
  await run(repo, 'config', 'user.email', 'test@example.com');
  await write(repo, 'shared.txt', 'line 1\nline 2\nline 3\n');
  await write(repo, '.gitignore', '.nightshift/\nnode_modules/\n');
  await run(repo, 'add', '-A');
  await run(repo, 'commit', '-q', '-m', 'initial');
});

afterEach(async () => {
  if (savedStateHome === undefined) delete process.env['XDG_STATE_HOME'];
  else process.env['XDG_STATE_HOME'] = savedStateHome;
  await rm(scratch, { recursive: true, force: true });
});

describe('createWorktree', () => {
  it('makes a worktree under the state home on nightshift/<task>', async () => {
    const wt = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    expect(wt.branch).toBe('nightshift/T1');
    expect(wt.path).toBe(path.join(await worktreesDir(repo), 'T1-1'));
    expect(wt.path.startsWith(path.join(scratch, 'state', 'nightshift', 'worktrees'))).toBe(true);
    expect(wt.baseSha).toBe(await head(repo));
    expect(await readFile(path.join(wt.path, 'shared.txt'), 'utf8')).toContain('line 2');
    expect(await run(wt.path, 'branch', '--show-current')).toBe('nightshift/T1');
  });

  it('recreates the branch for the next attempt while the old worktree is kept', async () => {
    const first = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    await write(first.path, 'a.txt', 'attempt 1\n');
    await commitAll(first.path, 'attempt 1');
    const second = await createWorktree(repo, 'T1', 2, { baseRef: 'main' });
    expect(await head(second.path)).toBe(await head(repo));
    expect(existsSync(path.join(second.path, 'a.txt'))).toBe(false);
    // The kept worktree still has its files, detached.
    expect(await readFile(path.join(first.path, 'a.txt'), 'utf8')).toBe('attempt 1\n');
    expect(await run(first.path, 'branch', '--show-current')).toBe('');
  });

  it('replaces a leftover folder of the same attempt and links ignored folders in', async () => {
    await write(repo, 'node_modules/dep/index.js', 'module.exports = 1;\n');
    const first = await createWorktree(repo, 'T2', 1, { baseRef: 'main' });
    await write(first.path, 'junk.txt', 'junk\n');
    const again = await createWorktree(repo, 'T2', 1, { baseRef: 'main', links: ['node_modules', 'absent'] });
    expect(again.path).toBe(first.path);
    expect(existsSync(path.join(again.path, 'junk.txt'))).toBe(false);
    expect(await readFile(path.join(again.path, 'node_modules/dep/index.js'), 'utf8')).toContain('module');
    expect(await run(again.path, 'status', '--porcelain')).toBe('');
    // Removing the worktree removes the link, never what it points to.
    await removeWorktree(repo, again.path);
    expect(existsSync(path.join(repo, 'node_modules/dep/index.js'))).toBe(true);
  });

  it('refuses a task id that cannot be a branch', async () => {
    await expect(createWorktree(repo, '../evil', 1, { baseRef: 'main' })).rejects.toThrow(
      /cannot name a git branch/,
    );
  });
});

describe('integrate', () => {
  it('rebases and fast-forwards the main checkout, working tree included', async () => {
    const wt = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    await write(wt.path, 'feature.txt', 'feature\n');
    await commitAll(wt.path, 'T1: feature');
    // Work landed on main meanwhile (another task), touching a different file.
    await write(repo, 'other.txt', 'other\n');
    await run(repo, 'add', 'other.txt');
    await run(repo, 'commit', '-q', '-m', 'other task');
    // An unrelated uncommitted edit in the main checkout does not stop the merge.
    await write(repo, 'notes.txt', 'user is typing\n');
    const other = await head(repo);

    const result = await integrate(repo, wt, { integrationBranch: await integrationBranchOf(repo) });
    // The base is the head it was rebased onto: the kept diff of the attempt is taken against it.
    expect(result).toEqual({ ok: true, sha: await head(repo), base: other });
    expect(await readFile(path.join(repo, 'feature.txt'), 'utf8')).toBe('feature\n');
    expect(await run(repo, 'log', '--format=%s', '-3')).toBe('T1: feature\nother task\ninitial');
    expect(await run(repo, 'status', '--porcelain')).toBe('?? notes.txt');
  });

  it('moves the ref directly when no checkout has the integration branch', async () => {
    await run(repo, 'branch', 'integration');
    const wt = await createWorktree(repo, 'T1', 1, { baseRef: 'integration' });
    await write(wt.path, 'feature.txt', 'feature\n');
    const sha = await commitAll(wt.path, 'T1');
    const result = await integrate(repo, wt, { integrationBranch: 'integration' });
    expect(result).toEqual({ ok: true, sha, base: wt.baseSha });
    expect(await run(repo, 'rev-parse', 'integration')).toBe(sha);
    expect(existsSync(path.join(repo, 'feature.txt'))).toBe(false);
  });

  it('reports a conflict and leaves both trees clean', async () => {
    const wt = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    await write(wt.path, 'shared.txt', 'line 1\nline 2 from the task\nline 3\n');
    const taskSha = await commitAll(wt.path, 'T1: change line 2');
    await write(repo, 'shared.txt', 'line 1\nline 2 from main\nline 3\n');
    await run(repo, 'commit', '-q', '-am', 'main changes line 2');
    const mainSha = await head(repo);

    const result = await integrate(repo, wt, { integrationBranch: 'main' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('conflict');
    expect(result.files).toEqual(['shared.txt']);
    expect(result.conflict).toContain('shared.txt');
    expect(result.conflict).toMatch(/CONFLICT/);
    expect(await head(repo)).toBe(mainSha);
    expect(await head(wt.path)).toBe(taskSha);
    expect(await run(repo, 'status', '--porcelain')).toBe('');
    expect(await run(wt.path, 'status', '--porcelain')).toBe('');
    expect(existsSync(path.join(wt.path, '.git'))).toBe(true);
    expect(await readFile(path.join(repo, 'shared.txt'), 'utf8')).toContain('from main');
  });

  it('reports a main checkout with uncommitted changes in files the merge touches', async () => {
    const wt = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    await write(wt.path, 'shared.txt', 'task version\n');
    await write(wt.path, 'new.txt', 'task\n');
    await commitAll(wt.path, 'T1');
    await write(repo, 'shared.txt', 'user edit\n');
    await write(repo, 'new.txt', 'user file\n');
    const before = await head(repo);

    const result = await integrate(repo, wt, { integrationBranch: 'main' });
    expect(result).toMatchObject({ ok: false, reason: 'dirty-checkout', files: ['new.txt', 'shared.txt'] });
    if (!result.ok) expect(result.conflict).toMatch(/uncommitted changes .* \(new\.txt, shared\.txt\)/);
    expect(await head(repo)).toBe(before);
    expect(await readFile(path.join(repo, 'shared.txt'), 'utf8')).toBe('user edit\n');
  });

  it("never writes the main checkout's index to look at it (the user's own git would find index.lock)", async () => {
    const wt = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    await write(wt.path, 'shared.txt', 'task version\n');
    await commitAll(wt.path, 'T1');
    await write(repo, 'shared.txt', 'user edit\n');
    // Same content, new mtime: a plain `git status` would refresh this entry and rewrite the index.
    await write(repo, '.gitignore', '.nightshift/\nnode_modules/\n');
    const indexFile = path.join(repo, '.git', 'index');
    const before = await stat(indexFile);

    const result = await integrate(repo, wt, { integrationBranch: 'main' });
    expect(result).toMatchObject({ ok: false, reason: 'dirty-checkout', files: ['shared.txt'] });
    expect((await stat(indexFile)).mtimeMs).toBe(before.mtimeMs);
  });

  it('refuses a worktree with uncommitted changes', async () => {
    const wt = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    await write(wt.path, 'loose.txt', 'x\n');
    await expect(integrate(repo, wt, { integrationBranch: 'main' })).rejects.toThrow(
      /uncommitted changes \(loose\.txt\)/,
    );
  });
});

describe('removeWorktree and pruneWorktrees', () => {
  it('removes a worktree with untracked files, and its branch unless kept', async () => {
    const one = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    await write(one.path, 'untracked.txt', 'x\n');
    await removeWorktree(repo, one.path);
    expect(existsSync(one.path)).toBe(false);
    expect(await run(repo, 'branch', '--list', 'nightshift/*')).toBe('');

    const two = await createWorktree(repo, 'T2', 1, { baseRef: 'main' });
    await removeWorktree(repo, two.path, { keepBranch: true });
    expect(await run(repo, 'branch', '--list', 'nightshift/*')).toContain('nightshift/T2');
    expect((await listWorktrees(repo)).map((entry) => entry.branch)).toEqual(['main']);
  });

  it('prunes folders git no longer knows and forgets deleted ones', async () => {
    const kept = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    const gone = await createWorktree(repo, 'T2', 1, { baseRef: 'main' });
    await rm(gone.path, { recursive: true, force: true });
    const stray = path.join(await worktreesDir(repo), 'T9-1');
    await mkdir(stray, { recursive: true });
    expect(await pruneWorktrees(repo)).toEqual([stray]);
    expect(existsSync(kept.path)).toBe(true);
    expect(existsSync(stray)).toBe(false);
    expect((await listWorktrees(repo)).length).toBe(2);
  });
});
