/**
 * Reading the queue with the built CLI: `task list` (table, --status, --json, empty, long lists),
 * `task show` (detail, --json, unknown ids) and `task next` (dependencies, then priority).
 */
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnPty } from '../../source/agents/pty.js';
import { cliPath, runCli, tempDir, tempGitRepo, type CliResult } from '../support/cli.js';

/** One task of a plan file, as these tests write them. */
interface PlanTask {
  readonly id: string;
  readonly title: string;
  readonly steps: string[];
  readonly verification: { validate_commands: string[]; path_patterns?: string[] };
  readonly depends_on?: string[];
  readonly priority?: number;
  readonly status?: string;
  readonly block_reason?: string;
  readonly description?: string;
  readonly epic?: string;
}

let template = '';

beforeAll(async () => {
  template = await tempGitRepo();
  expect((await runCli(['init', '--use', 'sim'], { cwd: template })).exitCode).toBe(0);
});

async function project(): Promise<string> {
  const dir = await tempDir('nightshift-project-');
  await cp(template, dir, { recursive: true });
  return dir;
}

function cli(dir: string, ...args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir });
}

function planTask(id: string, more: Partial<PlanTask> = {}): PlanTask {
  return {
    id,
    title: `Title of ${id}`,
    steps: [`do ${id}`],
    verification: { validate_commands: ['true'] },
    ...more,
  };
}

/** Imports `tasks` into the project through a plan file. */
async function seed(dir: string, tasks: readonly PlanTask[]): Promise<void> {
  const file = path.join(dir, 'seed-plan.json');
  await writeFile(file, JSON.stringify({ project: 'seed', tasks }));
  const result = await cli(dir, 'task', 'import', file);
  expect(result.exitCode, result.stderr).toBe(0);
}

describe('task list', () => {
  it('says how to add tasks when the queue is empty; --json gives []', async () => {
    const dir = await project();
    expect(await cli(dir, 'task', 'list')).toEqual({
      exitCode: 0,
      stdout: 'No tasks yet. Add one with `nightshift task add` or `nightshift task import FILE`.',
      stderr: '',
    });
    const json = await cli(dir, 'task', 'list', '--json');
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('prints a table with id, status, priority, dependencies, tries and title, and the counts', async () => {
    const dir = await project();
    await seed(dir, [
      planTask('base', { status: 'done' }),
      planTask('api', { depends_on: ['base'], priority: 4 }),
      planTask('docs', { status: 'blocked', block_reason: 'no writer' }),
    ]);
    const result = await cli(dir, 'task', 'list');
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    const header = lines.find((line) => /\bid\b/i.test(line) && /status/i.test(line)) ?? '';
    for (const heading of ['id', 'status', 'pri', 'deps', 'tries', 'title'])
      expect(header.toLowerCase()).toContain(heading);
    const row = (id: string): string =>
      lines.find((line) => new RegExp(`\\b${id}\\b`).test(line) && line.includes(`Title of ${id}`)) ?? '';
    expect(row('base')).toMatch(/base\W+done\W+0\W+-\W+0\W+Title of base/);
    expect(row('api')).toMatch(/api\W+pending\W+4\W+base\W+0\W+Title of api/);
    expect(row('docs')).toMatch(/docs\W+blocked\W+0\W+-\W+0\W+Title of docs/);
    expect(lines.at(-1)).toBe('3 tasks: 1 done · 1 pending · 1 blocked');
  });

  it('filters with --status and says when nothing has that status', async () => {
    const dir = await project();
    await seed(dir, [
      planTask('a'),
      planTask('b', { status: 'blocked' }),
      planTask('c', { status: 'blocked' }),
    ]);
    const blocked = await cli(dir, 'task', 'list', '--status', 'blocked');
    expect(blocked.exitCode).toBe(0);
    expect(blocked.stdout).toMatch(/\bb\b[\s\S]*\bc\b/);
    expect(blocked.stdout).not.toContain('Title of a');
    expect(blocked.stdout.split('\n').at(-1)).toBe('2 tasks: 2 blocked');
    const json = JSON.parse((await cli(dir, 'task', 'list', '--status', 'pending', '--json')).stdout) as {
      id: string;
    }[];
    expect(json.map((task) => task.id)).toEqual(['a']);
    expect(await cli(dir, 'task', 'list', '--status', 'running')).toEqual({
      exitCode: 0,
      stdout: 'No running tasks.',
      stderr: '',
    });
  });

  it('prints every task with --json, in the store’s shape', async () => {
    const dir = await project();
    await seed(dir, [
      planTask('a', { priority: 2, epic: 'core' }),
      planTask('b', {
        depends_on: ['a'],
        verification: { validate_commands: ['npm test'], path_patterns: ['src/**'] },
      }),
    ]);
    const result = await cli(dir, 'task', 'list', '--json');
    expect(result.exitCode).toBe(0);
    const tasks = JSON.parse(result.stdout) as unknown[];
    expect(tasks).toHaveLength(2);
    expect(tasks[0]).toMatchObject({
      id: 'a',
      title: 'Title of a',
      priority: 2,
      epic: 'core',
      status: 'pending',
      attempts: [],
    });
    expect(tasks[1]).toMatchObject({
      id: 'b',
      dependsOn: ['a'],
      verification: { commands: ['npm test'], pathPatterns: ['src/**'] },
    });
  });

  it('draws the boxed table when a person is looking (stdout is a terminal)', async () => {
    const dir = await project();
    await seed(dir, [planTask('base'), planTask('api', { depends_on: ['base'] })]);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env))
      if (value !== undefined && key !== 'CI') env[key] = value;
    const term = await spawnPty(process.execPath, [cliPath, 'task', 'list'], {
      cwd: dir,
      cols: 120,
      rows: 30,
      env: { ...env, NO_COLOR: '1' },
    });
    let screen = '';
    term.onData((data) => (screen += data));
    const exitCode = await new Promise<number>((resolve) => term.onExit((exit) => resolve(exit.exitCode)));
    expect(exitCode, screen).toBe(0);
    // eslint-disable-next-line no-control-regex -- terminal escape sequences
    screen = screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    expect(screen).toMatch(/┌─+┬/);
    expect(screen).toMatch(/│ api\s+│ pending │/);
    expect(screen).toContain('2 tasks: 2 pending');
  });

  it('uses the plain table past 100 tasks, every task on its own row', async () => {
    const dir = await project();
    const ids = Array.from({ length: 150 }, (_, index) => `t-${String(index).padStart(3, '0')}`);
    await seed(
      dir,
      ids.map((id, index) => planTask(id, index > 0 ? { depends_on: [ids[index - 1] ?? ''] } : {})),
    );
    const result = await cli(dir, 'task', 'list');
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+PRI\s+DEPS\s+TRIES\s+TOKENS\s+COST\s+AGENT\s+TITLE$/);
    expect(result.stdout).not.toMatch(/[│┌└─]/);
    expect(lines).toHaveLength(1 + 150 + 1);
    expect(lines[2]).toMatch(/^t-001\s+pending\s+0\s+t-000\s+0\s+-\s+-\s+-\s+Title of t-001$/);
    expect(lines.at(-1)).toBe('150 tasks: 150 pending');
  });
});

describe('task show', () => {
  it('prints the detail: title, status and reason, priority, epic, dependencies, steps, verification', async () => {
    const dir = await project();
    await seed(dir, [
      planTask('base'),
      planTask('api', {
        description: 'A small HTTP API.',
        epic: 'backend',
        priority: 3,
        depends_on: ['base'],
        steps: ['add app.py', 'add tests'],
        status: 'blocked',
        block_reason: 'needs a database',
        verification: { validate_commands: ['pytest -q', 'ruff check'], path_patterns: ['app/**'] },
      }),
    ]);
    const result = await cli(dir, 'task', 'show', 'api');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'api  Title of api',
      'status: blocked (needs a database)',
      'priority: 3   epic: backend',
      'depends on: base',
      '',
      'A small HTTP API.',
      '',
      'steps:',
      '  1. add app.py',
      '  2. add tests',
      '',
      'verification:',
      '  changed files must match: app/**',
      '  $ pytest -q',
      '  $ ruff check',
    ]);
  });

  it('prints the task as JSON with --json, the same object `task list --json` has', async () => {
    const dir = await project();
    await seed(dir, [planTask('a'), planTask('b', { depends_on: ['a'] })]);
    const shown = JSON.parse((await cli(dir, 'task', 'show', 'b', '--json')).stdout) as unknown;
    const listed = JSON.parse((await cli(dir, 'task', 'list', '--json')).stdout) as unknown[];
    expect(shown).toEqual(listed[1]);
  });

  it('exits 1 on an unknown id and suggests the closest one', async () => {
    const dir = await project();
    await seed(dir, [planTask('api-health'), planTask('docs')]);
    const typo = await cli(dir, 'task', 'show', 'api-helth');
    expect(typo.exitCode).toBe(1);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toBe(
      'nightshift: no task "api-helth" (did you mean "api-health"?); run nightshift task list',
    );
    const far = await cli(dir, 'task', 'show', 'zzzzzzzz', '--json');
    expect(far.exitCode).toBe(1);
    expect(far.stdout).toBe('');
    expect(far.stderr).toBe('nightshift: no task "zzzzzzzz"; run nightshift task list');
  });
});

describe('task next', () => {
  it('picks the highest priority among tasks whose dependencies are done', async () => {
    const dir = await project();
    await seed(dir, [
      planTask('low', { priority: 1 }),
      planTask('urgent', { priority: 9, depends_on: ['setup'] }),
      planTask('setup', { priority: 0 }),
      planTask('mid', { priority: 5 }),
      planTask('stuck', { priority: 20, status: 'blocked' }),
    ]);
    // `urgent` waits on `setup`; `stuck` is blocked: `mid` is the best ready task.
    expect(await cli(dir, 'task', 'next')).toEqual({ exitCode: 0, stdout: 'mid  Title of mid', stderr: '' });
    const json = JSON.parse((await cli(dir, 'task', 'next', '--json')).stdout) as { id: string };
    expect(json.id).toBe('mid');
  });

  it('moves to a dependent task once its dependency is done', async () => {
    const dir = await project();
    await seed(dir, [
      planTask('setup', { status: 'done' }),
      planTask('urgent', { priority: 9, depends_on: ['setup'] }),
      planTask('mid', { priority: 5 }),
    ]);
    expect((await cli(dir, 'task', 'next')).stdout).toBe('urgent  Title of urgent');
  });

  it('says when no task is ready; --json prints null', async () => {
    const dir = await project();
    expect((await cli(dir, 'task', 'next')).stdout).toMatch(/^No task is ready/);
    await seed(dir, [
      planTask('a', { status: 'done' }),
      planTask('b', { status: 'blocked' }),
      planTask('c', { depends_on: ['b'] }),
    ]);
    const result = await cli(dir, 'task', 'next', '--json');
    expect(result).toEqual({ exitCode: 0, stdout: 'null', stderr: '' });
  });
});
