/**
 * What changed for a task, as one text: the diff of its landed commit when it is done, else the
 * patch of its newest kept attempt (attempt-archive.ts), else why there is none. The board's diff
 * view (`d`) asks the engine for it with the `task-diff` command.
 */
import { git } from '../git/git.js';
import type { Task } from '../tasks/model.js';
import type { TaskDiffView } from '../protocol/types.js';
import { readKeptAttempts } from './attempt-archive.js';

export type { TaskDiffView } from '../protocol/types.js';

/** The commit that landed the task's work, if it is done. */
function landedCommit(task: Task): { commit: string; n: number } | undefined {
  if (task.status !== 'done') return undefined;
  const attempt = [...task.attempts].reverse().find((a) => a.outcome === 'passed' && a.commit);
  return attempt?.commit ? { commit: attempt.commit, n: attempt.n } : undefined;
}

/** The diff of `task` in the project at `root` (attempts kept under `nightshiftDir`). */
export async function taskDiffView(root: string, nightshiftDir: string, task: Task): Promise<TaskDiffView> {
  const landed = landedCommit(task);
  if (landed) {
    const shown = await git(
      root,
      ['show', '--stat', '--patch', '--format=commit %H%n%n    %s%n', landed.commit],
      {
        allowFailure: true,
      },
    );
    if (shown.exitCode === 0)
      return {
        taskId: task.id,
        source: 'commit',
        label: `landed commit ${landed.commit.slice(0, 8)} (attempt ${landed.n})`,
        text: shown.stdout,
      };
  }
  const kept = await readKeptAttempts(nightshiftDir, task.id);
  const newest = [...kept].reverse().find((attempt) => attempt.diff !== undefined);
  if (newest) {
    const attempt = task.attempts.find((a) => a.n === newest.n);
    return {
      taskId: task.id,
      source: 'attempt',
      label: `attempt ${newest.n}${attempt ? ` — ${attempt.outcome}${attempt.summary ? `: ${attempt.summary}` : ''}` : ''}`,
      text: newest.diff ?? '',
    };
  }
  return {
    taskId: task.id,
    source: 'none',
    label:
      task.attempts.length === 0
        ? `${task.id} has no attempts yet`
        : landed
          ? `commit ${landed.commit.slice(0, 8)} is not in this repository, and no attempt of ${task.id} was kept`
          : `no attempt of ${task.id} was kept`,
    text: '',
  };
}
