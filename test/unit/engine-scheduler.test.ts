/**
 * The engine's scheduling and bookkeeping with a scripted attempt runner: a real store in a temp
 * folder, no agents. Each test waits for conditions (the engine's own events), never for time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../source/config/schema.js';
import { Engine } from '../../source/engine/engine.js';
import type { AttemptContext, AttemptResult } from '../../source/attempt/types.js';
import type { RunOptions } from '../../source/config/run-options.js';
import type { EngineEvent } from '../../source/protocol/types.js';
import { projectPaths } from '../../source/paths.js';
import { Store } from '../../source/store/store.js';
import type { TaskInput } from '../../source/tasks/model.js';
import { addTasks } from '../../source/tasks/queue.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function task(id: string, extra: Partial<TaskInput> = {}): TaskInput {
  return {
    id,
    title: `Task ${id}`,
    steps: ['do it'],
    verification: { commands: ['true'], pathPatterns: [], env: {} },
    ...extra,
  };
}

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
  regressionAgents: 0,
  regressionAgent: false,
  maxAgents: 64,
};

/** A controllable attempt: the test decides when and how each one ends. */
interface Pending {
  readonly context: AttemptContext;
  readonly finish: (result: Partial<AttemptResult>) => void;
}

async function setup(tasks: TaskInput[], overrides: Partial<RunOptions> = {}) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ns-engine-'));
  dirs.push(root);
  const store = await Store.open(root, { create: true, project: 'demo' });
  store.update((state) => {
    addTasks(state, tasks);
  });
  const pending: Pending[] = [];
  const started: string[] = [];
  const waiters: (() => void)[] = [];
  const engine = new Engine({
    paths: projectPaths(root),
    config: defaultConfig(),
    store,
    options: { ...options, ...overrides },
    runAttempt: (context) =>
      new Promise<AttemptResult>((resolve) => {
        started.push(`${context.task.id}#${context.attempt}`);
        pending.push({
          context,
          finish: (result) => resolve({ outcome: 'passed', summary: 'ok', checks: [], ...result }),
        });
        for (const wake of waiters.splice(0)) wake();
      }),
  });
  const events: EngineEvent[] = [];
  engine.subscribe((event) => events.push(event));
  /** Resolves once `count` attempts are waiting to be finished (deadline: the test timeout). */
  const waitForPending = async (count: number): Promise<void> => {
    while (pending.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  const take = (id: string): Pending => {
    const index = pending.findIndex((p) => p.context.task.id === id);
    const found = pending[index];
    if (!found)
      throw new Error(
        `no pending attempt of ${id}; pending: ${pending.map((p) => p.context.task.id).join(',')}`,
      );
    pending.splice(index, 1);
    return found;
  };
  return { engine, store, pending, started, events, waitForPending, take };
}

describe('engine scheduling', () => {
  it('runs ready tasks by priority, one at a time, and a dependent only after its dependency is done', async () => {
    const t = await setup([
      task('low', { priority: 0 }),
      task('high', { priority: 5 }),
      task('after', { dependsOn: ['low'], priority: 9 }),
    ]);
    const run = t.engine.run();
    await t.waitForPending(1);
    expect(t.started).toEqual(['high#1']);
    t.take('high').finish({});
    await t.waitForPending(1);
    t.take('low').finish({});
    await t.waitForPending(1);
    t.take('after').finish({});
    expect(await run).toBe(0);
    expect(t.started).toEqual(['high#1', 'low#1', 'after#1']);
    expect(t.store.state.tasks.every((x) => x.status === 'done')).toBe(true);
    expect(t.store.state.runs.at(-1)).toMatchObject({ outcome: 'done', tasksDone: 3, attempts: 3 });
  });

  it('never runs more agents than the parallel limit, and set-parallel raises it mid-run', async () => {
    const t = await setup(
      ['a', 'b', 'c', 'd'].map((id) => task(id)),
      { parallel: 2 },
    );
    const run = t.engine.run();
    await t.waitForPending(2);
    expect(t.pending).toHaveLength(2);
    expect((await t.engine.command('set-parallel', { parallel: 3 })).ok).toBe(true);
    await t.waitForPending(3);
    expect(t.pending).toHaveLength(3);
    for (const p of [...t.pending]) t.take(p.context.task.id).finish({});
    await t.waitForPending(1);
    t.take(t.pending[0]!.context.task.id).finish({});
    expect(await run).toBe(0);
  });

  it('retries a failing task up to max-retries, then blocks it and still runs the rest (exit 2)', async () => {
    const t = await setup([task('flaky', { priority: 1 }), task('fine')], { maxRetries: 1 });
    const run = t.engine.run();
    for (let attempt = 1; attempt <= 2; attempt++) {
      await t.waitForPending(1);
      t.take('flaky').finish({ outcome: 'failed', summary: 'gate failed: npm test' });
    }
    await t.waitForPending(1);
    t.take('fine').finish({});
    expect(await run).toBe(2);
    const flaky = t.store.state.tasks.find((x) => x.id === 'flaky')!;
    expect(flaky.status).toBe('blocked');
    expect(flaky.blockReason).toContain('gate failed: npm test');
    expect(flaky.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed']);
    expect(t.store.state.tasks.find((x) => x.id === 'fine')!.status).toBe('done');
  });

  it('starts nothing new while paused, and resumes', async () => {
    const t = await setup([task('a'), task('b')]);
    const run = t.engine.run();
    await t.waitForPending(1);
    await t.engine.command('pause', {});
    t.take('a').finish({});
    // The run does not end while paused even though nothing runs: it waits for resume.
    await new Promise<void>((resolve) => {
      const stop = t.engine.subscribe((event) => {
        if (event.type === 'task' && event.task.id === 'a' && event.task.status === 'done') {
          stop();
          resolve();
        }
      });
    });
    expect(t.pending).toHaveLength(0);
    expect(t.engine.snapshot().run?.paused).toBe(true);
    await t.engine.command('resume', {});
    await t.waitForPending(1);
    t.take('b').finish({});
    expect(await run).toBe(0);
  });

  it('stop closes the running attempt as interrupted, returns the task to pending and exits 0', async () => {
    const t = await setup([task('a'), task('b')]);
    const run = t.engine.run();
    await t.waitForPending(1);
    t.engine.stop('stopped');
    t.take('a').finish({ outcome: 'interrupted', summary: 'stopped with the run' });
    expect(await run).toBe(0);
    const a = t.store.state.tasks.find((x) => x.id === 'a')!;
    expect(a.status).toBe('pending');
    expect(a.attempts[0]?.outcome).toBe('interrupted');
    expect(t.started).toEqual(['a#1']);
    expect(t.store.state.runs.at(-1)?.outcome).toBe('stopped');
  });

  it('an interrupt (SIGINT) ends with exit code 130', async () => {
    const t = await setup([task('a')]);
    const run = t.engine.run();
    await t.waitForPending(1);
    t.engine.stop('interrupted');
    t.take('a').finish({ outcome: 'interrupted', summary: 'stopped' });
    expect(await run).toBe(130);
  });

  it('stops starting tasks once the cost limit is reached', async () => {
    const t = await setup([task('a'), task('b')], { maxCostUsd: 1 });
    const run = t.engine.run();
    await t.waitForPending(1);
    const a = t.take('a');
    a.context.handle.addUsage(1000, 100, 1.5);
    a.finish({});
    // Work left pending by the limit: exit 3, not "all done".
    expect(await run).toBe(3);
    expect(t.started).toEqual(['a#1']);
    expect(t.store.state.tasks.find((x) => x.id === 'b')!.status).toBe('pending');
    expect(t.store.state.runs.at(-1)).toMatchObject({ outcome: 'budget', costUsd: 1.5 });
    expect(t.events.some((e) => e.type === 'line' && e.line.message.includes('cost limit reached'))).toBe(
      true,
    );
  });

  it('max-tasks limits how many tasks start', async () => {
    const t = await setup([task('a'), task('b'), task('c')], { maxTasks: 2 });
    const run = t.engine.run();
    await t.waitForPending(1);
    t.take(t.pending[0]!.context.task.id).finish({});
    await t.waitForPending(1);
    t.take(t.pending[0]!.context.task.id).finish({});
    expect(await run).toBe(3);
    expect(t.started).toHaveLength(2);
    expect(t.store.state.runs.at(-1)).toMatchObject({ outcome: 'limit' });
  });

  it('applies task writes while running, as the only writer, and refuses to block a running task', async () => {
    const t = await setup([task('a')]);
    const run = t.engine.run();
    await t.waitForPending(1);
    const added = await t.engine.command('task-write', {
      write: { op: 'add', tasks: [task('late', { dependsOn: ['a'] })] },
    });
    expect(added).toMatchObject({ ok: true });
    const refused = await t.engine.command('block', { id: 'a', reason: 'no' });
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain('running');
    const cycle = await t.engine.command('task-write', {
      write: { op: 'dep-add', taskId: 'a', dependsOn: 'late' },
    });
    expect(cycle.ok).toBe(false);
    expect(cycle.error).toMatch(/cycle|a → late → a|late → a/);
    t.take('a').finish({});
    await t.waitForPending(1);
    t.take('late').finish({});
    expect(await run).toBe(0);
    expect(t.store.state.tasks.map((x) => `${x.id}:${x.status}`)).toEqual(['a:done', 'late:done']);
  });

  it('tells clients about agents and removes them when the attempt ends', async () => {
    const t = await setup([task('a')]);
    const run = t.engine.run();
    await t.waitForPending(1);
    const p = t.take('a');
    const id = p.context.handle.addAgent(
      {
        name: 'ada',
        backend: 'sim',
        simulated: true,
        taskId: 'a',
        attempt: 1,
        role: 'coding',
        state: 'starting',
        action: '',
        startedAt: new Date().toISOString(),
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
      },
      undefined,
    );
    p.context.handle.updateAgent(id, { state: 'tool', action: 'Bash: npm test' });
    expect(t.engine.snapshot().agents).toEqual([
      expect.objectContaining({ id, name: 'ada', state: 'tool', action: 'Bash: npm test' }),
    ]);
    p.finish({});
    expect(await run).toBe(0);
    expect(t.engine.snapshot().agents).toEqual([]);
    expect(t.events.some((e) => e.type === 'agent-removed' && e.agentId === id)).toBe(true);
  });
});
