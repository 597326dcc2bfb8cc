/**
 * What an end-to-end test started, a fake model server and a project, and the afterEach that stops
 * them: the fake closed, and no process (agent CLI, hook, the pty's shell) left working in the
 * project or its state home once the run has ended.
 */
import { afterEach, expect } from 'vitest';
import { listProcesses } from './engine-fixtures.js';

/** A fake model server (or any server a test starts). */
export interface Closable {
  close(): Promise<unknown>;
}

/** Where a project's processes work: its checkout and its state home. */
export interface ProjectDirs {
  readonly dir: string;
  readonly stateHome: string;
}

/** What one test started; the test sets each as it starts it. */
export interface TestRun<F extends Closable, P extends ProjectDirs> {
  fake?: F;
  project?: P;
}

/**
 * Registers an afterEach that closes the test's fake and fails the test when its project left a
 * process behind (killing it, so that the next test starts clean).
 */
export function stopRunAfterEach<F extends Closable, P extends ProjectDirs>(): TestRun<F, P> {
  const run: TestRun<F, P> = {};
  afterEach(async () => {
    const { fake, project } = run;
    run.fake = undefined;
    run.project = undefined;
    await fake?.close();
    if (project)
      expect(killProcessesIn([project.dir, project.stateHome]), 'processes left behind by the run').toEqual(
        [],
      );
  });
  return run;
}

/**
 * Processes still working in any of `dirs` (cwd at or below one of them), the test runner excluded:
 * after a run has ended there must be none.
 */
export function processesIn(dirs: readonly string[]): ReturnType<typeof listProcesses> {
  return listProcesses().filter(
    (p) => p.pid !== process.pid && dirs.some((dir) => p.cwd === dir || p.cwd.startsWith(`${dir}/`)),
  );
}

/** Kills (SIGKILL, by pid) the processes {@link processesIn} finds; returns what it killed. */
export function killProcessesIn(dirs: readonly string[]): string[] {
  const found = processesIn(dirs);
  for (const p of found) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return found.map((p) => `${p.pid} ${p.cmdline}`);
}
