/**
 * The engine and its agents' processes, through the built CLI: an engine killed with SIGKILL is
 * recovered by the next run; a silent agent is ended by the idle timeout; SIGINT stops a run
 * cleanly. Every case checks, by scanning /proc, that no agent process outlives its attempt.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  attemptTag,
  cleanupProjects,
  processesUnder,
  processesWithTag,
  simProject,
  simTask,
  simWrite,
  waitFor,
  worktreeFolders,
  type SimProject,
} from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

/** Waits until `taskId`'s latest attempt is running and a process matching `cmd` carries its tag. */
async function waitForRunningAgent(project: SimProject, taskId: string, cmd: RegExp): Promise<string> {
  return waitFor(
    () => {
      const attempt = project
        .state()
        ?.tasks.find((t) => t.id === taskId)
        ?.attempts.at(-1);
      if (attempt?.outcome !== 'running') return undefined;
      const tag = attemptTag(attempt.runId, taskId, attempt.n);
      return processesWithTag(tag).some((p) => cmd.test(p.cmdline)) ? tag : undefined;
    },
    { timeoutMs: 30_000, what: `${taskId}'s agent to run` },
  );
}

describe('engine: agent processes', () => {
  it('recovers after the engine is killed with SIGKILL mid-attempt: interrupted, no leftover, nothing lost', async () => {
    // Without the sandbox: under bwrap the leftover dies with the agent's pid namespace, and this
    // test is about recovery finding a leftover by its tag.
    const project = await simProject({ config: { sandbox: { mode: 'off' } } });
    // Attempt 1 of `slow` sleeps in a grandchild of the agent, and leaves a `nohup` one behind that
    // the pty's hang-up does not end (as a CLI's detached helper would); later attempts go through.
    const sleepOnFirst =
      'sim: run if [ "$NIGHTSHIFT_ATTEMPT" = 1 ]; then nohup sleep 121 >/dev/null 2>&1 & sleep 120; fi';
    await project.importTasks([
      simTask('first', simWrite('first.txt', 'one'), ['test -f first.txt'], { priority: 9 }),
      simTask('slow', `${sleepOnFirst}\n${simWrite('slow.txt', 'two')}`, ['test -f slow.txt'], {
        priority: 5,
      }),
      simTask('last', simWrite('last.txt', 'three'), ['test -f slow.txt && test -f last.txt'], {
        depends_on: ['slow'],
      }),
    ]);
    const engine = project.startCli(['run', '--no-ui']);
    const tag = await waitForRunningAgent(project, 'slow', /^sleep 120/);
    await waitFor(() => processesWithTag(tag).some((p) => p.cmdline === 'sleep 121'), {
      what: 'the nohup sleep',
    });
    const agentPids = processesWithTag(tag).map((p) => p.pid);
    const firstBefore = project.task('first');
    expect(firstBefore.status).toBe('done');

    process.kill(engine.pid, 'SIGKILL');
    expect((await engine.exited).signal).toBe('SIGKILL');
    // The pty's hang-up ends the agent and its foreground children; the nohup sleep lives on, as
    // would any process that ignores SIGHUP: recovery has to find it by its tag.
    const hungUp = await waitFor(
      () =>
        processesWithTag(tag).every((p) => p.cmdline === 'sleep 121') ? processesWithTag(tag) : undefined,
      {
        timeoutMs: 5000,
        what: 'the hung-up agent processes to end',
      },
    );
    console.info(
      `after SIGKILL of the engine: ${hungUp.length} of ${agentPids.length} tagged agent processes alive: ${hungUp.map((p) => p.cmdline.slice(0, 60)).join(' | ')}`,
    );
    expect(hungUp.map((p) => p.cmdline)).toEqual(['sleep 121']);
    expect(project.task('slow').attempts.at(-1)?.outcome).toBe('running');
    expect(existsSync(path.join(project.dir, '.nightshift', 'engine.lock'))).toBe(true);

    const rerun = await project.cli(['run', '--no-ui']);

    expect(rerun.exitCode, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/slow#1 closed as interrupted/);
    expect(processesWithTag(tag)).toEqual([]);
    const state = project.state();
    expect(state?.tasks.map((t) => t.id).sort()).toEqual(['first', 'last', 'slow']);
    expect(state?.tasks.every((t) => t.status === 'done')).toBe(true);
    const slow = project.task('slow');
    expect(slow.attempts.map((a) => [a.n, a.outcome])).toEqual([
      [1, 'interrupted'],
      [2, 'passed'],
    ]);
    expect(slow.attempts[0]?.endedAt).toBeDefined();
    expect(slow.attempts[0]?.runId).not.toBe(slow.attempts[1]?.runId);
    // The task done before the crash keeps its history untouched.
    expect(project.task('first').attempts).toEqual(firstBefore.attempts);
    expect(state?.runs.map((r) => r.outcome)).toEqual(['interrupted', 'done']);
    const subjects = await project.subjects();
    expect(
      subjects.filter((s) => s.startsWith('nightshift(')).map((s) => /^nightshift\((\w+)\)/.exec(s)?.[1]),
    ).toEqual(['first', 'slow', 'last']);
  }, 90_000);

  it('ends a silent agent at the idle timeout and leaves no agent process', async () => {
    const project = await simProject({ run: { idle_timeout_seconds: 2 } });
    await project.importTasks([simTask('hang', 'sim: hang', ['true'])]);

    const run = await project.cli(['run', '--no-ui', '--max-retries', '0']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(2);
    const task = project.task('hang');
    expect(task.status).toBe('blocked');
    expect(task.attempts.map((a) => a.outcome)).toEqual(['timeout']);
    expect(task.attempts[0]?.summary).toMatch(/idle timeout/);
    expect(task.blockReason).toMatch(/idle timeout/);
    const attempt = task.attempts[0];
    expect(processesWithTag(attemptTag(attempt?.runId ?? '', 'hang', 1))).toEqual([]);
    expect(processesUnder(project.worktreesRoot)).toEqual([]);
  }, 90_000);

  it('stops on SIGINT: exit 130, the attempt closed as interrupted, no agent process left', async () => {
    const project = await simProject();
    await project.importTasks([simTask('hang', 'sim: hang', ['true'])]);
    const engine = project.startCli(['run', '--no-ui']);
    const tag = await waitForRunningAgent(project, 'hang', /sim-agent/);

    process.kill(engine.pid, 'SIGINT');
    const exit = await engine.exited;

    expect(exit.code, engine.output()).toBe(130);
    const task = project.task('hang');
    expect(task.status).toBe('pending');
    expect(task.attempts.map((a) => a.outcome)).toEqual(['interrupted']);
    expect(task.attempts[0]?.endedAt).toBeDefined();
    expect(project.state()?.runs.at(-1)?.outcome).toBe('interrupted');
    expect(processesWithTag(tag)).toEqual([]);
    expect(processesUnder(project.worktreesRoot)).toEqual([]);
    // The interrupted attempt's worktree is kept for inspection (DESIGN.md §3).
    expect(worktreeFolders(project).length).toBeGreaterThan(0);
    expect(existsSync(path.join(project.dir, '.nightshift', 'engine.lock'))).toBe(false);
  }, 90_000);
});
