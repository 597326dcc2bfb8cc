/**
 * `nightshift task add` (flags and -f FILE), run as the built CLI in temporary projects. Every bad
 * input must exit 1 with a message naming the field or file, and leave state.json byte for byte.
 */
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, tempGitRepo, type CliResult } from '../support/cli.js';

/** The parts of a stored task these tests look at. */
interface StoredTask {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly epic?: string;
  readonly priority: number;
  readonly steps: string[];
  readonly dependsOn: string[];
  readonly status: string;
  readonly verification: {
    pathPatterns: string[];
    commands: string[];
    timeoutSeconds?: number;
    env: Record<string, string>;
  };
}

let template = '';

beforeAll(async () => {
  template = await tempGitRepo();
  expect((await runCli(['init', '--use', 'sim'], { cwd: template })).exitCode).toBe(0);
});

/** A copy of an initialised project (init once, copy per test: init costs a second). */
async function project(): Promise<string> {
  const dir = await tempDir('nightshift-project-');
  await cp(template, dir, { recursive: true });
  return dir;
}

function statePath(dir: string): string {
  return path.join(dir, '.nightshift', 'state.json');
}

async function storedTasks(dir: string): Promise<StoredTask[]> {
  return (JSON.parse(await readFile(statePath(dir), 'utf8')) as { tasks: StoredTask[] }).tasks;
}

function cli(dir: string, ...args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir });
}

/** Adds a minimal valid task. */
async function addTask(dir: string, title: string, ...more: string[]): Promise<CliResult> {
  const result = await cli(
    dir,
    'task',
    'add',
    '--title',
    title,
    '--step',
    'do it',
    '--verify',
    'test -f done.txt',
    ...more,
  );
  expect(result.exitCode, result.stderr).toBe(0);
  return result;
}

/** Runs a command that must fail: exit 1, stderr matching every pattern, state.json unchanged, no backup. */
async function expectRefused(dir: string, args: readonly string[], ...patterns: RegExp[]): Promise<string> {
  const before = await readFile(statePath(dir));
  const result = await cli(dir, ...args);
  expect(result.exitCode, `${args.join(' ')}\n${result.stderr}`).toBe(1);
  for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(await readFile(statePath(dir))).toEqual(before);
  expect(existsSync(path.join(dir, '.nightshift', 'backups'))).toBe(false);
  expect(existsSync(path.join(dir, '.nightshift', 'engine.lock'))).toBe(false);
  return result.stderr;
}

describe('task add with flags', () => {
  it('stores every flag: title, description, steps in order, dependencies, verify commands, paths, priority, epic, id', async () => {
    const dir = await project();
    await addTask(dir, 'Base', '--id', 'base');
    await addTask(dir, 'Schema', '--id', 'schema');
    const result = await cli(
      dir,
      'task',
      'add',
      '--title',
      'Add the /health route',
      '--description',
      'GET /health answers {"ok": true}',
      '--step',
      'add the route',
      '--step',
      'add a test',
      '--step',
      'document it',
      '--depends-on',
      'base',
      '--depends-on',
      'schema',
      '--verify',
      'npm test',
      '--verify',
      'npm run lint',
      '--path',
      'src/**',
      '--path',
      'test/**',
      '--priority',
      '7',
      '--epic',
      'api',
      '--id',
      'health-1',
    );
    expect(result).toEqual({ exitCode: 0, stdout: 'added 1 task: health-1', stderr: '' });
    const task = (await storedTasks(dir)).find((t) => t.id === 'health-1');
    expect(task).toMatchObject({
      id: 'health-1',
      title: 'Add the /health route',
      description: 'GET /health answers {"ok": true}',
      epic: 'api',
      priority: 7,
      steps: ['add the route', 'add a test', 'document it'],
      dependsOn: ['base', 'schema'],
      status: 'pending',
      verification: { commands: ['npm test', 'npm run lint'], pathPatterns: ['src/**', 'test/**'], env: {} },
    });
    // The store keeps insertion order.
    expect((await storedTasks(dir)).map((t) => t.id)).toEqual(['base', 'schema', 'health-1']);
  });

  it('derives the id from the title and adds -2, -3 for the same title', async () => {
    const dir = await project();
    expect((await addTask(dir, 'Add the /health route!')).stdout).toBe('added 1 task: add-the-health-route');
    expect((await addTask(dir, 'Add the /health route!')).stdout).toBe(
      'added 1 task: add-the-health-route-2',
    );
    expect((await addTask(dir, 'add the health route')).stdout).toBe('added 1 task: add-the-health-route-3');
    expect((await addTask(dir, '¿¡ !?')).stdout).toBe('added 1 task: task');
    const long = await addTask(dir, 'A very long title that goes on and on past the forty character cut');
    expect(long.stdout).toBe('added 1 task: a-very-long-title-that-goes-on-and-on-pa');
    expect((await storedTasks(dir)).map((t) => t.id)).toHaveLength(5);
  });

  it('accepts a description without steps, defaults priority to 0, and prints ids with --json', async () => {
    const dir = await project();
    const result = await cli(
      dir,
      'task',
      'add',
      '--title',
      'Only words',
      '--description',
      'make it so',
      '--verify',
      'true',
      '--json',
    );
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ added: ['only-words'] });
    expect((await storedTasks(dir))[0]).toMatchObject({ priority: 0, steps: [], description: 'make it so' });
  });

  it('refuses bad input with a message naming the flag or field, and writes nothing', async () => {
    const dir = await project();
    await addTask(dir, 'Base', '--id', 'base');
    await expectRefused(
      dir,
      ['task', 'add', '--step', 's', '--verify', 'true'],
      /task add needs --title \(or -f FILE\)/,
    );
    await expectRefused(
      dir,
      ['task', 'add', '--title', 'T', '--step', 's', '--verify', 'true', '--priority', 'high'],
      /--priority must be an integer, got "high"/,
    );
    await expectRefused(
      dir,
      ['task', 'add', '--title', 'T', '--step', 's', '--verify', 'true', '--priority', '1.5'],
      /--priority must be an integer, got "1.5"/,
    );
    await expectRefused(
      dir,
      ['task', 'add', '--title', 'No check', '--step', 's'],
      /task "no-check" field verification: nothing verifies this task/,
      /nothing was added/,
    );
    await expectRefused(
      dir,
      ['task', 'add', '--title', 'Empty', '--verify', 'true'],
      /task "empty" field steps: no steps and no description/,
    );
    await expectRefused(
      dir,
      ['task', 'add', '--title', 'T', '--step', 's', '--verify', 'true', '--depends-on', 'nope'],
      /task "t" field dependsOn\[0\]: depends on unknown task "nope"/,
    );
    await expectRefused(
      dir,
      ['task', 'add', '--title', 'Again', '--step', 's', '--verify', 'true', '--id', 'base'],
      /task "base" field id: a task with this id is already in the queue/,
    );
    await expectRefused(
      dir,
      [
        'task',
        'add',
        '--title',
        'Self',
        '--step',
        's',
        '--verify',
        'true',
        '--id',
        'self',
        '--depends-on',
        'self',
      ],
      /task "self" field dependsOn/,
    );
    await expectRefused(dir, ['task', 'add', '--title'], /option '--title <text>' argument missing/);
  });
});

describe('task add -f FILE', () => {
  it('reads one task object in plan-file (snake_case) form', async () => {
    const dir = await project();
    await addTask(dir, 'Base', '--id', 'base');
    const file = path.join(dir, 'task.json');
    await writeFile(
      file,
      JSON.stringify({
        id: 'api-1',
        title: 'Create the API',
        description: 'A small HTTP API',
        priority: 3,
        epic: 'backend',
        depends_on: ['base'],
        steps: ['add app.py', 'add tests'],
        verification: {
          path_patterns: ['app/**'],
          validate_commands: ['pytest -q'],
          validate_timeout_seconds: 120,
          validate_environment: { MODE: 'test', WORKERS: 2 },
        },
      }),
    );
    const result = await cli(dir, 'task', 'add', '-f', file);
    expect(result).toEqual({ exitCode: 0, stdout: 'added 1 task: api-1', stderr: '' });
    expect((await storedTasks(dir))[1]).toMatchObject({
      id: 'api-1',
      title: 'Create the API',
      priority: 3,
      epic: 'backend',
      dependsOn: ['base'],
      steps: ['add app.py', 'add tests'],
      verification: {
        pathPatterns: ['app/**'],
        commands: ['pytest -q'],
        timeoutSeconds: 120,
        env: { MODE: 'test', WORKERS: '2' },
      },
    });
  });

  it('reads a {tasks: […]} file with --file, dependencies inside the file included', async () => {
    const dir = await project();
    const file = path.join(dir, 'tasks.json');
    await writeFile(
      file,
      JSON.stringify({
        tasks: [
          { id: 'one', title: 'One', steps: ['a'], verification: { validate_commands: ['true'] } },
          {
            id: 'two',
            title: 'Two',
            steps: ['b'],
            depends_on: ['one'],
            verification: { validate_commands: ['true'] },
          },
        ],
      }),
    );
    const result = await cli(dir, 'task', 'add', '--file', file, '--json');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ added: ['one', 'two'] });
    expect((await storedTasks(dir)).map((t) => [t.id, t.dependsOn])).toEqual([
      ['one', []],
      ['two', ['one']],
    ]);
  });

  it('refuses a bad file with file:line:column, task and field, or "no such file", and writes nothing', async () => {
    const dir = await project();
    await addTask(dir, 'Base', '--id', 'base');
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, '{\n  "id": "x",\n  "title": "X"\n  "steps": []\n}\n');
    await expectRefused(dir, ['task', 'add', '-f', broken], new RegExp(`${broken}:4:3: not valid JSON`));

    const noTitle = path.join(dir, 'no-title.json');
    await writeFile(
      noTitle,
      JSON.stringify({ id: 'x', steps: ['s'], verification: { validate_commands: ['true'] } }),
    );
    await expectRefused(
      dir,
      ['task', 'add', '-f', noTitle],
      new RegExp(`${noTitle} is not a valid plan file`),
      /tasks\[0\]\.title \(task "x"\)/,
    );

    const cyclic = path.join(dir, 'cyclic.json');
    await writeFile(
      cyclic,
      JSON.stringify({
        tasks: [
          {
            id: 'p',
            title: 'P',
            steps: ['s'],
            depends_on: ['q'],
            verification: { validate_commands: ['true'] },
          },
          {
            id: 'q',
            title: 'Q',
            steps: ['s'],
            depends_on: ['p'],
            verification: { validate_commands: ['true'] },
          },
        ],
      }),
    );
    await expectRefused(dir, ['task', 'add', '-f', cyclic], /dependency cycle: (p → q → p|q → p → q)/);

    await expectRefused(
      dir,
      ['task', 'add', '-f', path.join(dir, 'missing.json')],
      /missing\.json: no such file/,
    );
  });
});
