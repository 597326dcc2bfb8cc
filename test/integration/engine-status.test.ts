/**
 * `nightshift status` (plain and --json) while a detached engine runs, then after `stop` has ended
 * it, through the built CLI.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requireEngine } from '../../source/ipc/engine-connection.js';
import { summarize } from '../../source/store/status-summary.js';
import { cleanupProjects, isAlive, simProject, simTask, waitFor } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

/** The parts of `status --json` these tests read. */
interface StatusJson {
  readonly engine: {
    readonly pid: number;
    readonly run: { readonly id: string; readonly backend: string };
  } | null;
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
  readonly agents: readonly {
    readonly taskId: string;
    readonly attempt: number;
    readonly simulated: boolean;
  }[];
  readonly lastRun: { readonly id: string; readonly outcome?: string } | null;
  readonly recent: readonly { readonly message: string }[];
}

describe('engine: status of a detached run', () => {
  it('shows the running engine and its agent, then, after stop, the stopped run from the store', async () => {
    const project = await simProject();
    await project.importTasks([
      simTask('hang', 'sim: hang', ['true']),
      simTask('later', 'sim: delay 1', ['true'], { depends_on: ['hang'] }),
    ]);
    const lock = path.join(project.dir, '.nightshift', 'engine.lock');

    const detach = await project.cli(['run', '--detach']);
    expect(detach.exitCode, detach.stdout + detach.stderr).toBe(0);
    const pid = Number(/pid (\d+)/.exec(detach.stdout)?.[1]);
    expect(isAlive(pid)).toBe(true);
    const running = await waitFor(
      async () => {
        const status = await project.cli(['status', '--json']);
        const parsed = JSON.parse(status.stdout) as StatusJson;
        return parsed.agents.length > 0 ? parsed : undefined;
      },
      { timeoutMs: 30_000, what: 'status to show the agent' },
    );
    expect(running.engine?.pid).toBe(pid);
    expect(running.engine?.run.backend).toBe('sim');
    expect(running.total).toBe(2);
    expect(running.counts['running']).toBe(1);
    expect(running.counts['pending']).toBe(1);
    expect(running.agents[0]).toMatchObject({ taskId: 'hang', attempt: 1, simulated: true });
    // status asks the engine for counts only; they are the board's, from the whole snapshot.
    const board = await requireEngine(project.dir, { readonly: true });
    const snapshot = board.current();
    board.close();
    expect(running.counts).toMatchObject(summarize(snapshot ?? { project: '', tasks: [] }).counts);
    expect(running.recent.map((line) => line.message)).toEqual(
      snapshot?.recent.slice(-10).map((line) => line.message),
    );
    const plain = await project.cli(['status']);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toMatch(new RegExp(`engine: running \\(pid ${pid}\\)`));
    expect(plain.stdout).toMatch(/\(simulated\)\s+hang#1/);
    expect(plain.stdout).toMatch(/tasks: 2 /);

    const stop = await project.cli(['stop']);
    expect(stop.exitCode, stop.stdout + stop.stderr).toBe(0);
    await waitFor(() => !existsSync(lock) && !isAlive(pid), {
      timeoutMs: 30_000,
      what: 'the engine to exit and release its lock',
    });

    const after = JSON.parse((await project.cli(['status', '--json'])).stdout) as StatusJson;
    expect(after.engine).toBeNull();
    expect(after.lastRun?.id).toBe(running.engine?.run.id);
    expect(after.lastRun?.outcome).toBe('stopped');
    expect(after.counts).toMatchObject({ pending: 2, running: 0, done: 0 });
    const plainAfter = await project.cli(['status']);
    expect(plainAfter.stdout).toMatch(/engine: not running/);
    expect(plainAfter.stdout).toMatch(/last run: \S+ stopped/);
    expect(project.task('hang').attempts.map((a) => a.outcome)).toEqual(['interrupted']);
  }, 90_000);
});
