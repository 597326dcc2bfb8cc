/**
 * `nightshift clean [--dry-run] [--json]`: removes what runs left behind — worktrees of attempts
 * and `nightshift/*` branches (except those holding verified work waiting to land), and the stale
 * git locks of nightshift's own killed git processes — never the user's own work.
 */
import type { Command } from 'commander';
import { gitJournalDir } from '../daemon/recover-work.js';
import { UserError } from '../errors.js';
import { keptWork } from '../git/kept-work.js';
import { formatBytes } from '../text.js';
import { repairRepository } from '../git/repo-recovery.js';
import { worktreesDir } from '../git/worktree.js';
import { projectPaths } from '../paths.js';
import { readLock, withStoreWrite } from '../store/lock.js';
import { findProjectRoot } from './project.js';
import { printJson, printLine } from './output.js';

/** Registers `clean`. */
export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('remove kept worktrees and nightshift/* branches that hold no waiting work')
    .option('--dry-run', 'print what would be removed; change nothing')
    .option('--json', 'print the report as JSON')
    .action(async (options: { dryRun?: boolean; json?: boolean }) => {
      const root = findProjectRoot();
      const paths = projectPaths(root);
      const lock = await readLock(paths);
      if (lock?.alive && lock.info.kind === 'engine')
        throw new UserError(`an engine is running (pid ${lock.info.pid}); its worktrees are in use`, {
          hint: 'stop it with `nightshift stop` first; each run also cleans up after the last one',
        });
      const report = await withStoreWrite(root, async (store) => {
        const keep = new Set(
          store.state.tasks.flatMap((task) => (task.landing ? [task.landing.branch] : [])),
        );
        const kept = await keptWork(root);
        const branches = kept.branches.filter((branch) => !keep.has(branch));
        const lines = options.dryRun
          ? []
          : (
              await repairRepository(root, {
                journalDir: gitJournalDir(paths),
                worktreesDir: await worktreesDir(root),
                keepBranches: keep,
              })
            ).lines;
        return {
          dryRun: options.dryRun ?? false,
          worktrees: kept.worktrees.map((worktree) => worktree.path),
          bytes: kept.bytes,
          branches,
          keptBranches: [...keep],
          lines,
        };
      });
      if (options.json) {
        printJson(report);
        return;
      }
      const would = report.dryRun ? 'would remove' : 'removed';
      printLine(
        `${would} ${report.worktrees.length} worktree${report.worktrees.length === 1 ? '' : 's'} (${formatBytes(report.bytes)}) and ${report.branches.length} branch${report.branches.length === 1 ? '' : 'es'}`,
      );
      for (const folder of report.worktrees) printLine(`  ${folder}`);
      for (const branch of report.branches) printLine(`  ${branch}`);
      if (report.keptBranches.length > 0)
        printLine(`kept (verified work waiting to land): ${report.keptBranches.join(', ')}`);
      for (const line of report.lines) printLine(`  ${line}`);
    });
}
