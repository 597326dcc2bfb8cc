/**
 * `reset --to-plan` on a real repository after a sim run: the branch goes back to the plan's
 * commit, tasks to pending, logs and attempt history into `.nightshift/archive/<time>/`; a user's
 * commit after the plan is never dropped; --dry-run changes nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanupProjects,
  simProject,
  simTask,
  simWrite,
  waitFor,
  worktreeFolders,
  type SimProject,
} from '../support/engine-fixtures.js';
import { planJson, scriptedIntent } from './plan-support.js';

afterEach(cleanupProjects);

/** A project planned with two tasks and run: two nightshift commits after the plan's commit. */
async function ranProject(): Promise<{ project: SimProject; planCommit: string }> {
  const project = await simProject();
  const plan = planJson([
    simTask('one', simWrite('one.txt', '1'), ['test -f one.txt']),
    simTask('two', simWrite('two.txt', '2'), ['test -f two.txt'], { depends_on: ['one'] }),
  ]);
  const planned = await project.cli(['plan', '--intent', scriptedIntent({ any: plan })]);
  if (planned.exitCode !== 0) throw new Error(`plan failed:\n${planned.stdout}\n${planned.stderr}`);
  const planCommit = await project.git('rev-parse', 'HEAD');
  const run = await project.cli(['run', '--no-ui']);
  if (run.exitCode !== 0) throw new Error(`run failed:\n${run.stdout}\n${run.stderr}`);
  return { project, planCommit };
}

const nightshiftDir = (project: SimProject, ...parts: string[]): string =>
  path.join(project.dir, '.nightshift', ...parts);

describe('reset --to-plan', () => {
  it('moves the branch back to the plan commit, puts tasks back to pending and archives logs and attempts', async () => {
    const { project, planCommit } = await ranProject();
    expect((await project.subjects()).slice(-2).map((s) => s.slice(0, 15))).toEqual([
      'nightshift(one)',
      'nightshift(two)',
    ]);
    const runDirs = readdirSync(nightshiftDir(project, 'logs'));

    const reset = await project.cli(['reset', '--to-plan']);

    expect(reset.exitCode, reset.stdout + reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/main: drop 2 nightshift commits, back to [0-9a-f]{12}/);
    expect(await project.git('rev-parse', 'HEAD')).toBe(planCommit);
    expect(existsSync(path.join(project.dir, 'one.txt'))).toBe(false);
    expect(project.state()?.tasks.map((t) => [t.id, t.status, t.attempts.length])).toEqual([
      ['one', 'pending', 0],
      ['two', 'pending', 0],
    ]);
    const archives = readdirSync(nightshiftDir(project, 'archive'));
    expect(archives).toHaveLength(1);
    const archive = nightshiftDir(project, 'archive', archives[0] ?? '');
    expect(readdirSync(path.join(archive, 'logs')).sort()).toEqual(runDirs.sort());
    expect(existsSync(path.join(archive, 'progress.md'))).toBe(true);
    expect(existsSync(nightshiftDir(project, 'logs'))).toBe(false);
    const attempts = JSON.parse(readFileSync(path.join(archive, 'attempts.json'), 'utf8')) as Record<
      string,
      { outcome: string }[]
    >;
    expect(Object.keys(attempts).sort()).toEqual(['one', 'two']);
    expect(attempts['one']?.[0]?.outcome).toBe('passed');
    expect(
      readdirSync(nightshiftDir(project, 'backups')).some((name) => name.endsWith('-reset-to-plan.json')),
    ).toBe(true);
    // The queue runs again from the post-plan state.
    const again = await project.cli(['run', '--no-ui']);
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(project.task('two').status).toBe('done');
  }, 120_000);

  it('refuses when a commit after the plan was made by the user, naming it', async () => {
    const { project } = await ranProject();
    await writeFile(path.join(project.dir, 'mine.txt'), 'my work\n');
    await project.commitAll('my own change');
    const before = await project.git('rev-parse', 'HEAD');

    const reset = await project.cli(['reset', '--to-plan']);

    expect(reset.exitCode).toBe(1);
    expect(reset.stderr).toMatch(
      /refusing to reset main: commit [0-9a-f]{12} "my own change" after the plan was not made by nightshift/,
    );
    expect(await project.git('rev-parse', 'HEAD')).toBe(before);
    expect(project.task('one').status).toBe('done');
  }, 120_000);

  it('refuses with uncommitted changes in the main checkout', async () => {
    const { project } = await ranProject();
    await writeFile(path.join(project.dir, 'one.txt'), 'edited\n');
    const reset = await project.cli(['reset', '--to-plan']);
    expect(reset.exitCode).toBe(1);
    expect(reset.stderr).toContain('uncommitted changes (one.txt)');
  }, 120_000);

  it('refuses while an engine runs', async () => {
    const project = await simProject();
    await project.importTasks([simTask('slow', 'sim: hang', ['true'])]);
    project.startCli(['run', '--no-ui']);
    await waitFor(() => project.state()?.tasks[0]?.status === 'running', {
      what: 'the task to start',
      timeoutMs: 30_000,
    });

    const reset = await project.cli(['reset', '--to-plan', '--dry-run']);

    expect(reset.exitCode).toBe(1);
    expect(reset.stderr).toMatch(
      /an engine is running for this project \(pid \d+\); reset --to-plan needs it stopped/,
    );
  }, 60_000);

  it('removes the worktree an interrupted attempt kept', async () => {
    const project = await simProject();
    const plan = planJson([
      simTask('one', simWrite('one.txt', '1'), ['test -f one.txt']),
      simTask('slow', 'sim: hang', ['true'], { depends_on: ['one'] }),
    ]);
    const planned = await project.cli(['plan', '--intent', scriptedIntent({ any: plan })]);
    expect(planned.exitCode, planned.stderr).toBe(0);
    const engine = project.startCli(['run', '--no-ui']);
    await waitFor(() => project.state()?.tasks[1]?.status === 'running', {
      what: 'the hanging task to start',
      timeoutMs: 30_000,
    });
    expect((await project.cli(['stop'])).exitCode).toBe(0);
    await engine.exited;
    expect(worktreeFolders(project)).toHaveLength(1);

    const reset = await project.cli(['reset', '--to-plan']);

    expect(reset.exitCode, reset.stdout + reset.stderr).toBe(0);
    expect(reset.stdout).toContain('worktrees: remove 1');
    expect(worktreeFolders(project)).toHaveLength(0);
    expect(await project.git('branch', '--list', 'nightshift/*')).toBe('');
    expect(project.state()?.tasks.map((t) => t.status)).toEqual(['pending', 'pending']);
  }, 90_000);

  it('--dry-run says what would happen and changes nothing', async () => {
    const { project } = await ranProject();
    const head = await project.git('rev-parse', 'HEAD');
    const stateBefore = readFileSync(nightshiftDir(project, 'state.json'), 'utf8');

    const dry = await project.cli(['reset', '--to-plan', '--dry-run']);

    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing was changed');
    expect(dry.stdout).toMatch(/would drop 2 nightshift commits/);
    expect(dry.stdout).toContain('would put 2 back to pending (one, two)');
    expect(await project.git('rev-parse', 'HEAD')).toBe(head);
    expect(readFileSync(nightshiftDir(project, 'state.json'), 'utf8')).toBe(stateBefore);
    expect(existsSync(nightshiftDir(project, 'archive'))).toBe(false);
    expect(existsSync(nightshiftDir(project, 'logs'))).toBe(true);

    const json = await project.cli(['reset', '--to-plan', '--dry-run', '--json']);
    const report = JSON.parse(json.stdout) as { dryRun: boolean; commits: unknown[]; tasks: string[] };
    expect(report).toMatchObject({ dryRun: true, tasks: ['one', 'two'] });
    expect(report.commits).toHaveLength(2);
  }, 120_000);
});
