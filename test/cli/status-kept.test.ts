/**
 * The "kept" line of `nightshift status` without git on the hot path (issue 15): counts of kept
 * worktrees and `nightshift/*` branches (loose and packed) read in-process, the worktrees' disk
 * measured when the set of kept worktrees changes and shown from that measure (with its age) until
 * then, and measured afresh with `--kept`. Status here runs with no git on PATH: the figures it
 * prints cannot come from a git process.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, tempGitRepo } from '../support/cli.js';

/** The folder nightshift keeps this repository's worktrees in (git/worktree.ts worktreesDir). */
function worktreesDir(stateHome: string, repo: string): string {
  const real = realpathSync(repo);
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 12);
  return path.join(stateHome, 'nightshift', 'worktrees', `${path.basename(real)}-${hash}`);
}

describe('status: kept worktrees and branches', () => {
  it('counts them without git, measures their disk when they change, and again with --kept', async () => {
    const repo = await tempGitRepo();
    const stateHome = await tempDir('nightshift-state-');
    const emptyPath = await tempDir('nightshift-nopath-');
    expect((await runCli(['init', '--use', 'sim'], { cwd: repo })).exitCode).toBe(0);
    const git = (...args: string[]) => execa('git', args, { cwd: repo, stdin: 'ignore' });
    // No git on PATH for status (node is started by its absolute path).
    const status = (...args: string[]) =>
      runCli(['status', ...args], { cwd: repo, env: { XDG_STATE_HOME: stateHome, PATH: emptyPath } });

    const kept = worktreesDir(stateHome, repo);
    mkdirSync(kept, { recursive: true });
    await git('worktree', 'add', '-q', '-b', 'nightshift/a', path.join(kept, 'a.1'));
    await git('branch', 'nightshift/b');
    await git('pack-refs', '--all'); // a and b packed
    await git('branch', 'nightshift/c'); // c loose
    await git('branch', 'other'); // not nightshift's
    writeFileSync(path.join(kept, 'a.1', 'big.bin'), Buffer.alloc(300 * 1024));

    const first = await status();
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /kept: 1 worktree \((3\d\d\.\d) KB\), 3 nightshift\/\* branches; `nightshift clean`/,
    );

    // The same worktrees: the size is the last measure, even though a file grew.
    writeFileSync(path.join(kept, 'a.1', 'big.bin'), Buffer.alloc(2 * 1024 * 1024));
    const cached = await status();
    expect(cached.stdout).toMatch(/kept: 1 worktree \(3\d\d\.\d KB\), 3 nightshift\/\* branches/);
    const json = JSON.parse((await status('--json')).stdout) as {
      kept: { worktrees: number; branches: number; bytes: number; measuredAt: string };
    };
    expect(json.kept).toMatchObject({ worktrees: 1, branches: 3 });
    expect(json.kept.bytes).toBeLessThan(1024 * 1024);
    expect(Number.isNaN(Date.parse(json.kept.measuredAt))).toBe(false);

    // --kept measures now.
    const fresh = await status('--kept');
    expect(fresh.stdout).toMatch(/kept: 1 worktree \(2\.\d MB\), 3 nightshift\/\* branches/);

    // Another worktree kept, a branch gone: counted at once, the disk measured again.
    await git('worktree', 'add', '-q', '--detach', path.join(kept, 'b.1'));
    await git('branch', '-D', 'nightshift/b');
    writeFileSync(path.join(kept, 'b.1', 'more.bin'), Buffer.alloc(1024 * 1024));
    const changed = await status();
    expect(changed.stdout).toMatch(/kept: 2 worktrees \(3\.\d MB\), 2 nightshift\/\* branches/);

    // Nothing kept: no line.
    await git('worktree', 'remove', '--force', path.join(kept, 'a.1'));
    await git('worktree', 'remove', '--force', path.join(kept, 'b.1'));
    await git('branch', '-D', 'nightshift/a', 'nightshift/c');
    const none = await status();
    expect(none.exitCode, none.stderr).toBe(0);
    expect(none.stdout).toContain('tasks: none');
    expect(none.stdout).not.toContain('kept:');
  });
});
