/**
 * The task lifecycle (source/tasks/lifecycle.ts): the moves a task may make, and the moves that are
 * bugs in the caller (running a done task again is how a second commit of the same work happens).
 */
import { describe, expect, it } from 'vitest';
import { STATE_VERSION, type State } from '../../source/store/schema.js';
import { addTasks, findTask } from '../../source/tasks/queue.js';
import { canMove, IllegalTransitionError, moveTask } from '../../source/tasks/lifecycle.js';
import { TASK_STATUSES, type Task, type TaskStatus } from '../../source/tasks/model.js';

function task(status: TaskStatus): Task {
  const state: State = { version: STATE_VERSION, project: 'p', epics: [], tasks: [], runs: [], learning: [] };
  addTasks(state, [{ id: 't', title: 'T', steps: ['do it'], verification: { commands: ['true'] } }], {
    now: () => '2025-01-01T00:00:00.000Z',
  });
  const found = findTask(state, 't');
  found.status = status;
  return found;
}

describe('the task lifecycle', () => {
  it('walks a task through a run: pending → running ⇄ verifying → done, and back to pending on reset', () => {
    const t = task('pending');
    for (const to of ['running', 'verifying', 'running', 'verifying', 'done', 'pending'] as const) {
      moveTask(t, to, { at: '2025-01-01T00:00:01.000Z' });
      expect(t.status).toBe(to);
    }
    expect(t.updatedAt).toBe('2025-01-01T00:00:01.000Z');
  });

  it('keeps a block reason only while blocked', () => {
    const t = task('running');
    moveTask(t, 'blocked', { blockReason: 'failed 4 attempts' });
    expect(t.blockReason).toBe('failed 4 attempts');
    moveTask(t, 'pending');
    expect(t.status).toBe('pending');
    expect(t.blockReason).toBeUndefined();
  });

  it.each([
    ['done', 'running'],
    ['done', 'verifying'],
    ['done', 'blocked'],
    ['blocked', 'running'],
    ['blocked', 'verifying'],
    ['blocked', 'done'],
    ['pending', 'verifying'],
  ] as const)('refuses %s → %s, naming the task and where it may go, and changes nothing', (from, to) => {
    const t = task(from);
    const before = structuredClone(t);
    expect(() => moveTask(t, to)).toThrow(IllegalTransitionError);
    expect(() => moveTask(t, to)).toThrow(new RegExp(`task "t" cannot go from ${from} to ${to}`));
    expect(t).toEqual(before);
  });

  it('allows staying put from every status, and every status can get back to pending', () => {
    for (const status of TASK_STATUSES) {
      expect(canMove(status, status)).toBe(true);
      expect(canMove(status, 'pending')).toBe(true);
    }
  });
});
