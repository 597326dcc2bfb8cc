/**
 * Commands from a client are checked before the engine acts on them (source/engine/command-args.ts):
 * a bad one is refused naming the command, the field and the problem, and nothing happens.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/errors.js';
import { runEngineCommand, type EngineCommandTarget } from '../../source/engine/engine-commands.js';
import type { TaskWrite } from '../../source/tasks/task-write.js';
import type { EngineSnapshot } from '../../source/protocol/types.js';
import type { Task } from '../../source/tasks/model.js';

const task = (id: string, status: Task['status'], extra: Partial<Task> = {}): Task =>
  ({ id, title: id, status, steps: [], attempts: [], ...extra }) as unknown as Task;
const line = (n: number) => ({
  at: `2026-01-01T00:00:${String(n).padStart(2, '0')}.000Z`,
  level: 'info' as const,
  message: `line ${n}`,
});

/** An engine's snapshot: five tasks (one verified and waiting to land, one regressed), 12 event lines. */
const snapshot: EngineSnapshot = {
  project: 'demo',
  root: '/tmp/demo',
  pid: 4242,
  run: null,
  tasks: [
    task('a', 'done'),
    task('b', 'pending'),
    task('c', 'done', { landing: { reason: 'dirty', since: '2026-01-01T00:00:00.000Z' } } as Partial<Task>),
    task('d', 'pending', {
      regression: {
        outcome: 'failed',
        head: 'abc123',
        testedAt: '2026-01-01T01:00:00.000Z',
        output: 'boom\nmore',
      },
    } as Partial<Task>),
    task('e', 'running'),
  ],
  agents: [],
  recent: Array.from({ length: 12 }, (_, i) => line(i)),
};

function target(): EngineCommandTarget & { writes: TaskWrite[]; calls: string[] } {
  const writes: TaskWrite[] = [];
  const calls: string[] = [];
  return {
    writes,
    calls,
    setPaused: (paused) => calls.push(paused ? 'pause' : 'resume'),
    stop: () => calls.push('stop'),
    setParallel: (parallel) => calls.push(`parallel ${parallel}`),
    agentControl: (id) =>
      id === 'a1'
        ? {
            stop: () => {
              calls.push('stop a1');
              return Promise.resolve();
            },
            write: (data: string) => calls.push(`write ${data}`),
            resize: (cols: number, rows: number) => calls.push(`resize ${cols}x${rows}`),
          }
        : undefined,
    taskWrite: (write) => {
      writes.push(write);
      return Promise.resolve({ summary: 'ok' });
    },
    taskDiff: (id) => {
      calls.push(`diff ${id}`);
      return Promise.resolve({ taskId: id, source: 'none', label: 'none', text: '' });
    },
    snapshot: () => {
      calls.push('snapshot');
      return snapshot;
    },
  } as EngineCommandTarget & { writes: TaskWrite[]; calls: string[] };
}

describe('engine commands from a client', () => {
  it.each([
    [
      'set-parallel',
      { parallel: '4' },
      /command "set-parallel" refused: parallel: parallel must be an integer from 1 to 64/,
    ],
    ['set-parallel', { parallel: 65 }, /parallel must be an integer from 1 to 64/],
    ['block', { id: 't' }, /command "block" refused: reason:/],
    ['retry', { ids: 'a,b' }, /command "retry" refused: ids:/],
    ['pty-resize', { agentId: 'a1', cols: -1, rows: 30 }, /command "pty-resize" refused: cols:/],
    ['pty-input', { agentId: 'a1', data: 42 }, /command "pty-input" refused: data:/],
    ['stop-agent', {}, /command "stop-agent" refused: agentId:/],
    [
      'add-task',
      { task: { id: 't', title: 'T', steps: 'do it' } },
      /command "add-task" refused: task.steps:/,
    ],
    ['task-write', { write: { op: 'drop-table' } }, /command "task-write" refused: write.op:/],
    ['status', { tasks: true }, /command "status" refused: .*tasks/],
    ['task-write', { write: { op: 'rm', ids: [] } }, /command "task-write" refused: write.ids:/],
    [
      'task-write',
      { write: { op: 'edit', id: 't', changes: { status: 'done' } } },
      /command "task-write" refused: write.changes:.*status/,
    ],
  ] as const)('refuses %s %j with the field named, and does nothing', async (name, args, message) => {
    const t = target();
    const run = runEngineCommand(t, name, args);
    await expect(run).rejects.toThrow(UserError);
    await expect(runEngineCommand(t, name, args)).rejects.toThrow(message);
    expect(t.writes).toEqual([]);
    expect(t.calls).toEqual([]);
  });

  it('passes a good command on with the client’s own values (no defaults filled in)', async () => {
    const t = target();
    await runEngineCommand(t, 'set-parallel', { parallel: 3 });
    await runEngineCommand(t, 'pty-resize', { agentId: 'a1', cols: 120, rows: 35 });
    const task = { id: 't', title: 'T', steps: ['do it'], verification: { commands: ['true'] } };
    await runEngineCommand(t, 'add-task', { task });
    await runEngineCommand(t, 'task-write', { write: { op: 'edit', id: 't', changes: { epic: null } } });
    expect(t.calls).toEqual(['parallel 3', 'resize 120x35']);
    // A task without a status keeps whatever status the queue gives it: nothing added "pending".
    expect(t.writes).toEqual([
      { op: 'add', tasks: [task] },
      { op: 'edit', id: 't', changes: { epic: null } },
    ]);
  });

  it('names an agent that is not running', async () => {
    await expect(runEngineCommand(target(), 'stop-agent', { agentId: 'zz' })).rejects.toThrow(
      'no running agent "zz"',
    );
  });

  it('answers status with counts, the regressions and the last 10 event lines, not the queue', async () => {
    const t = target();
    const status = await runEngineCommand(t, 'status', {});
    expect(status).toEqual({
      project: 'demo',
      pid: 4242,
      run: null,
      counts: { done: 1, pending: 2, 'verified, waiting to land': 1, running: 1 },
      total: 5,
      agents: [],
      recent: snapshot.recent.slice(2),
      regressions: [{ taskId: 'd', head: 'abc123', at: '2026-01-01T01:00:00.000Z', summary: 'boom' }],
    });
    expect(JSON.stringify(status)).not.toContain('"tasks"');
  });
});
