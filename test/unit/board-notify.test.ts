/**
 * The notifications boards ring for (issue 13): the night log hands each notify event to the engine
 * once, with its line for people, whether or not a `[notify] command` is set; a task blocked
 * again after it started again is news again.
 */
import { describe, expect, it } from 'vitest';
import { NightLog } from '../../source/engine/night-log.js';
import { projectPaths } from '../../source/paths.js';
import { tempDir } from '../support/cli.js';

describe('notify events for boards', () => {
  it('each event once, without a notify command too', async () => {
    const seen: string[] = [];
    const ids: string[] = [];
    const night = new NightLog({
      paths: projectPaths(await tempDir('nightshift-board-notify-')),
      project: 'demo',
      runId: 'run-1',
      notifyCommand: '',
      line: () => undefined,
      onNotice: (notice) => {
        seen.push(`${notice.kind}|${notice.message}`);
        ids.push(notice.id);
      },
    });
    night.notify({ event: 'budget-hit', costUsd: 2, maxCostUsd: 2 });
    night.notify({ event: 'budget-hit', costUsd: 2.5, maxCostUsd: 2 });
    night.notify({ event: 'queue-paused', reason: 'outage: the model API is failing' });
    night.notify({ event: 'waiting-input', taskId: 't1', attempt: 1, agent: 'ada' });
    night.notify({ event: 'waiting-input', taskId: 't1', attempt: 1, agent: 'ada' });
    night.notify({ event: 'task-blocked', taskId: 't1', title: 'T', reason: 'gate failed' });
    night.taskStarted('t1');
    night.notify({ event: 'task-blocked', taskId: 't1', title: 'T', reason: 'gate failed' });
    expect(ids).toEqual(['run-1:1', 'run-1:2', 'run-1:3', 'run-1:4', 'run-1:5']);
    expect(seen).toEqual([
      'budget-hit|nightshift demo: cost limit reached ($2.00 of $2.00); no new tasks start',
      'queue-paused|nightshift demo: queue paused — outage: the model API is failing',
      'waiting-input|nightshift demo: ada on t1 waits for input',
      'task-blocked|nightshift demo: t1 blocked — gate failed',
      'task-blocked|nightshift demo: t1 blocked — gate failed',
    ]);
  });
});
