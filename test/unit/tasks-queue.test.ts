import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/errors.js';
import { STATE_VERSION, type State } from '../../source/store/schema.js';
import type { TaskInput } from '../../source/tasks/model.js';
import {
  addDependency,
  addTasks,
  blockTask,
  findTask,
  nextTask,
  removeDependency,
  resetTasks,
  retryTasks,
} from '../../source/tasks/queue.js';

/** A clock that ticks one second per call, so every write shows in updatedAt. */
function ticking(): () => string {
  let seconds = 0;
  return () => new Date(Date.UTC(2025, 0, 1, 0, 0, seconds++)).toISOString();
}

function input(id: string, changes: Partial<TaskInput> = {}): TaskInput {
  return {
    id,
    title: `Task ${id}`,
    steps: [`implement ${id}`],
    verification: { commands: ['npm test'] },
    ...changes,
  };
}

/** A state with tasks a, b (needs a), c (needs b), all added at 00:00:00. */
function queue(): State {
  const state: State = { version: STATE_VERSION, project: 'p', epics: [], tasks: [], runs: [], learning: [] };
  addTasks(state, [input('a'), input('b', { dependsOn: ['a'] }), input('c', { dependsOn: ['b'] })], {
    now: () => '2025-01-01T00:00:00.000Z',
  });
  return state;
}

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

const statuses = (state: State): Record<string, string> =>
  Object.fromEntries(state.tasks.map((task) => [task.id, task.status]));

describe('addTasks', () => {
  it('fills defaults and timestamps from the clock', () => {
    const state = queue();
    expect(state.tasks[0]).toMatchObject({
      id: 'a',
      status: 'pending',
      priority: 0,
      attempts: [],
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
      completion: { kind: 'boolean' },
      execution: { strategy: 'single_pass' },
    });
  });

  it('is all or nothing, and lists every issue with task and field', () => {
    const state = queue();
    const before = structuredClone(state);
    const error = userError(() =>
      addTasks(state, [input('d'), input('e', { dependsOn: ['zz'] }), input('f', { verification: {} })]),
    );
    expect(error.message).toContain('task "e" field dependsOn[0]: depends on unknown task "zz"');
    expect(error.message).toContain('task "f" field verification: nothing verifies this task');
    expect(error.message).toContain('2 errors');
    expect(state).toEqual(before);
  });

  it('names task and field when an input does not fit the model, adding nothing', () => {
    const state = queue();
    const bad = JSON.parse(
      '{"id":"d","title":"D","steps":["x"],"verification":{"commands":["t"],"env":{"A":1}}}',
    ) as TaskInput;
    const error = userError(() => addTasks(state, [input('e'), bad]));
    expect(error.message).toContain('task "d" field verification.env.A');
    expect(state.tasks.map((task) => task.id)).toEqual(['a', 'b', 'c']);
  });

  it('refuses an id already in the queue unless replacing', () => {
    const state = queue();
    expect(userError(() => addTasks(state, [input('a')])).message).toContain('task "a" field id');
  });

  it('replaces in place, keeping history, creation time and status', () => {
    const state = queue();
    const first = state.tasks[0];
    if (first === undefined) throw new Error('no task');
    first.status = 'done';
    first.attempts.push({
      n: 1,
      runId: 'r1',
      backend: 'sim',
      startedAt: 'x',
      outcome: 'passed',
      checks: [],
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      summary: '',
    });
    const result = addTasks(
      state,
      [input('a', { title: 'Renamed', verification: { commands: ['npm test', 'npm run lint'] } })],
      {
        replace: true,
        now: () => '2025-02-02T00:00:00.000Z',
      },
    );
    expect(result).toMatchObject({ added: [], replaced: ['a'], removed: [] });
    expect(state.tasks.map((task) => task.id)).toEqual(['a', 'b', 'c']);
    expect(state.tasks[0]).toMatchObject({
      title: 'Renamed',
      status: 'done',
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-02-02T00:00:00.000Z',
    });
    expect(state.tasks[0]?.attempts).toHaveLength(1);
  });

  it('with prune, makes the queue exactly the inputs', () => {
    const state = queue();
    const result = addTasks(state, [input('a'), input('x', { dependsOn: ['a'] })], {
      replace: true,
      prune: true,
    });
    expect(result).toMatchObject({ added: ['x'], replaced: ['a'], removed: ['b', 'c'] });
    expect(state.tasks.map((task) => task.id)).toEqual(['a', 'x']);
  });

  it('with prune, refuses dependencies on tasks that leave the queue', () => {
    const state = queue();
    const error = userError(() => addTasks(state, [input('x', { dependsOn: ['b'] })], { prune: true }));
    expect(error.message).toContain('task "x" field dependsOn[0]');
  });

  it('returns audit warnings', () => {
    const state = queue();
    const { warnings } = addTasks(state, [input('w', { verification: { pathPatterns: ['src/**'] } })]);
    expect(warnings).toEqual([
      expect.objectContaining({ taskId: 'w', field: 'verification.commands', severity: 'warning' }),
    ]);
  });
});

describe('findTask', () => {
  it('finds a task by id', () => {
    expect(findTask(queue(), 'b').id).toBe('b');
  });

  it('names the missing id, suggests a close one, and points at task list', () => {
    const state = queue();
    addTasks(state, [input('api-2')]);
    expect(userError(() => findTask(state, 'api2')).message).toBe(
      'no task "api2" (did you mean "api-2"?); run nightshift task list',
    );
    expect(userError(() => findTask(state, 'zebra')).message).toBe(
      'no task "zebra"; run nightshift task list',
    );
  });
});

describe('status changes', () => {
  it('resets tasks to pending, keeping attempts and clearing the block reason', () => {
    const state = queue();
    const now = ticking();
    blockTask(state, 'b', 'flaky network', now);
    expect(resetTasks(state, ['b'], now)).toEqual(['b']);
    expect(state.tasks[1]).toMatchObject({ status: 'pending', updatedAt: '2025-01-01T00:00:01.000Z' });
    expect(state.tasks[1]).not.toHaveProperty('blockReason');
  });

  it('resets every task that is not running when no ids are given', () => {
    const state = queue();
    const [a, b] = state.tasks;
    if (a === undefined || b === undefined) throw new Error('no tasks');
    a.status = 'done';
    b.status = 'running';
    expect(resetTasks(state)).toEqual(['a', 'c']);
    expect(statuses(state)).toEqual({ a: 'pending', b: 'running', c: 'pending' });
  });

  it('refuses to reset a running task by name', () => {
    const state = queue();
    const b = state.tasks[1];
    if (b !== undefined) b.status = 'verifying';
    expect(userError(() => resetTasks(state, ['a', 'b'])).message).toBe(
      'cannot reset task "b" while it is verifying',
    );
    expect(statuses(state)).toEqual({ a: 'pending', b: 'verifying', c: 'pending' });
  });

  it('retries blocked tasks: all by default, named ones on request', () => {
    const state = queue();
    blockTask(state, 'a', 'no network');
    blockTask(state, 'c', 'no disk');
    expect(retryTasks(state, ['c'])).toEqual(['c']);
    expect(statuses(state)).toEqual({ a: 'blocked', b: 'pending', c: 'pending' });
    expect(retryTasks(state)).toEqual(['a']);
    expect(state.tasks[0]).not.toHaveProperty('blockReason');
    expect(retryTasks(state)).toEqual([]);
  });

  it('refuses to retry a task that is not blocked, naming it', () => {
    const error = userError(() => retryTasks(queue(), ['b']));
    expect(error.message).toBe('task "b" is pending, not blocked; only blocked tasks can be retried');
  });

  it('blocks with a reason, and refuses an empty reason or a done task', () => {
    const state = queue();
    expect(blockTask(state, 'a', '  needs an API key  ')).toMatchObject({
      status: 'blocked',
      blockReason: 'needs an API key',
    });
    expect(userError(() => blockTask(state, 'b', ' ')).message).toContain('task "b" needs a reason');
    const c = state.tasks[2];
    if (c !== undefined) c.status = 'done';
    expect(userError(() => blockTask(state, 'c', 'why')).message).toContain('task "c" is done');
  });
});

describe('dependencies', () => {
  it('adds and removes a dependency, touching updatedAt', () => {
    const state = queue();
    const now = ticking();
    addDependency(state, 'c', 'a', now);
    expect(state.tasks[2]).toMatchObject({ dependsOn: ['b', 'a'], updatedAt: '2025-01-01T00:00:00.000Z' });
    removeDependency(state, 'c', 'b', now);
    expect(state.tasks[2]).toMatchObject({ dependsOn: ['a'], updatedAt: '2025-01-01T00:00:01.000Z' });
  });

  it('refuses unknown ids, self, duplicates and cycles, naming the tasks', () => {
    const state = queue();
    expect(userError(() => addDependency(state, 'a', 'zz')).message).toContain('no task "zz"');
    expect(userError(() => addDependency(state, 'a', 'a')).message).toBe('task "a" cannot depend on itself');
    expect(userError(() => addDependency(state, 'b', 'a')).message).toBe('task "b" already depends on "a"');
    expect(userError(() => addDependency(state, 'a', 'c')).message).toBe(
      'making "a" depend on "c" would close a dependency cycle: a → c → b → a',
    );
    expect(state.tasks[0]?.dependsOn).toEqual([]);
  });

  it('refuses to remove a dependency that is not there', () => {
    expect(userError(() => removeDependency(queue(), 'b', 'c')).message).toBe(
      'task "b" does not depend on "c"; it depends on "a"',
    );
  });
});

describe('nextTask', () => {
  it('follows dependencies and priority', () => {
    const state = queue();
    expect(nextTask(state)?.id).toBe('a');
    addTasks(state, [input('urgent', { priority: 5 })]);
    expect(nextTask(state)?.id).toBe('urgent');
    for (const task of state.tasks) if (task.id !== 'c') task.status = 'done';
    expect(nextTask(state)?.id).toBe('c');
    blockTask(state, 'c', 'stuck');
    expect(nextTask(state)).toBeUndefined();
  });
});
