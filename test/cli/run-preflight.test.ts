/**
 * `run` checks before it starts that the agent CLIs it will call are there: the run's backend and
 * every backend a task still to run names for itself (issue 13). A missing one is a one-line error
 * naming the tasks and how to install it, exit 1, and nothing in the queue changes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempGitRepo } from '../support/cli.js';

describe('run preflight', () => {
  it("refuses to start when a task's own backend has no CLI on the PATH, naming the tasks", async () => {
    const dir = await tempGitRepo();
    expect((await runCli(['init', '--use', 'sim'], { cwd: dir })).exitCode).toBe(0);
    // codex's command points at a file that does not exist, whatever this machine has installed.
    const config = path.join(dir, 'nightshift.toml');
    const toml = await readFile(config, 'utf8');
    const codex = toml.indexOf('[backend.codex]');
    await writeFile(
      config,
      toml.slice(0, codex) + toml.slice(codex).replace(/^command = ""/m, 'command = "/nonexistent/codex"'),
    );
    for (const [id, backend] of [
      ['api', 'codex'],
      ['web', 'codex'],
      ['docs', ''],
    ] as const) {
      const args = [
        'task',
        'add',
        '--title',
        `Task ${id}`,
        '--id',
        id,
        '--step',
        'write it',
        '--verify',
        'test -d .',
      ];
      const added = await runCli(backend ? [...args, '--backend', backend] : args, { cwd: dir });
      expect(added.exitCode, added.stderr).toBe(0);
    }
    const before = await readFile(path.join(dir, '.nightshift', 'state.json'), 'utf8');

    const run = await runCli(['run', '--no-ui'], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /tasks api, web use backend codex, whose CLI \("\/nonexistent\/codex"\) was not found/,
    );
    expect(run.stderr).toMatch(/npm install -g @openai\/codex/);
    // Nothing ran: the queue is as it was.
    const after = JSON.parse(await readFile(path.join(dir, '.nightshift', 'state.json'), 'utf8')) as {
      tasks: { id: string; status: string; attempts: unknown[] }[];
    };
    expect(after.tasks.map((t) => [t.id, t.status, t.attempts.length])).toEqual(
      (JSON.parse(before) as typeof after).tasks.map((t) => [t.id, 'pending', 0]),
    );

    // Back on the run's backend (sim), the same queue runs.
    const done = await runCli(['task', 'edit', 'api', '--backend', ''], { cwd: dir });
    expect(done.exitCode, done.stderr).toBe(0);
    const web = await runCli(['task', 'edit', 'web', '--backend', ''], { cwd: dir });
    expect(web.exitCode, web.stderr).toBe(0);
    const ok = await runCli(['run', '--no-ui'], { cwd: dir });
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
  });
});
