/**
 * git/git.ts on real temporary repositories.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../source/errors.js';
import { untilWorktreesSettle } from '../../source/git/git-exec.js';
import {
  changedFiles,
  commitAll,
  currentBranch,
  head,
  isRepo,
  resetHard,
  revertCommit,
} from '../../source/git/git.js';

let repo: string;

async function run(cwd: string, ...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd })).stdout;
}

async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(repo, file)), { recursive: true });
  await writeFile(path.join(repo, file), text);
}

beforeEach(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'ns-git-'));
  await run(repo, 'init', '-q', '-b', 'main');
  await run(repo, 'config', 'user.name', 'Test');
  await run(repo, 'config', 'user.email', 'test@example.com');
  await write('README.md', 'hello\n');
  await write('.gitignore', 'ignored/\n*.log\n');
  await run(repo, 'add', '-A');
  await run(repo, 'commit', '-q', '-m', 'initial');
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('repository facts', () => {
  it('knows a repository, its head and branch', async () => {
    expect(await isRepo(repo)).toBe(true);
    expect(await isRepo(os.tmpdir())).toBe(false);
    expect(await isRepo(path.join(repo, 'missing'))).toBe(false);
    expect(await head(repo)).toMatch(/^[0-9a-f]{40}$/);
    expect(await currentBranch(repo)).toBe('main');
    await run(repo, 'checkout', '-q', '--detach');
    expect(await currentBranch(repo)).toBeNull();
  });

  it('turns git failures into a UserError naming the command and stderr', async () => {
    const error: unknown = await resetHard(repo, 'no-such-ref').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain('git reset --hard --quiet no-such-ref');
    expect((error as Error).message).toMatch(/unknown revision|ambiguous argument/);
  });
});

describe('changedFiles', () => {
  it('lists committed, staged, unstaged and untracked files, not ignored ones', async () => {
    const base = await head(repo);
    await write('committed.txt', 'c\n');
    await run(repo, 'add', 'committed.txt');
    await run(repo, 'commit', '-q', '-m', 'c');
    await write('staged.txt', 's\n');
    await run(repo, 'add', 'staged.txt');
    await write('README.md', 'changed\n');
    await write('deep/new dir/untracked file.txt', 'u\n');
    await write('ignored/x.txt', 'i\n');
    await write('debug.log', 'l\n');
    expect(await changedFiles(repo, base)).toEqual([
      'README.md',
      'committed.txt',
      'deep/new dir/untracked file.txt',
      'staged.txt',
    ]);
  });

  it('counts deletions and is empty for an untouched tree', async () => {
    expect(await changedFiles(repo, 'HEAD')).toEqual([]);
    await rm(path.join(repo, 'README.md'));
    expect(await changedFiles(repo, 'HEAD')).toEqual(['README.md']);
  });
});

describe('commitAll', () => {
  it('commits everything but .env files and excluded paths', async () => {
    await write('src/app.ts', 'export {};\n');
    await write('.env', 'SECRET=1\n');
    await write('.env.local', 'SECRET=2\n');
    await write('config/.env.production', 'SECRET=3\n');
    await write('scratch/notes.md', 'x\n');
    const sha = await commitAll(repo, 'task T1', { exclude: (file) => file.startsWith('scratch/') });
    expect(sha).toBe(await head(repo));
    const files = (await run(repo, 'show', '--name-only', '--format=', 'HEAD')).split('\n');
    expect(files).toEqual(['src/app.ts']);
    expect(await run(repo, 'log', '-1', '--format=%s')).toBe('task T1');
    expect(await run(repo, 'status', '--porcelain')).toContain('?? .env');
  });

  it('commits files that merely start with .env in name, and env templates, but never real env files', async () => {
    await write('.environment.ts', 'export const a = 1;\n');
    await write('.env.example', 'API_KEY=\n');
    await write('.env.local', 'SECRET=2\n');
    await commitAll(repo, 'work');
    const committed = await run(repo, 'show', '--name-only', '--format=', 'HEAD');
    expect(committed.split('\n').sort()).toEqual(['.env.example', '.environment.ts']);
  });

  it('unstages a .env file an agent staged itself', async () => {
    await write('.env', 'SECRET=1\n');
    await write('a.txt', 'a\n');
    await run(repo, 'add', '-f', '.env', 'a.txt');
    await commitAll(repo, 'm');
    expect((await run(repo, 'show', '--name-only', '--format=', 'HEAD')).split('\n')).toEqual(['a.txt']);
    expect(await run(repo, 'ls-files', '.env')).toBe('');
  });

  it('returns null when there is nothing (else) to commit', async () => {
    const before = await head(repo);
    expect(await commitAll(repo, 'nothing')).toBeNull();
    await write('.env', 'SECRET=1\n');
    expect(await commitAll(repo, 'only env')).toBeNull();
    expect(await head(repo)).toBe(before);
  });

  it('stages deletions', async () => {
    await rm(path.join(repo, 'README.md'));
    await commitAll(repo, 'remove readme');
    expect(await run(repo, 'ls-files')).toBe('.gitignore');
  });

  it('uses the nightshift identity only when none is configured', async () => {
    await write('a.txt', 'a\n');
    await commitAll(repo, 'configured');
    expect(await run(repo, 'log', '-1', '--format=%an <%ae>')).toBe('Test <test@example.com>');

    await run(repo, 'config', '--unset', 'user.name');
    await run(repo, 'config', '--unset', 'user.email');
    const saved = { global: process.env['GIT_CONFIG_GLOBAL'], nosystem: process.env['GIT_CONFIG_NOSYSTEM'] };
    process.env['GIT_CONFIG_GLOBAL'] = '/dev/null';
    process.env['GIT_CONFIG_NOSYSTEM'] = '1';
    try {
      await write('b.txt', 'b\n');
      expect(await commitAll(repo, 'anonymous')).not.toBeNull();
    } finally {
      for (const [key, value] of [
        ['GIT_CONFIG_GLOBAL', saved.global],
        ['GIT_CONFIG_NOSYSTEM', saved.nosystem],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    expect(await run(repo, 'log', '-1', '--format=%an <%ae>')).toBe('nightshift <nightshift@localhost>');
  });
});

describe('revertCommit, resetHard', () => {
  it('drops a HEAD commit and keeps uncommitted work elsewhere', async () => {
    const base = await head(repo);
    await write('a.txt', 'a\n');
    const sha = await commitAll(repo, 'a');
    await write('other.txt', 'keep me\n');
    expect(await revertCommit(repo, sha ?? '')).toBe('dropped');
    expect(await head(repo)).toBe(base);
    expect(await readFile(path.join(repo, 'other.txt'), 'utf8')).toBe('keep me\n');
    await expect(readFile(path.join(repo, 'a.txt'), 'utf8')).rejects.toThrow();
  });

  it('reverts an older commit with an inverse commit, leaving later ones', async () => {
    await write('a.txt', 'a\n');
    const first = await commitAll(repo, 'a');
    await write('b.txt', 'b\n');
    await commitAll(repo, 'b');
    expect(await revertCommit(repo, first ?? '')).toBe('reverted');
    expect(await run(repo, 'ls-files')).toBe('.gitignore\nREADME.md\nb.txt');
    expect(await run(repo, 'log', '--format=%s', '-3')).toMatch(/^Revert "a"\nb\na$/);
  });

  it('resets hard', async () => {
    const base = await head(repo);
    await write('README.md', 'hello\nworld\nagain\n');
    await write('new.txt', 'one\n');
    await commitAll(repo, 'grow');
    await resetHard(repo, base);
    expect(await readFile(path.join(repo, 'README.md'), 'utf8')).toBe('hello\n');
  });
});

describe('a worktree that another git is adding or removing', () => {
  /** The admin folder `git worktree add` has made but not yet filled: its commondir is empty. */
  async function halfMadeWorktree(): Promise<string> {
    const admin = path.join(repo, '.git', 'worktrees', 'half');
    await mkdir(admin, { recursive: true });
    await writeFile(path.join(admin, 'gitdir'), path.join(repo, '..', 'half', '.git') + '\n');
    await writeFile(path.join(admin, 'HEAD'), 'ref: refs/heads/half\n');
    await writeFile(path.join(admin, 'commondir'), '');
    return admin;
  }

  const listWorktrees = () => execa('git', ['worktree', 'list', '--porcelain'], { cwd: repo, reject: false });

  it('runs git again once the worktree is whole, instead of failing the command', async () => {
    const admin = await halfMadeWorktree();
    let runs = 0;
    const result = await untilWorktreesSettle(async () => {
      runs += 1;
      const out = await listWorktrees();
      // The other git finishes its add after the first try.
      if (runs === 1) await writeFile(path.join(admin, 'commondir'), '../..\n');
      return out;
    });
    expect(runs).toBe(2);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('branch refs/heads/half');
  });

  it('gives up after a while, naming the folder, when the worktree stays broken', async () => {
    await halfMadeWorktree();
    // Not only the list: deleting any branch reads every worktree's HEAD too.
    const branchDelete = await execa('git', ['branch', '-D', 'none'], { cwd: repo, reject: false });
    expect(branchDelete.stderr).toMatch(/failed to read .*commondir/);
    let runs = 0;
    const result = await untilWorktreesSettle(async () => {
      runs += 1;
      return listWorktrees();
    });
    expect(runs).toBe(10);
    expect(result.exitCode).toBe(128);
    expect(result.stderr).toContain(path.join('worktrees', 'half', 'commondir'));
  });

  it('returns any other failure at once', async () => {
    let runs = 0;
    const result = await untilWorktreesSettle(async () => {
      runs += 1;
      return execa('git', ['rev-parse', 'no-such-ref'], { cwd: repo, reject: false });
    });
    expect(runs).toBe(1);
    expect(result.exitCode).toBe(128);
  });
});
