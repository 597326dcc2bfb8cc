/**
 * git/landing.ts: one landing queue per repository. Landings of one repository run one at a time
 * (in the order asked), a failed one does not stop the next, and parallel landings of several
 * passed attempts all end on the integration branch.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueLanding, landWork } from '../../source/git/landing.js';
import { createRepoCache } from '../../source/git/repo-cache.js';
import { createWorktree, type Worktree } from '../../source/git/worktree.js';

let scratch: string;
let repo: string;
const savedStateHome = process.env['XDG_STATE_HOME'];

async function run(cwd: string, ...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd })).stdout;
}

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ns-land-'));
  process.env['XDG_STATE_HOME'] = path.join(scratch, 'state');
  repo = path.join(scratch, 'repo');
  await mkdir(repo);
  await run(repo, 'init', '-q', '-b', 'main');
  await run(repo, 'config', 'user.name', 'Test');
  await run(repo, 'config', 'user.email', 'test@example.com');
  await writeFile(path.join(repo, 'README.md'), 'hello\n');
  await run(repo, 'add', '-A');
  await run(repo, 'commit', '-q', '-m', 'initial');
});

afterEach(async () => {
  if (savedStateHome === undefined) delete process.env['XDG_STATE_HOME'];
  else process.env['XDG_STATE_HOME'] = savedStateHome;
  await rm(scratch, { recursive: true, force: true });
});

/** A promise with its resolve function, to hold a queued job until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('enqueueLanding', () => {
  it('runs the landings of one repository one at a time, in order, past a failed one', async () => {
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const first = gate();
    const job =
      (name: string, wait?: Promise<void>, fail = false) =>
      async () => {
        running += 1;
        most = Math.max(most, running);
        order.push(`${name} start`);
        await wait;
        order.push(`${name} end`);
        running -= 1;
        if (fail) throw new Error(`${name} failed`);
        return name;
      };
    const a = enqueueLanding(repo, job('a', first.promise, true));
    const b = enqueueLanding(path.join(repo, '.'), job('b'));
    const c = enqueueLanding(repo, job('c'));
    first.open();
    await expect(a).rejects.toThrow('a failed');
    await expect(b).resolves.toBe('b');
    await expect(c).resolves.toBe('c');
    expect(most).toBe(1);
    expect(order).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('does not make another repository wait', async () => {
    const held = gate();
    const other = path.join(scratch, 'other');
    const slow = enqueueLanding(repo, () => held.promise);
    await expect(enqueueLanding(other, () => Promise.resolve('other'))).resolves.toBe('other');
    held.open();
    await slow;
  });
});

describe('landWork', () => {
  it('lands parallel passed attempts one after the other: every one ends on main', async () => {
    const worktrees = await Promise.all(
      ['T1', 'T2', 'T3'].map((id) => createWorktree(repo, id, 1, { baseRef: 'main' })),
    );
    for (const [i, wt] of worktrees.entries()) await writeFile(path.join(wt.path, `f${i}.txt`), `${i}\n`);
    const results = await Promise.all(
      worktrees.map((wt, i) =>
        landWork(repo, wt, { message: `task ${i}`, integrationBranch: 'main', autoCommit: true }),
      ),
    );
    expect(results.map((result) => result.kind)).toEqual(['landed', 'landed', 'landed']);
    expect((await run(repo, 'log', '--format=%s', 'main')).split('\n').sort()).toEqual([
      'initial',
      'task 0',
      'task 1',
      'task 2',
    ]);
    for (const i of [0, 1, 2]) expect(await readFile(path.join(repo, `f${i}.txt`), 'utf8')).toBe(`${i}\n`);
  });

  it('keeps the work on the worktree branch when auto-commit is off, and says when nothing changed', async () => {
    const kept = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    await writeFile(path.join(kept.path, 'x.txt'), 'x\n');
    const result = await landWork(repo, kept, { message: 'x', integrationBranch: 'main', autoCommit: false });
    expect(result).toEqual({ kind: 'kept', sha: await run(kept.path, 'rev-parse', 'HEAD') });
    expect(await run(repo, 'log', '--format=%s', 'main')).toBe('initial');

    const empty = await createWorktree(repo, 'T2', 1, { baseRef: 'main' });
    expect(
      await landWork(repo, empty, { message: 'y', integrationBranch: 'main', autoCommit: true }),
    ).toEqual({
      kind: 'nothing',
    });
  });

  it('refuses a conflicting landing and leaves main as the first landing left it', async () => {
    const one = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    const two = await createWorktree(repo, 'T2', 1, { baseRef: 'main' });
    await writeFile(path.join(one.path, 'README.md'), 'one\n');
    await writeFile(path.join(two.path, 'README.md'), 'two\n');
    const [first, second] = await Promise.all([
      landWork(repo, one, { message: 'one', integrationBranch: 'main', autoCommit: true }),
      landWork(repo, two, { message: 'two', integrationBranch: 'main', autoCommit: true }),
    ]);
    expect(first.kind).toBe('landed');
    expect(second).toMatchObject({ kind: 'refused', reason: 'conflict', files: ['README.md'] });
    expect(await readFile(path.join(repo, 'README.md'), 'utf8')).toBe('one\n');
  });
});

describe("landWork with the run's cache (the main checkout known from an earlier landing)", () => {
  it('waits, naming the file, when the user edits a file the next landing touches, and lands once it is committed', async () => {
    const cache = createRepoCache();
    const land = (wt: Worktree, message: string) =>
      landWork(repo, wt, { message, integrationBranch: 'main', autoCommit: true, cache });
    const one = await createWorktree(repo, 'T1', 1, { baseRef: 'main', cache });
    await writeFile(path.join(one.path, 'shared.txt'), 'one\n');
    expect((await land(one, 'one')).kind).toBe('landed');

    const two = await createWorktree(repo, 'T2', 1, { baseRef: 'main', cache });
    await writeFile(path.join(two.path, 'shared.txt'), 'two\n');
    await writeFile(path.join(two.path, 'other.txt'), 'two\n');
    await writeFile(path.join(repo, 'shared.txt'), 'the user is editing\n');
    const before = await run(repo, 'rev-parse', 'HEAD');

    const refused = await land(two, 'two');

    expect(refused).toMatchObject({ kind: 'refused', reason: 'dirty-checkout', files: ['shared.txt'] });
    if (refused.kind === 'refused') expect(refused.conflict).toMatch(/uncommitted changes .*\(shared\.txt\)/);
    expect(await run(repo, 'rev-parse', 'HEAD')).toBe(before);
    expect(await readFile(path.join(repo, 'shared.txt'), 'utf8')).toBe('the user is editing\n');
    expect(existsSync(path.join(repo, 'other.txt'))).toBe(false);

    await run(repo, 'commit', '-q', '-am', 'the user commits');
    const three = await createWorktree(repo, 'T3', 1, { baseRef: 'main', cache });
    await writeFile(path.join(three.path, 'third.txt'), 'three\n');
    await writeFile(path.join(repo, 'README.md'), 'an edit the landing does not touch\n');
    expect((await land(three, 'three')).kind).toBe('landed');
    expect(await readFile(path.join(repo, 'third.txt'), 'utf8')).toBe('three\n');
    expect(await readFile(path.join(repo, 'README.md'), 'utf8')).toBe('an edit the landing does not touch\n');
  });

  it("runs git's auto-maintenance itself: packs past gc.autoPackLimit are packed into one", async () => {
    await run(repo, 'repack', '-q');
    await writeFile(path.join(repo, 'second.txt'), 'second\n');
    await run(repo, 'add', '-A');
    await run(repo, 'commit', '-q', '-m', 'second');
    await run(repo, 'repack', '-q');
    await run(repo, 'config', 'gc.autoPackLimit', '1');
    await run(repo, 'config', 'gc.autoDetach', 'false');
    expect(await run(repo, 'count-objects', '-v')).toMatch(/^packs: 2$/m);
    const wt = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
    await writeFile(path.join(wt.path, 'a.txt'), 'a\n');

    const landed = await landWork(repo, wt, { message: 'a', integrationBranch: 'main', autoCommit: true });

    expect(landed.kind).toBe('landed');
    expect(await run(repo, 'count-objects', '-v')).toMatch(/^packs: 1$/m);
  });
});

describe('landing while the user is in the middle of their own git operation', () => {
  /** Puts the main checkout in the middle of `operation` with real git; returns how to end it. */
  async function startOperation(operation: string): Promise<{ marker: string; finish: () => Promise<void> }> {
    const git = (...args: string[]) => run(repo, ...args);
    await git('checkout', '-q', '-b', 'other');
    await writeFile(path.join(repo, 'README.md'), 'theirs\n');
    await git('commit', '-q', '-am', 'their change');
    await git('checkout', '-q', 'main');
    await writeFile(path.join(repo, 'README.md'), 'ours\n');
    await git('commit', '-q', '-am', 'our change');
    const conflicting = (args: string[]) => execa('git', args, { cwd: repo, reject: false });
    switch (operation) {
      case 'rebase': {
        // rebase -i stopping at an `edit`, as a person would be mid-way through one.
        await execa('git', ['rebase', '-i', 'HEAD~1'], {
          cwd: repo,
          env: { GIT_SEQUENCE_EDITOR: 'sed -i 1s/^pick/edit/' },
        });
        return { marker: 'rebase-merge', finish: async () => void (await git('rebase', '--continue')) };
      }
      case 'merge':
        expect((await conflicting(['merge', 'other'])).exitCode).not.toBe(0);
        return { marker: 'MERGE_HEAD', finish: async () => void (await git('merge', '--abort')) };
      case 'cherry-pick':
        expect((await conflicting(['cherry-pick', 'other'])).exitCode).not.toBe(0);
        return { marker: 'CHERRY_PICK_HEAD', finish: async () => void (await git('cherry-pick', '--abort')) };
      default:
        await git('bisect', 'start');
        await git('bisect', 'bad');
        return { marker: 'BISECT_LOG', finish: async () => void (await git('bisect', 'reset')) };
    }
  }

  it.each(['rebase', 'merge', 'cherry-pick', 'bisect'])(
    'waits during a %s, leaves it as it was, and lands once it is over',
    async (operation) => {
      const { marker, finish } = await startOperation(operation);
      const mainBefore = await run(repo, 'rev-parse', 'main');
      const work = await createWorktree(repo, 'T1', 1, { baseRef: 'main' });
      await writeFile(path.join(work.path, 'task.txt'), 'verified\n');
      const request = { message: 'the task', integrationBranch: 'main', autoCommit: true };

      const waited = await landWork(repo, work, request);
      expect(waited).toMatchObject({ kind: 'refused', reason: 'dirty-checkout' });
      expect(waited.kind === 'refused' && waited.conflict).toContain(`a git ${operation} is in progress`);
      // The user's operation is untouched, main did not move, and the work is committed on its branch.
      expect(existsSync(path.join(repo, '.git', marker))).toBe(true);
      expect(await run(repo, 'rev-parse', 'main')).toBe(mainBefore);
      expect(await run(work.path, 'log', '-1', '--format=%s')).toBe('the task');

      await finish();
      const landed = await landWork(repo, work, request);
      expect(landed.kind).toBe('landed');
      expect(await run(repo, 'log', '-1', '--format=%s', 'main')).toBe('the task');
      expect(await run(repo, 'show', 'main:task.txt')).toBe('verified');
    },
  );
});
