/**
 * `nightshift task import` and `task export` with the built CLI: autodev's task.json imports as it
 * is, --replace backs up first, a refused plan (cycle, missing field, bad JSON, missing file)
 * imports nothing, and export → import round-trips the queue.
 */
import { existsSync } from 'node:fs';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir, tempGitRepo, type CliResult } from '../support/cli.js';

const plans = path.join(repoRoot, 'test', 'fixtures', 'plans');
const autodevPlan = path.join(plans, 'autodev-task.json');

/** A stored task, loosely: the fields compared here. */
type StoredTask = Record<string, unknown> & { readonly id: string };

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

const statePath = (dir: string): string => path.join(dir, '.nightshift', 'state.json');
const backupsDir = (dir: string): string => path.join(dir, '.nightshift', 'backups');

async function storedTasks(dir: string): Promise<StoredTask[]> {
  return (JSON.parse(await readFile(statePath(dir), 'utf8')) as { tasks: StoredTask[] }).tasks;
}

async function backups(dir: string): Promise<string[]> {
  return existsSync(backupsDir(dir)) ? (await readdir(backupsDir(dir))).sort() : [];
}

/** Tasks without the fields a re-import sets afresh (timestamps). */
function comparable(tasks: readonly StoredTask[]): Record<string, unknown>[] {
  return tasks.map(({ createdAt: _created, updatedAt: _updated, ...rest }) => rest);
}

async function addOne(dir: string, id: string): Promise<void> {
  const result = await cli(
    dir,
    'task',
    'add',
    '--id',
    id,
    '--title',
    `Task ${id}`,
    '--step',
    'do it',
    '--verify',
    'true',
  );
  expect(result.exitCode, result.stderr).toBe(0);
}

/** Runs an import that must be refused: exit 1, stderr matching, state.json and backups unchanged. */
async function expectRefused(dir: string, args: readonly string[], ...patterns: RegExp[]): Promise<string> {
  const before = await readFile(statePath(dir));
  const backupsBefore = await backups(dir);
  const result = await cli(dir, ...args);
  expect(result.exitCode, `${args.join(' ')}\n${result.stderr}`).toBe(1);
  expect(result.stdout).toBe('');
  for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(await readFile(statePath(dir))).toEqual(before);
  expect(await backups(dir)).toEqual(backupsBefore);
  expect(existsSync(path.join(dir, '.nightshift', 'engine.lock'))).toBe(false);
  return result.stderr;
}

describe('task import', () => {
  it('imports autodev’s task.json unchanged: passes/blocked become status, fields map to the task model', async () => {
    const dir = await project();
    const result = await cli(dir, 'task', 'import', autodevPlan);
    expect(result).toEqual({
      exitCode: 0,
      stdout: `added 4 tasks: P0-1, P0-2, P1-1, P1-2, kept 1 learning journal entry from ${autodevPlan}`,
      stderr: '',
    });
    // autodev's learning journal becomes the project's, fed into later prompts.
    const journal = (
      JSON.parse(await readFile(path.join(dir, '.nightshift', 'state.json'), 'utf8')) as {
        learning: { taskId?: string; text: string }[];
      }
    ).learning;
    expect(journal).toEqual([
      expect.objectContaining({ taskId: 'P0-1', text: 'Prefer uv run for python commands' }),
    ]);
    const tasks = await storedTasks(dir);
    expect(tasks.map((task) => [task.id, task['status']])).toEqual([
      ['P0-1', 'done'],
      ['P0-2', 'blocked'],
      ['P1-1', 'pending'],
      ['P1-2', 'pending'],
    ]);
    const [p01, p02, p11] = tasks;
    expect(p01).toMatchObject({
      title: 'Scaffold the FastAPI service',
      steps: [
        'Create app/main.py with a FastAPI app',
        'Add GET /health returning {"ok": true}',
        'Add tests/test_health.py',
      ],
      docs: ['docs/specs/latency-service.md'],
      verification: {
        pathPatterns: ['app/**', 'tests/**', 'pyproject.toml'],
        commands: ['uv run pytest -q tests/test_health.py'],
        timeoutSeconds: 300,
      },
      completion: { kind: 'boolean' },
      execution: { strategy: 'single_pass' },
      notes: 'Used uvicorn for local runs',
    });
    expect(p01?.['blockReason']).toBeUndefined();
    expect(p02).toMatchObject({
      dependsOn: ['P0-1'],
      blockReason: 'pytest cannot import sqlite3 in the sandbox',
      verification: { cwd: '.', env: { DATABASE_URL: 'sqlite:///tmp/test.db', WORKERS: '2' } },
      learning: ['sqlite3 module missing from the python build'],
    });
    expect(p11).toMatchObject({
      priority: 2,
      completion: {
        kind: 'numeric',
        jsonPath: 'metrics.latency_ms',
        direction: 'minimize',
        minImprovement: 1.5,
      },
      execution: {
        strategy: 'iterative',
        maxIterations: 5,
        rollbackOnRegression: true,
        keepOnEqual: true,
        stopAfterNoImprovement: 2,
      },
    });
    // A plain append of new tasks changes nothing that existed: no backup.
    expect(await backups(dir)).toEqual([]);
  });

  it('appends by default, and refuses an id already in the queue', async () => {
    const dir = await project();
    await addOne(dir, 'mine');
    const appended = await cli(dir, 'task', 'import', '--append', autodevPlan, '--json');
    expect(appended.exitCode).toBe(0);
    expect(JSON.parse(appended.stdout)).toEqual({
      imported: ['P0-1', 'P0-2', 'P1-1', 'P1-2'],
      replaced: false,
      backup: null,
    });
    expect((await storedTasks(dir)).map((task) => task.id)).toEqual(['mine', 'P0-1', 'P0-2', 'P1-1', 'P1-2']);
    await expectRefused(
      dir,
      ['task', 'import', autodevPlan],
      /task "P0-1" field id: a task with this id is already in the queue/,
      /nothing was added/,
    );
    await expectRefused(
      dir,
      ['task', 'import', '--append', '--replace', autodevPlan],
      /choose one of --append and --replace/,
    );
  });

  it('--replace backs up the previous state.json in .nightshift/backups/ and makes the queue exactly the plan', async () => {
    const dir = await project();
    await addOne(dir, 'old-1');
    await addOne(dir, 'old-2');
    const before = await readFile(statePath(dir));
    const result = await cli(dir, 'task', 'import', '--replace', autodevPlan);
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(
      `added 4 tasks: P0-1, P0-2, P1-1, P1-2, removed 2 tasks, kept 1 learning journal entry from ${autodevPlan}`,
    );
    const backup = /^backup of the previous queue: (.+)$/.exec(lines[1] ?? '')?.[1] ?? '';
    expect(path.dirname(backup)).toBe(backupsDir(dir));
    expect(path.basename(backup)).toMatch(/^state-\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z-add\.json$/);
    expect(await readFile(backup)).toEqual(before);
    expect((await storedTasks(dir)).map((task) => task.id)).toEqual(['P0-1', 'P0-2', 'P1-1', 'P1-2']);
  });

  it('refuses a plan with a dependency cycle, prints the cycle, and imports nothing (append or replace)', async () => {
    const dir = await project();
    await addOne(dir, 'keep');
    const cycle = path.join(plans, 'cycle.json');
    const stderr = await expectRefused(
      dir,
      ['task', 'import', cycle],
      /the tasks do not pass the audit/,
      /field dependsOn: dependency cycle: a → c → b → a/,
      /nothing was added/,
    );
    expect(stderr.split('\n')[0]).toBe('nightshift: the tasks do not pass the audit (1 error):');
    await expectRefused(dir, ['task', 'import', '--replace', cycle], /dependency cycle: a → c → b → a/);
    expect((await storedTasks(dir)).map((task) => task.id)).toEqual(['keep']);
  });

  it('refuses a plan with a missing or mistyped field, naming the task and the field, and imports nothing', async () => {
    const dir = await project();
    await addOne(dir, 'keep');
    const file = path.join(plans, 'missing-field.json');
    const stderr = await expectRefused(
      dir,
      ['task', 'import', file],
      new RegExp(`^nightshift: ${file} is not a valid plan file:`),
      /tasks\[1\]\.title \(task "api-2"\): .*expected string, received undefined/,
      /tasks\[1\]\.verification\.validate_commands \(task "api-2"\): .*expected array, received string/,
    );
    expect(stderr).toMatch(/\/templates\/plan\.schema\.json describes the format/);
  });

  it('refuses bad JSON with file:line:column', async () => {
    const dir = await project();
    await addOne(dir, 'keep');
    const file = path.join(plans, 'bad-json.json');
    await expectRefused(
      dir,
      ['task', 'import', file],
      new RegExp(`^nightshift: ${file}:5:5: not valid JSON: .*\\(line 5, column 5\\)$`, 'm'),
    );
    const empty = path.join(dir, 'empty.json');
    await writeFile(empty, '');
    await expectRefused(dir, ['task', 'import', empty], new RegExp(`${empty}:1:1: not valid JSON`));
    const notPlan = path.join(dir, 'list.json');
    await writeFile(notPlan, '[1, 2]\n');
    await expectRefused(dir, ['task', 'import', notPlan], new RegExp(`${notPlan} is not a valid plan file`));
  });

  it('refuses a missing file and a folder', async () => {
    const dir = await project();
    await addOne(dir, 'keep');
    await expectRefused(dir, ['task', 'import', 'nope.json'], /^nightshift: nope\.json: no such file$/m);
    await expectRefused(
      dir,
      ['task', 'import', dir],
      new RegExp(`^nightshift: ${dir}: cannot read \\(EISDIR\\)$`, 'm'),
    );
  });
});

describe('task export', () => {
  it('round-trips: export, then import --replace into a fresh project gives the same tasks', async () => {
    const source = await project();
    expect((await cli(source, 'task', 'import', autodevPlan)).exitCode).toBe(0);
    // Give the queue more to carry: an epic, paths, a block reason, a changed dependency.
    const extra = await cli(
      source,
      'task',
      'add',
      '--id',
      'extra',
      '--title',
      'Extra',
      '--description',
      'more',
      '--step',
      's',
      '--verify',
      'true',
      '--path',
      'src/**',
      '--epic',
      'ops',
      '--priority',
      '-1',
    );
    expect(extra.exitCode, extra.stderr).toBe(0);
    expect((await cli(source, 'task', 'dep', 'add', 'extra', 'P1-2')).exitCode).toBe(0);
    expect((await cli(source, 'task', 'block', 'P1-2', 'waiting', 'on', 'review')).exitCode).toBe(0);
    const exported = await cli(source, 'task', 'export');
    expect(exported.exitCode).toBe(0);
    const plan = JSON.parse(exported.stdout) as { project: string; tasks: { id: string }[] };
    expect(plan.tasks.map((task) => task.id)).toEqual(['P0-1', 'P0-2', 'P1-1', 'P1-2', 'extra']);

    const file = path.join(source, 'exported.json');
    await writeFile(file, exported.stdout);
    const target = await project();
    const imported = await cli(target, 'task', 'import', '--replace', file);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(comparable(await storedTasks(target))).toEqual(comparable(await storedTasks(source)));

    // And again: exporting the copy gives the same file.
    expect((await cli(target, 'task', 'export')).stdout).toBe(
      exported.stdout.replace(/"project": "[^"]*"/, `"project": "${plan.project}"`),
    );
  });

  it('writes the plan file with -o and says how many tasks', async () => {
    const dir = await project();
    expect((await cli(dir, 'task', 'import', autodevPlan)).exitCode).toBe(0);
    const out = path.join(dir, 'out.json');
    const result = await cli(dir, 'task', 'export', '-o', out);
    expect(result).toEqual({ exitCode: 0, stdout: `wrote 4 tasks to ${out}`, stderr: '' });
    const text = await readFile(out, 'utf8');
    expect(text).toBe(`${(await cli(dir, 'task', 'export')).stdout}\n`);
    const plan = JSON.parse(text) as {
      tasks: { id: string; passes: boolean; blocked: boolean; status: string }[];
    };
    // Both forms, so autodev can read the export too.
    expect(plan.tasks.map(({ id, status, passes, blocked }) => [id, status, passes, blocked])).toEqual([
      ['P0-1', 'done', true, false],
      ['P0-2', 'blocked', false, true],
      ['P1-1', 'pending', false, false],
      ['P1-2', 'pending', false, false],
    ]);
  });

  it('exports an empty queue as a plan file with no tasks', async () => {
    const dir = await project();
    const result = await cli(dir, 'task', 'export');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ project: path.basename(template), tasks: [] });
  });
});
