/**
 * The engine's regression workers with a scripted regression runner: a real store in a temp folder,
 * no git. Each test waits for conditions (checks started), never for time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../source/config/schema.js';
import { Engine } from '../../source/engine/engine.js';
import type { AttemptContext, AttemptResult } from '../../source/attempt/types.js';
import type { RunOptions } from '../../source/config/run-options.js';
import type { AgentView, EngineEvent } from '../../source/protocol/types.js';
import type { RegressionOutcome, RegressionResult, RegressionRunner } from '../../source/regression/types.js';
import { projectPaths } from '../../source/paths.js';
import { Store } from '../../source/store/store.js';
import type { TaskInput } from '../../source/tasks/model.js';
import { addTasks } from '../../source/tasks/queue.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 10 })));
});

const options: RunOptions = {
  backend: 'sim',
  parallel: 1,
  maxTasks: 999,
  maxRetries: 2,
  epochs: 1,
  maxCostUsd: 0,
  dryRun: false,
  yolo: false,
  agentTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  delayBetweenTasksMs: 0,
  autoCommit: true,
  verificationTimeoutSeconds: 60,
  regressionAgents: 2,
  regressionAgent: false,
  maxAgents: 64,
};

function task(id: string, extra: Partial<TaskInput> = {}): TaskInput {
  return {
    id,
    title: `Task ${id}`,
    steps: ['do it'],
    verification: { commands: ['true'], pathPatterns: [], env: {} },
    ...extra,
  };
}

/** A regression check the test ends. */
interface HeldCheck {
  readonly id: string;
  readonly end: (outcome: RegressionOutcome) => void;
}

async function setup(
  tasks: TaskInput[],
  overrides: Partial<RunOptions> = {},
  /** Tasks whose checks pass at once (the test does not hold them). */
  passing: readonly string[] = [],
) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ns-regression-'));
  dirs.push(root);
  const store = await Store.open(root, { create: true, project: 'demo' });
  store.update((state) => {
    addTasks(state, tasks);
  });
  const held: HeldCheck[] = [];
  const attempts: {
    context: AttemptContext;
    finish: () => void;
    resolve: (result: AttemptResult) => void;
  }[] = [];
  // Agent processes at once: coding attempts and regression checks (the run's shared cap).
  let coding = 0;
  let mostProcesses = 0;
  const count = (): void => {
    mostProcesses = Math.max(mostProcesses, coding + inFlight.size);
  };
  const waiters: (() => void)[] = [];
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const inFlight = new Set<string>();
  const overlaps: string[] = [];
  let most = 0;
  const runner: RegressionRunner = {
    head: () => Promise.resolve('h1'),
    // Ignores the candidates it is given on purpose: the workers' claims alone must keep a task
    // that is being tested from starting again.
    due: (_tasks, head) =>
      Promise.resolve(store.state.tasks.filter((t) => t.status === 'done' && t.regression?.head !== head)),
    check: (t) =>
      new Promise<RegressionResult>((resolve) => {
        if (passing.includes(t.id)) {
          resolve({ outcome: 'passed', summary: 'ok', checks: [], output: '', commits: [] });
          return;
        }
        if (inFlight.has(t.id)) overlaps.push(t.id);
        inFlight.add(t.id);
        most = Math.max(most, inFlight.size);
        count();
        held.push({
          id: t.id,
          end: (outcome) => {
            inFlight.delete(t.id);
            resolve({
              outcome,
              summary: `${outcome} on h1`,
              checks: [],
              output: '$ true\n→ FAIL',
              commits: ['abc1234 broke it'],
            });
          },
        });
        wake();
      }),
  };
  const engine = new Engine({
    paths: projectPaths(root),
    config: defaultConfig(),
    store,
    options: { ...options, ...overrides },
    regression: runner,
    runAttempt: (context) => {
      coding++;
      count();
      return new Promise<AttemptResult>((resolve) => {
        attempts.push({
          context,
          resolve,
          finish: () => resolve({ outcome: 'passed', summary: 'ok', checks: [] }),
        });
        wake();
      }).finally(() => coding--);
    },
  });
  const agents: AgentView[] = [];
  const events: EngineEvent[] = [];
  engine.subscribe((event) => {
    events.push(event);
    wake();
    if (event.type === 'agent') agents.push(event.agent);
  });
  const until = async (predicate: () => boolean): Promise<void> => {
    while (!predicate()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  const end = (id: string, outcome: RegressionOutcome): void => {
    const index = held.findIndex((h) => h.id === id);
    const found = held[index];
    if (!found) throw new Error(`no check of ${id} running; running: ${held.map((h) => h.id).join(',')}`);
    held.splice(index, 1);
    found.end(outcome);
  };
  /** Passes every check that starts until the run ends; resolves to its exit code. */
  const passChecksUntilEnd = async (run: Promise<number>): Promise<number> => {
    const ended = run.then(() => 'ended' as const);
    for (;;) {
      const next = held[0];
      if (next) {
        end(next.id, 'passed');
        continue;
      }
      if (
        (await Promise.race([ended, until(() => held.length > 0).then(() => 'check' as const)])) === 'ended'
      )
        return run;
    }
  };
  return {
    passChecksUntilEnd,
    engine,
    store,
    held,
    attempts,
    until,
    end,
    overlaps,
    most: () => most,
    mostProcesses: () => mostProcesses,
    agents,
    events,
  };
}

describe('regression workers', () => {
  it('never test the same task twice at once, run at most K checks, and let the run end once all pass', async () => {
    const t = await setup(['a', 'b', 'c'].map((id) => task(id, { status: 'done' })));
    const run = t.engine.run();
    await t.until(() => t.held.length === 2);
    expect(t.held.map((h) => h.id)).toEqual(['a', 'b']);
    t.end('a', 'passed');
    await t.until(() => t.held.some((h) => h.id === 'c'));
    t.end('b', 'passed');
    t.end('c', 'passed');
    expect(await run).toBe(0);
    expect(t.overlaps).toEqual([]);
    expect(t.most()).toBe(2);
    for (const id of ['a', 'b', 'c'])
      expect(t.store.state.tasks.find((x) => x.id === id)?.regression).toMatchObject({
        head: 'h1',
        outcome: 'passed',
      });
    // The workers were on the board as regression agents.
    expect(new Set(t.agents.map((a) => a.role))).toEqual(new Set(['regression']));
    expect(t.engine.snapshot().agents).toEqual([]);
  });

  it('reopen a task whose checks fail; its pending dependent waits until it is done again', async () => {
    const t = await setup(
      [task('x', { priority: 9 }), task('a', { status: 'done' }), task('b', { dependsOn: ['a'] })],
      { regressionAgents: 1 },
      ['x', 'b'],
    );
    const run = t.engine.run();
    // x holds the one coding slot; b is not started yet (parallel 1, lower priority).
    await t.until(() => t.attempts.length === 1 && t.held.length === 1);
    expect(t.attempts[0]?.context.task.id).toBe('x');
    t.end('a', 'failed');
    await t.until(() => t.store.state.tasks.find((x) => x.id === 'a')?.status === 'pending');
    const a = t.store.state.tasks.find((x) => x.id === 'a');
    expect(a?.regression).toMatchObject({
      outcome: 'failed',
      head: 'h1',
      caught: 1,
      commits: ['abc1234 broke it'],
    });
    t.attempts[0]?.finish();
    // a, not b, is next: b waits for its dependency again.
    await t.until(() => t.attempts.length === 2);
    expect(t.attempts[1]?.context.task.id).toBe('a');
    t.attempts[1]?.finish();
    await t.until(() => t.attempts.length === 3);
    expect(t.attempts[2]?.context.task.id).toBe('b');
    t.attempts[2]?.finish();
    expect(await run).toBe(0);
    expect(t.store.state.runs.at(-1)?.regressions?.map((r) => r.taskId)).toEqual(['a']);
    expect(
      t.events.some(
        (e) => e.type === 'line' && /a regressed on h1: failed on h1; reopened \(b wait/.test(e.line.message),
      ),
    ).toBe(true);
  });

  it('share [run] max_agents with the coding agents, which go first', async () => {
    const t = await setup(
      [task('a', { status: 'done' }), task('b', { status: 'done' }), task('c'), task('d')],
      { parallel: 2, regressionAgents: 2, maxAgents: 3 },
    );
    const run = t.engine.run();
    // Two coding agents take two of the three slots; one regression check gets the third.
    await t.until(() => t.attempts.length === 2 && t.held.length === 1);
    expect(t.attempts.map((a) => a.context.task.id).sort()).toEqual(['c', 'd']);
    for (const attempt of t.attempts) attempt.finish();
    // With the coding agents gone, both regression workers run.
    await t.until(() => t.held.length === 2);
    expect(await t.passChecksUntilEnd(run)).toBe(0);
    expect(t.mostProcesses()).toBe(3);
    expect(t.most()).toBe(2);
    expect(
      t.events.some(
        (e) =>
          e.type === 'line' &&
          /started: backend sim, parallel 2, regression 2 \(at most 3 agents at once: \[run\] max_agents\)/.test(
            e.line.message,
          ),
      ),
    ).toBe(true);
  });

  it('stop a running dependent of a task they reopen; it waits for the fix, spending no retry', async () => {
    const t = await setup(
      [task('a', { status: 'done' }), task('b', { dependsOn: ['a'] })],
      {
        regressionAgents: 1,
      },
      ['b'],
    );
    const run = t.engine.run();
    await t.until(() => t.attempts.length === 1 && t.held.length === 1);
    const first = t.attempts[0];
    expect(first?.context.task.id).toBe('b');
    // b's coding agent, which the engine stops as it would a real one.
    first?.context.handle.addAgent(
      {
        name: 'coder',
        backend: 'sim',
        simulated: true,
        taskId: 'b',
        attempt: 1,
        state: 'thinking',
        role: 'coding',
        action: 'writing code',
        startedAt: new Date().toISOString(),
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
      },
      {
        write: () => undefined,
        resize: () => undefined,
        onPty: () => () => undefined,
        stop: () => {
          first.resolve({ outcome: 'interrupted', summary: 'stopped with the run', checks: [] });
          return Promise.resolve();
        },
      },
    );
    t.end('a', 'failed');
    // a is fixed first; b runs again only once a is done.
    await t.until(() => t.attempts.length === 2);
    expect(t.attempts[1]?.context.task.id).toBe('a');
    const b = t.store.state.tasks.find((x) => x.id === 'b');
    expect(b?.status).toBe('pending');
    expect(b?.attempts[0]).toMatchObject({
      outcome: 'interrupted',
      summary: 'stopped: its dependency a regressed; it runs again once a is done',
    });
    t.attempts[1]?.finish();
    await t.until(() => t.attempts.length === 3 || t.held.length > 0);
    // a's fix is re-tested on the new head too; it passes.
    while (t.attempts.length < 3) {
      const check = t.held[0];
      if (check) t.end(check.id, 'passed');
      else await t.until(() => t.attempts.length === 3 || t.held.length > 0);
    }
    expect(t.attempts[2]?.context.task.id).toBe('b');
    // The interrupted attempt spent no retry: the new one is "2 of 4" with --max-retries 2.
    expect(t.attempts[2]?.context).toMatchObject({ attempt: 2, maxAttempts: 4 });
    t.attempts[2]?.finish();
    expect(await t.passChecksUntilEnd(run)).toBe(0);
    expect(t.store.state.tasks.map((x) => x.status)).toEqual(['done', 'done']);
  });

  it('stop ends running checks without recording them, and the run ends', async () => {
    const t = await setup([task('a', { status: 'done' })], { regressionAgents: 1 });
    const run = t.engine.run();
    await t.until(() => t.held.length === 1);
    t.engine.stop();
    // The scripted check ignores the signal; ending it as the real one would (interrupted).
    t.end('a', 'interrupted');
    await run;
    expect(t.store.state.tasks[0]?.status).toBe('done');
    expect(t.store.state.tasks[0]?.regression).toBeUndefined();
  });
});
