/**
 * `attach` draws a first frame at once, in a real terminal: on an engine that cannot answer (stopped
 * by SIGSTOP) the pane says what it waits for — the engine's socket, then the snapshot — and once
 * the engine goes on (SIGCONT) the board replaces it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { boardProject, boardShell, cli, type BoardProject } from '../support/board-e2e.js';
import { simTask, stopEngine } from '../support/engine-fixtures.js';
import { tmuxAvailable, type TmuxSession } from '../support/tmux.js';

const available = await tmuxAvailable();

describe.skipIf(!available)('the first frame of attach', () => {
  const sessions: TmuxSession[] = [];
  let project: BoardProject | undefined;
  let stopped: number | undefined;
  afterAll(async () => {
    for (const session of sessions) await session.kill();
    if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
    if (project) await stopEngine(project.dir, project.env);
  });

  it('says it waits for the snapshot of a stopped engine, then shows the board once it goes on', async () => {
    project = await boardProject([simTask('ask-1', 'sim: ask', ['true'], { title: 'Waits for an answer' })]);
    const started = await project.cli(['run', '--detach', '--parallel', '1']);
    expect(started.exitCode, started.stderr).toBe(0);
    const status = await project.cli(['status', '--json']);
    const pid = (JSON.parse(status.stdout) as { engine: { pid: number } | null }).engine?.pid;
    expect(pid, status.stdout).toBeTypeOf('number');
    const tmux = await boardShell(sessions, project, 100, 30);

    process.kill(pid ?? 0, 'SIGSTOP');
    stopped = pid;
    await tmux.type(`${cli} attach; echo "exit=$?"`);
    const waiting = await tmux.waitForText(/waiting for the snapshot/, 30_000);
    expect(waiting).toMatch(/^nightshift · \S+/m);
    expect(waiting).toMatch(/connected to the engine at \S+engine\S*\.sock/);
    expect(waiting).not.toMatch(/tasks \(\d+\)/);

    process.kill(pid ?? 0, 'SIGCONT');
    stopped = undefined;
    const board = await tmux.waitForText(/tasks \(1\)/, 30_000);
    expect(board).toMatch(/ask-1 +Waits for an answer/);
    expect(board).not.toMatch(/waiting for the snapshot/);
    await tmux.sendKeys('q');
    const after = await tmux.waitForText(/exit=\d+$/m);
    expect(after).toMatch(/exit=0$/m);
  }, 120_000);
});
