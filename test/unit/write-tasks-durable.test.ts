/**
 * engine/engine-commands.ts writeTasks: a client is answered only once its task write is on disk,
 * so that a kill right after the answer cannot undo what the user was told was done.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTasks } from '../../source/engine/engine-commands.js';
import type { EngineEvent } from '../../source/protocol/types.js';
import { projectPaths } from '../../source/paths.js';
import { Store } from '../../source/store/store.js';
import { addTasks } from '../../source/tasks/queue.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nightshift-write-tasks-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The task ids state.json names now, read from the disk (not from the store in memory). */
async function idsOnDisk(): Promise<string[]> {
  const state = JSON.parse(await readFile(projectPaths(root).state, 'utf8')) as { tasks: { id: string }[] };
  return state.tasks.map((task) => task.id);
}

describe('writeTasks', () => {
  it('has the write in state.json when it answers: a removal, then an addition', async () => {
    const store = await Store.open(root, { create: true, project: 'durable' });
    store.update((state) => {
      addTasks(state, [
        { id: 'keep', title: 'Keep', steps: ['k'], verification: { commands: ['true'] } },
        { id: 'gone', title: 'Gone', steps: ['g'], verification: { commands: ['true'] } },
      ]);
    });
    await store.flush();
    const events: EngineEvent[] = [];
    const host = {
      store,
      running: new Map<string, unknown>(),
      emit: (event: EngineEvent) => events.push(event),
      line: () => undefined,
      changed: () => undefined,
    };
    try {
      await writeTasks(host, { op: 'rm', ids: ['gone'] });
      // Nothing else flushed the store: the coalesced write (WRITE_INTERVAL_MS) has not fired yet.
      expect(await idsOnDisk()).toEqual(['keep']);
      expect(events).toContainEqual({ type: 'task-removed', taskId: 'gone' });

      await writeTasks(host, {
        op: 'add',
        tasks: [{ id: 'new', title: 'New', steps: ['n'], verification: { commands: ['true'] } }],
      });
      expect(await idsOnDisk()).toEqual(['keep', 'new']);
    } finally {
      await store.close();
    }
  });
});
