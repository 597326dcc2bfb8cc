/**
 * `nightshift reset --to-plan`: back to the post-planning state (the logic and its decisions are in
 * plan/reset.ts).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { UserError } from '../errors.js';
import { resetToPlan, type ResetReport } from '../plan/reset.js';
import { findProjectRoot } from './project.js';
import { printJson, printLine } from './output.js';

/** Registers `reset`. */
export function registerReset(program: Command): void {
  program
    .command('reset')
    .description(
      'back to the post-planning state: statuses, worktrees and commits after the plan (logs archived)',
    )
    .option(
      '--to-plan',
      'reset to the state right after `nightshift plan` (required: the only kind of reset)',
    )
    .option('--dry-run', 'print what would happen; change nothing')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nRefuses while an engine runs, with uncommitted changes in the main checkout, or when a commit after the plan was not made by nightshift.\nAttempt history and logs move to .nightshift/archive/<time>/ (never deleted); a backup of the store is taken first.',
    )
    .action(async (options: { toPlan?: boolean; dryRun?: boolean; json?: boolean }) => {
      if (!options.toPlan)
        throw new UserError('say what to reset to: --to-plan', {
          hint: 'nightshift reset --to-plan --dry-run shows what it would do',
        });
      const root = findProjectRoot();
      await loadConfig(root);
      const report = await resetToPlan(root, { dryRun: options.dryRun ?? false });
      if (options.json) printJson(report);
      else printLine(formatReport(root, report));
    });
}

function formatReport(root: string, report: ResetReport): string {
  const would = report.dryRun ? 'would ' : '';
  const lines = [report.dryRun ? 'dry run: nothing was changed' : 'reset to the post-plan state'];
  lines.push(
    report.commits.length === 0
      ? `  ${report.branch} is at the plan's commit ${report.planCommit.slice(0, 12)}; no commits ${would}drop`
      : `  ${report.branch}: ${would}drop ${report.commits.length} nightshift commit${report.commits.length === 1 ? '' : 's'}, back to ${report.planCommit.slice(0, 12)}`,
  );
  for (const commit of report.commits) lines.push(`    ${commit.sha.slice(0, 12)} ${commit.subject}`);
  lines.push(
    `  tasks: ${report.tasks.length === 0 ? 'all already pending' : `${would}put ${report.tasks.length} back to pending (${report.tasks.join(', ')})`}`,
  );
  lines.push(
    `  worktrees: ${report.worktrees.length === 0 ? 'none' : `${would}remove ${report.worktrees.length}`}`,
  );
  const archive = path.relative(root, report.archiveDir);
  lines.push(
    `  archive: ${would}move ${[...report.archived, `${report.attemptsArchived} attempt record(s)`].join(', ')} to ${archive}`,
  );
  if (report.backup) lines.push(`  backup of the store: ${path.relative(root, report.backup)}`);
  return lines.join('\n');
}
