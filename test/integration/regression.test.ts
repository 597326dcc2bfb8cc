/**
 * Regression workers through the built CLI on real git repos with the sim agent: a done task that
 * later work broke is caught, reopened, fixed and done again; claims and worktrees of a check do
 * not survive a kill -9 of the engine.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli.js';
import {
  cleanupProjects,
  isAlive,
  processesUnder,
  simProject,
  simTask,
  simWrite,
  waitFor,
  worktreeFolders,
} from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

/** Task a writes a.txt; task b, after it, deletes it (and writes b.txt). */
const abTasks = [
  simTask('a', simWrite('a.txt', 'ay'), ['test -f a.txt']),
  simTask('b', `sim: run rm a.txt\n${simWrite('b.txt', 'bee')}`, ['test -f b.txt'], { depends_on: ['a'] }),
];

describe('regression workers', () => {
  it('catch a done task broken by later work, reopen it with what broke, and end with both done', async () => {
    const project = await simProject({ config: { regression: { agents: 1 } } });
    await project.importTasks(abTasks);

    const run = await project.cli(['run', '--no-ui']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/a regressed on [0-9a-f]{8}: test -f a\.txt failed/);
    expect(['a', 'b'].map((id) => project.task(id).status)).toEqual(['done', 'done']);
    const a = project.task('a');
    // Landed, reopened by the check, landed again.
    expect(
      a.attempts.map((attempt) => attempt.outcome),
      run.stdout,
    ).toEqual(['passed', 'passed']);
    expect(a.regression).toMatchObject({ outcome: 'failed', caught: 1 });
    expect(a.regression?.output).toContain('$ test -f a.txt');
    // The commits since a last passed: b's, which deleted the file.
    expect(a.regression?.commits.join('\n')).toMatch(/nightshift\(b\)/);
    // b was re-tested after a's fix touched a file b's commit had touched, and still passes.
    expect(project.task('b').regression).toMatchObject({ outcome: 'passed', caught: 0 });
    expect(existsSync(path.join(project.dir, 'a.txt')) && existsSync(path.join(project.dir, 'b.txt'))).toBe(
      true,
    );
    // No regression worktree is left.
    expect(worktreeFolders(project).filter((name) => name.includes('regress-'))).toEqual([]);

    const status = await project.cli(['status', '--json']);
    const regressions = (JSON.parse(status.stdout) as { regressions: { taskId: string }[] }).regressions;
    expect(regressions.map((r) => r.taskId)).toEqual(['a']);
    expect((await project.cli(['status'])).stdout).toContain('1 regression caught');
    const report = await project.cli(['report']);
    expect(report.stdout).toMatch(
      /Regressions caught \(1\), reopened:\n\s+a on [0-9a-f]{8}: test -f a\.txt failed/,
    );
    // By default the gate alone decides: no regression agent ran, so no notes were proposed.
    expect(project.task('a').notes).toBe('');
  }, 120_000);

  it("with [regression] agent = true, a regression agent proposes the fix as the reopened task's notes", async () => {
    const project = await simProject({ config: { regression: { agents: 1, agent: true } } });
    await project.importTasks(abTasks);

    const run = await project.cli(['run', '--no-ui']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const a = project.task('a');
    expect(a.status).toBe('done');
    expect(a.notes).toContain('Regression agent on');
    expect(a.notes).toContain('- broken: test -f a.txt fails');
    // The fix names the commit since a last passed: b's.
    expect(a.notes).toMatch(/Proposed fix: Simulated: commit [0-9a-f]+ nightshift\(b\)/);
  }, 120_000);

  it('are skipped with --yolo: the broken task stays done', async () => {
    const project = await simProject({ config: { regression: { agents: 1 } } });
    await project.importTasks(abTasks);

    const run = await project.cli(['run', '--no-ui', '--yolo']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).not.toContain('regression check');
    expect(project.task('a').regression).toBeUndefined();
    expect(project.task('a').attempts).toHaveLength(1);
  }, 120_000);

  it('leave no claim and no worktree behind when the engine is killed (kill -9) during a check', async () => {
    const marks = await tempDir('nightshift-regression-marks-');
    // The check of a holds while marks/hold exists, after saying it started (one file per check).
    const hold = `test -f a.txt && if [ -n "$NIGHTSHIFT_REGRESSION" ]; then touch ${marks}/started-$$; while [ -f ${marks}/hold ]; do sleep 0.05; done; fi`;
    const project = await simProject({ config: { regression: { agents: 1 }, sandbox: { mode: 'off' } } });
    await project.importTasks([
      simTask('a', simWrite('a.txt', 'ay'), [hold]),
      // b changes a's file, so a is due a re-test once b lands.
      simTask('b', `sim: append a.txt <<<\nmore\n>>>\n${simWrite('b.txt', 'bee')}`, ['test -f b.txt'], {
        depends_on: ['a'],
      }),
    ]);
    writeFileSync(path.join(marks, 'hold'), '');
    const started = (): string[] => readdirSync(marks).filter((name) => name.startsWith('started-'));

    const first = project.startCli(['run', '--no-ui']);
    await waitFor(() => started().length === 1, {
      timeoutMs: 60_000,
      what: 'the regression check of a to start',
    });
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    // The dead engine's check left its worktree, with its gate command still running in it.
    const leftover = worktreeFolders(project).filter((name) => name.includes('regress-'));
    expect(leftover).toHaveLength(1);
    const orphans = processesUnder(project.worktreesRoot).map((p) => p.pid);
    expect(orphans.length).toBeGreaterThan(0);

    const second = project.startCli(['run', '--no-ui']);
    // Recovery removed the worktree and ended its gate; the new engine claims a again at once.
    await waitFor(() => started().length === 2, {
      timeoutMs: 60_000,
      what: 'a to be re-tested by the new engine',
    });
    expect(orphans.filter((pid) => isAlive(pid))).toEqual([]);
    expect(worktreeFolders(project).filter((name) => leftover.includes(name))).toEqual([]);
    rmSync(path.join(marks, 'hold'));
    const exit = await second.exited;

    expect(exit.code, second.output()).toBe(0);
    expect(second.output()).toContain('1 regression worktree removed');
    expect(project.task('a')).toMatchObject({ status: 'done', regression: { outcome: 'passed' } });
    expect(worktreeFolders(project).filter((name) => name.includes('regress-'))).toEqual([]);
  }, 150_000);
});
