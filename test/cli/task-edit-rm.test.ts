/**
 * `task edit` (by flags, and in $EDITOR on the task's JSON), `task rm` (dependents refused unless
 * --cascade), per-task backend and model, and `task list` sorting, with the built CLI on a real repo.
 */
import { chmod, cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, tempGitRepo, type CliResult } from '../support/cli.js';

interface StoredTask {
  readonly id: string;
  readonly title: string;
  readonly priority: number;
  readonly steps: string[];
  readonly backend?: string;
  readonly model?: string;
  readonly verification: { readonly commands: string[] };
}

let template = '';

beforeAll(async () => {
  template = await tempGitRepo();
  expect((await runCli(['init', '--use', 'sim'], { cwd: template })).exitCode).toBe(0);
  const task = (id: string, more: object): object => ({
    id,
    title: `Title of ${id}`,
    steps: ['s'],
    verification: { validate_commands: ['test -f done.txt'] },
    ...more,
  });
  const plan = path.join(template, 'seed.json');
  await writeFile(
    plan,
    JSON.stringify({
      tasks: [
        task('a', {}),
        task('b', { depends_on: ['a'] }),
        task('c', { depends_on: ['b'] }),
        task('d', {}),
      ],
    }),
  );
  expect((await runCli(['task', 'import', plan], { cwd: template })).exitCode).toBe(0);
});

async function project(): Promise<string> {
  const dir = await tempDir('nightshift-project-');
  await cp(template, dir, { recursive: true });
  return dir;
}

function cli(dir: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { cwd: dir, env });
}

async function stored(dir: string): Promise<Record<string, StoredTask>> {
  const state = JSON.parse(await readFile(path.join(dir, '.nightshift', 'state.json'), 'utf8')) as {
    tasks: StoredTask[];
  };
  return Object.fromEntries(state.tasks.map((task) => [task.id, task]));
}

describe('task edit', () => {
  it('changes fields by flags, audited, with a backup; says which fields changed', async () => {
    const dir = await project();
    const result = await cli(dir, [
      'task',
      'edit',
      'b',
      '--title',
      'A better title',
      '--priority',
      '5',
      '--add-step',
      'then test it',
      '--add-verify',
      'npm test',
      '--backend',
      'codex',
      '--model',
      'gpt-5-mini',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^edited b: title, priority, steps, verification, backend, model$/m);
    expect(result.stdout).toMatch(/^backup: .+-edit\.json$/m);
    const b = (await stored(dir))['b'];
    expect(b).toMatchObject({ title: 'A better title', priority: 5, backend: 'codex', model: 'gpt-5-mini' });
    expect(b?.steps).toEqual(['s', 'then test it']);
    expect(b?.verification.commands).toEqual(['test -f done.txt', 'npm test']);

    const show = await cli(dir, ['task', 'show', 'b']);
    expect(show.stdout).toContain('agent: codex, model gpt-5-mini');
    const list = await cli(dir, ['task', 'list']);
    expect(list.stdout).toMatch(/^b\s+pending\s+5\s+a\s+0\s+-\s+-\s+codex\/gpt-5-mini\s+A better title$/m);

    // An empty value clears the per-task backend again.
    expect((await cli(dir, ['task', 'edit', 'b', '--backend', '', '--model', ''])).stdout).toMatch(
      /^edited b: backend, model$/m,
    );
    expect((await stored(dir))['b']?.backend).toBeUndefined();
  });

  it('refuses an edit the audit rejects (weaker verification, unknown backend, a cycle), writing nothing', async () => {
    const dir = await project();
    const before = await readFile(path.join(dir, '.nightshift', 'state.json'), 'utf8');
    const weaker = await cli(dir, ['task', 'edit', 'a', '--verify', 'true']);
    expect(weaker.exitCode).toBe(1);
    expect(weaker.stderr).toMatch(/weaker than before: drops "test -f done.txt"/);
    const backend = await cli(dir, ['task', 'edit', 'a', '--backend', 'cladue']);
    expect(backend.exitCode).toBe(1);
    expect(backend.stderr).toMatch(/unknown backend "cladue".*did you mean "claude"/s);
    const cycle = await cli(dir, ['task', 'edit', 'a', '--depends-on', 'c']);
    expect(cycle.exitCode).toBe(1);
    expect(cycle.stderr).toMatch(/dependency cycle/);
    expect(await readFile(path.join(dir, '.nightshift', 'state.json'), 'utf8')).toBe(before);
    // --force lets a person weaken it on purpose; the audit still warns that `true` cannot fail.
    const forced = await cli(dir, ['task', 'edit', 'a', '--verify', 'true', '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/warning: task "a" verification.commands: weaker than before/);
    expect(forced.stdout).toMatch(/the only check, "true", cannot fail/);
  });

  it('opens the task as JSON in $EDITOR and applies what was saved', async () => {
    const dir = await project();
    const editor = path.join(dir, 'fake-editor.sh');
    // A scripted editor: rename the title and add a validate command in the JSON it is given.
    await writeFile(
      editor,
      `#!/bin/sh\nnode -e 'const fs=require("fs");const f=process.argv[1];const t=JSON.parse(fs.readFileSync(f,"utf8"));t.title="Edited in the editor";t.verification.validate_commands.push("npm run lint");t.model="m-2";fs.writeFileSync(f,JSON.stringify(t,null,2))' "$1"\n`,
    );
    await chmod(editor, 0o755);
    const result = await cli(dir, ['task', 'edit', 'd'], { EDITOR: editor });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^edited d: title, verification, model$/m);
    expect((await stored(dir))['d']).toMatchObject({
      title: 'Edited in the editor',
      model: 'm-2',
      verification: { commands: ['test -f done.txt', 'npm run lint'] },
    });
    // Saved unchanged: nothing happens.
    const same = await cli(dir, ['task', 'edit', 'd'], { EDITOR: 'true' });
    expect(same.stdout).toBe('d: nothing changed');
    // No editor at all: a message that says what to do.
    const none = await cli(dir, ['task', 'edit', 'd'], { EDITOR: '', VISUAL: '' });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/\$EDITOR is not set/);
  });
});

describe('task rm', () => {
  it('refuses a task others depend on, naming them; --cascade removes them too', async () => {
    const dir = await project();
    const refused = await cli(dir, ['task', 'rm', 'a']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/cannot remove task "a": "b" depends on it/);
    expect(refused.stderr).toMatch(/--cascade/);
    expect(Object.keys(await stored(dir))).toEqual(['a', 'b', 'c', 'd']);

    const leaf = await cli(dir, ['task', 'rm', 'd']);
    expect(leaf.stdout).toMatch(/^removed 1 task: d$/m);
    const cascade = await cli(dir, ['task', 'rm', 'a', '--cascade']);
    expect(cascade.exitCode, cascade.stderr).toBe(0);
    expect(cascade.stdout).toMatch(/^removed 3 tasks: a, b, c$/m);
    expect(cascade.stdout).toMatch(/^backup: /m);
    expect(Object.keys(await stored(dir))).toEqual([]);
  });
});

describe('task add --backend/--model and task list --sort', () => {
  it('stores the per-task backend and model, and sorts by priority and id', async () => {
    const dir = await project();
    const add = await cli(dir, [
      'task',
      'add',
      '--title',
      'Zeta job',
      '--id',
      'zeta',
      '--step',
      'do it',
      '--verify',
      'npm test',
      '--priority',
      '9',
      '--backend',
      'gemini',
      '--model',
      'gemini-2.5-pro',
    ]);
    expect(add.exitCode, add.stderr).toBe(0);
    expect((await stored(dir))['zeta']).toMatchObject({ backend: 'gemini', model: 'gemini-2.5-pro' });
    const ids = (result: CliResult): string[] =>
      result.stdout
        .split('\n')
        .slice(1, -1)
        .map((line) => line.split(/\s+/)[0] ?? '');
    expect(ids(await cli(dir, ['task', 'list', '--sort', 'priority']))).toEqual(['zeta', 'a', 'b', 'c', 'd']);
    expect(ids(await cli(dir, ['task', 'list', '--sort', 'id']))).toEqual(['a', 'b', 'c', 'd', 'zeta']);
    const exported = JSON.parse((await cli(dir, ['task', 'export'])).stdout) as {
      tasks: { id: string; backend?: string; model?: string }[];
    };
    expect(exported.tasks.find((task) => task.id === 'zeta')).toMatchObject({
      backend: 'gemini',
      model: 'gemini-2.5-pro',
    });
  });
});
