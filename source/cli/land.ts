/**
 * `nightshift land [ID]`: lands verified work that waits on its branch (DESIGN §6) — the tasks
 * shown as "verified, waiting to land" — without running an agent. A running engine lands such
 * work by itself as soon as nothing is in the way; this command is for when none runs.
 */
import type { Command } from 'commander';
import { applyWaitingOutcome, landWaiting, type WaitingOutcome } from '../attempt/land-waiting.js';
import { UserError } from '../errors.js';
import { integrationBranchOf } from '../git/worktree.js';
import { projectPaths } from '../paths.js';
import { readLock, withStoreWrite } from '../store/lock.js';
import { findProjectRoot } from './project.js';
import { printJson, printLine } from './output.js';

/** Registers `land`. */
export function registerLand(program: Command): void {
  program
    .command('land [id]')
    .description('land verified work waiting on its branch (all such tasks, or the one named)')
    .option('--json', 'print what happened as JSON')
    .addHelpText(
      'after',
      '\nWork waits when the main checkout has uncommitted edits in files it changes, or a rebase, merge, cherry-pick or bisect is in progress there. Commit or stash those edits (or finish the operation) first. A running engine lands waiting work by itself.',
    )
    .action(async (id: string | undefined, options: { json?: boolean }) => {
      const root = findProjectRoot();
      const lock = await readLock(projectPaths(root));
      if (lock?.alive && lock.info.kind === 'engine')
        throw new UserError(`an engine is running (pid ${lock.info.pid}); it lands waiting work by itself`, {
          hint: 'see `nightshift status`; or stop it with `nightshift stop` and run `nightshift land` again',
        });
      const branch = await integrationBranchOf(root);
      const results = await withStoreWrite(root, async (store) => {
        const waiting = store.state.tasks.filter(
          (task) => task.landing && (id === undefined || task.id === id),
        );
        if (id !== undefined && waiting.length === 0) {
          const task = store.state.tasks.find((candidate) => candidate.id === id);
          throw new UserError(
            task ? `task ${id} has no verified work waiting to land (it is ${task.status})` : `no task ${id}`,
            { hint: 'tasks waiting to land show as "verified, waiting to land" in `nightshift task list`' },
          );
        }
        const done: { id: string; outcome: WaitingOutcome }[] = [];
        for (const task of waiting) {
          const outcome = await landWaiting(root, task.id, task.landing!, branch);
          const at = new Date().toISOString();
          store.update((state) => {
            const index = state.tasks.findIndex((candidate) => candidate.id === task.id);
            const current = state.tasks[index];
            if (current) state.tasks[index] = applyWaitingOutcome(current, outcome, at);
          });
          done.push({ id: task.id, outcome });
        }
        await store.flush();
        return done;
      });
      if (options.json) {
        printJson(results);
      } else if (results.length === 0) {
        printLine('no verified work is waiting to land');
      } else {
        for (const { id: taskId, outcome } of results) printLine(describe(taskId, outcome));
      }
      if (results.some((result) => result.outcome.kind !== 'landed')) process.exitCode = 2;
    });
}

function describe(taskId: string, outcome: WaitingOutcome): string {
  switch (outcome.kind) {
    case 'landed':
      return `${taskId}: landed (${outcome.sha.slice(0, 12)})`;
    case 'waiting':
      return `${taskId}: still waiting: ${outcome.reason}`;
    case 'conflict':
      return `${taskId}: its work now conflicts with the branch; back to pending for an agent\n${outcome.conflict}`;
    case 'gone':
      return `${taskId}: its branch is gone; back to pending`;
  }
}
