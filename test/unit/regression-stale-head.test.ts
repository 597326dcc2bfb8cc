/**
 * A regression check must test a task on a head read after the task was done. A task that lands
 * while the workers read the integration branch's head (the read resolving to the head before its
 * landing) was tested on that older head, where its own work is missing, failed there, and was
 * reopened for nothing.
 */
import { describe, expect, it } from 'vitest';
import { RegressionWorkers, type RegressionHost } from '../../source/regression/workers.js';
import type { RegressionCheckContext, RegressionRunner } from '../../source/regression/types.js';
import { newState } from '../../source/store/store.js';
import { addTasks } from '../../source/tasks/queue.js';
import type { Task } from '../../source/tasks/model.js';
import { AgentRoster } from '../../source/engine/agent-roster.js';

describe('regression workers and the head they test on', () => {
  it('do not test a task that was done after the head was read on that head', async () => {
    const state = newState('demo');
    addTasks(state, [
      {
        id: 'a',
        title: 'Task a',
        steps: ['do it'],
        verification: { commands: ['true'], pathPatterns: [], env: {} },
      },
    ]);
    const a = state.tasks[0] as Task;
    a.status = 'running';
    let headNow = 'h1';
    let release: (() => void) | undefined;
    const tested: string[] = [];
    const runner: RegressionRunner = {
      // The read sees the head as it is when it starts, and answers when the test lets it.
      head: () => {
        const read = headNow;
        return new Promise((resolve) => {
          release = () => resolve(read);
        });
      },
      // Due: every done candidate not yet tested on this head.
      due: (tasks, head) => Promise.resolve(tasks.filter((task) => task.regression?.head !== head)),
      check: (task: Task, context: RegressionCheckContext) => {
        tested.push(`${task.id}@${context.head}`);
        return Promise.resolve({ outcome: 'passed', summary: 'ok', checks: [], output: '', commits: [] });
      },
    };
    let pokes = 0;
    const host: RegressionHost = {
      runId: 'r1',
      tasks: () => state.tasks,
      attempting: () => false,
      freeSlots: () => 1,
      reopened: () => undefined,
      updateTask: (id, mutate) => mutate(state.tasks.find((task) => task.id === id) as Task),
      line: () => undefined,
      agents: new AgentRoster(() => undefined),
      addRunUsage: () => undefined,
      caught: () => undefined,
      poke: () => {
        pokes += 1;
      },
      now: () => new Date(0),
    };
    const workers = new RegressionWorkers(host, runner, 1);

    workers.fill();
    // While the head is being read, a lands (the head moves to h2) and is done.
    headNow = 'h2';
    a.status = 'done';
    workers.changed();
    release?.();
    await workers.settled();
    expect(tested).toEqual([]);

    // The next look reads h2 and tests a there.
    workers.fill();
    release?.();
    await workers.settled();
    expect(tested).toEqual(['a@h2']);
    expect(pokes).toBeGreaterThan(0);
  });
});
