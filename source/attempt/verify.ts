/**
 * The gate call of an attempt: the task's verification run in its worktree (gate/gate.ts), output
 * appended to the attempt log with secrets masked.
 */
import type { Worktree } from '../git/worktree.js';
import type { AttemptLogPaths } from '../history/history.js';
import { runGate, type GateResult } from '../gate/gate.js';
import { maskSecrets } from '../security/secrets.js';
import type { Task } from '../tasks/model.js';
import { sandboxFor } from './sandbox.js';
import type { AttemptDeps } from './types.js';
import { PROCESS_TAG_VAR } from '../agents/process-tree.js';

/** The gate in the worktree, output appended to the attempt log. */
export async function verify(
  deps: AttemptDeps,
  task: Task,
  worktree: Worktree,
  logs: AttemptLogPaths,
  tag?: string,
): Promise<GateResult> {
  return runGate(task, {
    cwd: worktree.path,
    baseRef: worktree.baseSha,
    timeoutSeconds: deps.options.verificationTimeoutSeconds,
    env: { NIGHTSHIFT_TASK_ID: task.id, ...(tag !== undefined && { [PROCESS_TAG_VAR]: tag }) },
    logFile: logs.log,
    mask: maskSecrets,
    sandbox: sandboxFor(deps, worktree.path),
  });
}
