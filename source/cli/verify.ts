/**
 * `nightshift verify ID`: runs a task's gate now, in the main checkout, and prints the result. The
 * commands run in the kernel sandbox like the engine's gate (DESIGN.md §8): the checkout is
 * writable (builds write into it), its `.git` and everything outside it are not.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { runGate } from '../gate/gate.js';
import { requireHead } from '../git/git.js';
import { chooseSandbox } from '../sandbox/bwrap.js';
import { maskSecrets } from '../security/secrets.js';
import { findTask } from '../tasks/queue.js';
import { findProjectRoot } from './project.js';
import { printJson, printLine } from './output.js';
import { readState } from '../ipc/task-access.js';

/** Registers `verify`. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description("run a task's verification now (in the main checkout) and print the gate result")
    .argument('<id>', 'task id')
    .option('--json', 'print the gate result as JSON')
    .addHelpText('after', '\nExit codes: 0 the gate passed, 2 it failed, 1 it could not run.')
    .action(async (id: string, options: { json?: boolean }) => {
      const root = findProjectRoot();
      const [config, state] = await Promise.all([loadConfig(root), readState(root)]);
      const task = findTask(state, id);
      const sandbox = chooseSandbox(config.sandbox);
      // Changed files are counted against HEAD: what is uncommitted in the checkout right now.
      const result = await runGate(task, {
        cwd: root,
        baseRef: await requireHead(root),
        timeoutSeconds: config.verification.timeout_seconds,
        mask: maskSecrets,
        ...(sandbox.kind !== 'off' && { sandbox: { sandbox, scope: { worktree: root, projectRoot: root } } }),
      });
      if (options.json)
        printJson({ task: id, passed: result.passed, metric: result.metric ?? null, checks: result.checks });
      else {
        for (const check of result.checks) {
          printLine(
            `${check.passed ? 'pass' : 'FAIL'}  ${check.kind}  ${check.name}  (${(check.durationMs / 1000).toFixed(1)}s)`,
          );
          if (!check.passed && check.detail) printLine(check.detail.replace(/^/gm, '      '));
        }
        if (result.metric !== undefined) printLine(`metric: ${result.metric}`);
        printLine(result.passed ? `gate passed for ${id}` : `gate failed for ${id}`);
      }
      process.exitCode = result.passed ? 0 : 2;
    });
}
