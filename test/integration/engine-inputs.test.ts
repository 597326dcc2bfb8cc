/**
 * `nightshift run` with bad inputs and its limiting flags, through the built CLI: a verification
 * command that does not exist, an unknown backend, a missing agent CLI, no git repository,
 * `--dry-run`, `--max-tasks` and `--json`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import {
  cleanupProjects,
  simProject,
  simTask,
  simWrite,
  worktreeFolders,
} from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

function stateText(dir: string): string {
  return readFileSync(path.join(dir, '.nightshift', 'state.json'), 'utf8');
}

describe('engine: bad inputs', () => {
  it('blocks a task whose verification command does not exist, naming the command and "not found"', async () => {
    const project = await simProject();
    await project.importTasks([simTask('badcheck', simWrite('x.txt', 'x'), ['no-such-cmd-xyz --check'])]);

    const run = await project.cli(['run', '--no-ui', '--max-retries', '0']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(2);
    const task = project.task('badcheck');
    expect(task.status).toBe('blocked');
    expect(task.attempts[0]?.checks[0]).toMatchObject({ name: 'no-such-cmd-xyz --check', passed: false });
    expect(task.attempts[0]?.checks[0]?.detail).toMatch(/not found/);
    // The reason a person reads first must say what is wrong, not only "exit 127".
    expect(task.blockReason).toContain('no-such-cmd-xyz');
    expect(task.blockReason).toMatch(/not found/);
  }, 60_000);

  it('refuses an unknown backend with the choices, writing nothing to the store', async () => {
    const project = await simProject();
    await project.importTasks([simTask('a', simWrite('a.txt', 'a'), ['test -f a.txt'])]);
    const before = stateText(project.dir);

    const run = await project.cli(['run', '--no-ui', '--backend', 'nope']);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/unknown backend "nope"/);
    expect(run.stderr).toMatch(/claude, codex, gemini, opencode, sim/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(stateText(project.dir)).toBe(before);
    expect(existsSync(path.join(project.dir, '.nightshift', 'engine.lock'))).toBe(false);
  }, 60_000);

  it('refuses a backend whose CLI is missing, naming it and how to install it', async () => {
    const project = await simProject({ config: { 'backend.claude': { command: '/nonexistent/claude' } } });
    await project.importTasks([simTask('a', simWrite('a.txt', 'a'), ['test -f a.txt'])]);
    const before = stateText(project.dir);

    const run = await project.cli(['run', '--no-ui', '--backend', 'claude']);

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('/nonexistent/claude');
    expect(run.stderr).toMatch(/claude CLI/);
    expect(run.stderr).toContain('npm install -g @anthropic-ai/claude-code');
    expect(stateText(project.dir)).toBe(before);
    expect(project.task('a').attempts).toEqual([]);
  }, 60_000);

  it('refuses to run outside a git repository', async () => {
    const dir = await tempDir('nightshift-nogit-');
    await writeFile(path.join(dir, 'nightshift.toml'), '[backend]\ndefault = "sim"\n');

    const run = await runCli(['run', '--no-ui'], { cwd: dir });

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/not a git repository/);
    expect(run.stderr).toMatch(/git init/);
  }, 60_000);
});

describe('engine: run flags', () => {
  it('--dry-run prints the prompt and the command line and spawns nothing', async () => {
    const project = await simProject();
    await project.importTasks([
      simTask('dry', `Make the dry file.\n${simWrite('dry.txt', 'wet')}`, ['test -f dry.txt']),
    ]);
    const before = await project.subjects();

    const run = await project.cli(['run', '--no-ui', '--dry-run']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Make the dry file.'); // the prompt
    expect(run.stdout).toMatch(/sim-agent/); // the command line
    const task = project.task('dry');
    expect(task.attempts).toEqual([]);
    expect(task.status).toBe('pending');
    expect(worktreeFolders(project)).toEqual([]);
    expect(await project.subjects()).toEqual(before);
    expect(existsSync(path.join(project.dir, 'dry.txt'))).toBe(false);
    const logs = path.join(project.dir, '.nightshift', 'logs');
    expect(existsSync(logs) ? readdirSync(logs) : []).toEqual([]);
  }, 60_000);

  it('--max-tasks 1 starts one task; --json prints NDJSON ending with `ended`', async () => {
    const project = await simProject();
    await project.importTasks(
      ['one', 'two', 'three'].map((id) => simTask(id, simWrite(`${id}.txt`, id), [`test -f ${id}.txt`])),
    );

    const run = await project.cli(['run', '--no-ui', '--json', '--max-tasks', '1']);

    // Stopped at the limit with tasks still pending: exit 3.
    expect(run.exitCode, run.stderr).toBe(3);
    const lines = run.stdout.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(3);
    const events = lines.map(
      (line) => JSON.parse(line) as { type: string; at: string; exitCode?: number; outcome?: string },
    );
    for (const event of events) {
      expect(typeof event.type).toBe('string');
      expect(Number.isNaN(Date.parse(event.at))).toBe(false);
    }
    const ended = events.filter((e) => e.type === 'ended');
    expect(ended).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('ended');
    expect(ended[0]).toMatchObject({ exitCode: 3, outcome: 'limit' });
    const tasks = project.state()?.tasks ?? [];
    expect(tasks.filter((t) => t.attempts.length > 0)).toHaveLength(1);
    expect(tasks.filter((t) => t.status === 'done')).toHaveLength(1);
    expect(tasks.filter((t) => t.status === 'pending')).toHaveLength(2);
  }, 60_000);
});
