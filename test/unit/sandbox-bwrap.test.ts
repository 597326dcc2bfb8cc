/**
 * The sandbox's choices (source/sandbox/bwrap.ts): which sandbox a run gets for each mode and probe
 * result, what codex's own sandbox is set to, and the mount order that keeps the main checkout
 * read-only under a broad writable folder. Real bwrap runs are in test/integration/sandbox-*.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  bwrapArguments,
  bwrapSandbox,
  chooseSandbox,
  cliStateFolders,
  probeBwrap,
  programFolders,
} from '../../source/sandbox/bwrap.js';
import { UserError } from '../../source/errors.js';
import { tempDir, tempGitRepo } from '../support/cli.js';

const works = () => ({ ok: true, detail: 'bubblewrap 0.8.0' });
const broken = () => ({ ok: false, detail: 'bwrap cannot create namespaces here' });
const settings = { network: true, writable: [] as string[] };

describe('chooseSandbox', () => {
  it('auto: bwrap where it works, else off saying why', () => {
    expect(chooseSandbox({ ...settings, mode: 'auto' }, works).kind).toBe('bwrap');
    const off = chooseSandbox({ ...settings, mode: 'auto' }, broken);
    expect(off.kind).toBe('off');
    expect(off.describe).toContain('bwrap cannot create namespaces here');
  });

  it('bwrap: refuses with a clear message and a hint when bwrap cannot work', () => {
    const choose = () => chooseSandbox({ ...settings, mode: 'bwrap' }, broken);
    expect(choose).toThrow(UserError);
    expect(choose).toThrow(/\[sandbox\] mode = "bwrap" but bwrap cannot work here/);
  });

  it('off: never probes', () => {
    const sandbox = chooseSandbox({ ...settings, mode: 'off' }, () => {
      throw new Error('probed');
    });
    expect(sandbox.kind).toBe('off');
    expect(sandbox.wrap('git', ['status'], { worktree: '/w', projectRoot: '/p' })).toEqual({
      file: 'git',
      args: ['status'],
      env: {},
    });
  });
});

describe('bwrapArguments', () => {
  it('binds the root read-only first, the worktree writable, the .git link read-only, secrets hidden last', async () => {
    const home = await tempDir('nightshift-home-');
    await mkdir(path.join(home, '.ssh'));
    await mkdir(path.join(home, '.claude'));
    const repo = await tempGitRepo();
    await execa('git', ['commit', '-q', '--allow-empty', '-m', 'x'], { cwd: repo });
    const worktree = path.join(await tempDir('nightshift-wt-'), 't-1');
    await execa('git', ['worktree', 'add', '-q', '-B', 'nightshift/t', worktree], { cwd: repo });
    const { args, env } = bwrapArguments(
      { mode: 'bwrap', ...settings, writable: [home] },
      { worktree, projectRoot: repo },
      home,
    );
    const text = args.join(' ');
    expect(args.slice(0, 3)).toEqual(['--ro-bind', '/', '/']);
    expect(text).toContain(`--bind ${worktree} ${worktree}`);
    expect(text).toContain(`--bind-try ${path.join(home, '.claude')} `);
    expect(text).toContain(`--bind-try ${path.join(repo, '.git', 'objects')} `);
    expect(text).toContain(`--bind-try ${path.join(repo, '.git', 'worktrees', 't-1')} `);
    expect(text).not.toMatch(new RegExp(`--bind(-try)? ${repo}/\\.git/refs `));
    expect(text.indexOf(`--tmpfs ${path.join(home, '.ssh')}`)).toBeGreaterThan(
      text.indexOf(`--bind-try ${home} `),
    );
    expect(text).toMatch(new RegExp(`--ro-bind ${worktree}/\\.git ${worktree}/\\.git`));
    expect(args).toContain('--unshare-pid');
    expect(args).toContain('--die-with-parent');
    expect(args).not.toContain('--unshare-net');
    expect(env['GIT_CEILING_DIRECTORIES']).toBe(path.dirname(worktree));
    const cut = bwrapArguments(
      { mode: 'bwrap', network: false, writable: [] },
      { worktree, projectRoot: repo },
      home,
    );
    expect(cut.args).toContain('--unshare-net');
  });

  it('keeps the main checkout read-only when a writable folder contains it', async () => {
    const home = await tempDir('nightshift-home-');
    const repo = path.join(home, 'project');
    await mkdir(repo);
    const worktree = await tempDir('nightshift-wt-');
    const { args } = bwrapArguments(
      { mode: 'bwrap', ...settings, writable: ['~'] },
      { worktree, projectRoot: repo },
      home,
    );
    const text = args.join(' ');
    expect(text.lastIndexOf(`--ro-bind ${repo} ${repo}`)).toBeGreaterThan(
      text.indexOf(`--bind-try ${home} ${home}`),
    );
  });
});

describe.skipIf(!probeBwrap().ok)('probeBwrap', () => {
  it('names a missing bwrap', () => {
    expect(probeBwrap('/nonexistent/bwrap')).toEqual({
      ok: false,
      detail: expect.stringContaining('bwrap is not installed') as string,
    });
  });
});

describe.skipIf(!probeBwrap().ok)('a program under /tmp', () => {
  it('still runs inside the sandbox: its top folder under /tmp is kept, read-only, under the private /tmp', async () => {
    // A CLI cache or a checkout under /tmp (a CI clone) holds the agent CLI behind an npm .bin link.
    const cache = await tempDir('nightshift-clis-');
    await mkdir(path.join(cache, 'node_modules', 'tool', 'bin'), { recursive: true });
    await mkdir(path.join(cache, 'node_modules', '.bin'), { recursive: true });
    const program = path.join(cache, 'node_modules', 'tool', 'bin', 'tool.sh');
    await writeFile(program, '#!/bin/sh\necho tool ran\n', { mode: 0o755 });
    const link = path.join(cache, 'node_modules', '.bin', 'tool');
    await symlink('../tool/bin/tool.sh', link);
    expect(programFolders(link, { PATH: '/usr/bin' })).toContain(
      path.join('/tmp', path.relative('/tmp', cache).split(path.sep)[0] ?? ''),
    );

    const repo = await tempGitRepo();
    await execa('git', ['commit', '-q', '--allow-empty', '-m', 'x'], { cwd: repo });
    const worktree = path.join(await tempDir('nightshift-wt-'), 't-1');
    await execa('git', ['worktree', 'add', '-q', '-B', 'nightshift/t', worktree], { cwd: repo });
    const sandbox = bwrapSandbox({ mode: 'bwrap', ...settings });
    const wrapped = sandbox.wrap(link, [], { worktree, projectRoot: repo });
    const result = await execa(wrapped.file, wrapped.args, { cwd: worktree, reject: false });
    expect(result.stdout).toBe('tool ran');
    // Read-only: the program cannot be changed from inside.
    const write = sandbox.wrap('/bin/sh', ['-c', `echo x > ${program}`], { worktree, projectRoot: repo });
    expect((await execa(write.file, write.args, { cwd: worktree, reject: false })).exitCode).not.toBe(0);
  });
});

describe.skipIf(!probeBwrap().ok)('git folders that vanish before bwrap starts', () => {
  it('still runs the command when the last nightshift branch was deleted meanwhile (git prunes its folders)', async () => {
    const repo = await tempGitRepo();
    await writeFile(path.join(repo, 'kept.txt'), 'here\n');
    await execa('git', ['add', '-A'], { cwd: repo });
    await execa('git', ['commit', '-q', '-m', 'x'], { cwd: repo });
    await execa('git', ['branch', 'nightshift/other'], { cwd: repo });
    // A regression check's worktree: detached, no branch of its own.
    const worktree = path.join(await tempDir('nightshift-wt-'), 'regress-t-1');
    await execa('git', ['worktree', 'add', '-q', '--detach', worktree], { cwd: repo });
    const sandbox = bwrapSandbox({ mode: 'bwrap', ...settings });
    const wrapped = sandbox.wrap('/bin/sh', ['-c', 'test -f kept.txt && echo ran'], {
      worktree,
      projectRoot: repo,
    });
    // Between the arguments and bwrap's start, another task's cleanup deletes the last
    // nightshift/* branch: git removes refs/heads/nightshift and logs/refs/heads/nightshift.
    await execa('git', ['branch', '-q', '-D', 'nightshift/other'], { cwd: repo });
    expect(existsSync(path.join(repo, '.git', 'logs', 'refs', 'heads', 'nightshift'))).toBe(false);

    const result = await execa(wrapped.file, wrapped.args, { cwd: worktree, reject: false });

    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('ran');
    // It has no branch to move: nightshift's ref folders are not even bound.
    expect(wrapped.args.join(' ')).not.toContain('refs/heads/nightshift');
  });
});

describe.skipIf(!probeBwrap().ok)("an agent CLI's first run", () => {
  it("can create its own state folders in a fresh HOME (opencode's ~/.local/share/opencode)", async () => {
    const home = await tempDir('nightshift-home-');
    const bin = await tempDir('nightshift-bin-');
    const program = path.join(bin, 'opencode');
    // What opencode does first: make its data and state folders under the XDG homes.
    await writeFile(
      program,
      '#!/bin/sh\nmkdir -p "$XDG_DATA_HOME/opencode/log" "$HOME/.local/state/opencode" && echo made\n',
      { mode: 0o755 },
    );
    const repo = await tempGitRepo();
    await execa('git', ['commit', '-q', '--allow-empty', '-m', 'x'], { cwd: repo });
    const worktree = path.join(await tempDir('nightshift-wt-'), 't-1');
    await execa('git', ['worktree', 'add', '-q', '-B', 'nightshift/t', worktree], { cwd: repo });
    const env = { PATH: process.env['PATH'], XDG_DATA_HOME: path.join(home, 'data') };
    expect(cliStateFolders(program, home, env)).toContain(path.join(home, 'data', 'opencode'));

    const built = bwrapArguments(
      { mode: 'bwrap', ...settings },
      { worktree, projectRoot: repo },
      home,
      program,
      env,
    );
    const result = await execa('bwrap', [...built.args, '--', program], {
      cwd: worktree,
      env: { ...env, HOME: home },
      extendEnv: false,
      reject: false,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('made');
    // Another program gets no such folder: only the CLI being run has its state made.
    expect(cliStateFolders('/bin/sh', home, env)).toEqual([]);
  });
});
