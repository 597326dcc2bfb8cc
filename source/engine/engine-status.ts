/**
 * The answer to the `status` command: what `nightshift status` shows of a running engine, made
 * from the engine's snapshot in place, so that only counts and the live agents cross the socket.
 */
import type { EngineSnapshot, EngineStatus } from '../protocol/types.js';
import { summarize } from '../store/status-summary.js';

/** How many event lines `status` gets (the plain form shows the last 5, `--json` the last 10). */
const RECENT_LINES = 10;

/** The status of the engine whose snapshot this is. */
export function engineStatus(snapshot: EngineSnapshot): EngineStatus {
  const { counts, total } = summarize(snapshot);
  return {
    project: snapshot.project,
    pid: snapshot.pid,
    run: snapshot.run,
    counts,
    total,
    agents: snapshot.agents,
    recent: snapshot.recent.slice(-RECENT_LINES),
    regressions: snapshot.tasks.flatMap((task) =>
      task.regression?.outcome === 'failed'
        ? [
            {
              taskId: task.id,
              head: task.regression.head,
              at: task.regression.testedAt,
              summary: (task.regression.output ?? '').split('\n')[0] ?? '',
            },
          ]
        : [],
    ),
  };
}
