/**
 * `nightshift report`: the night at a glance (source/report/). A plain table on the terminal,
 * `--md` for the markdown that `.nightshift/reports/<run>.md` holds, `--json` for scripts.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { projectPaths } from '../paths.js';
import { buildReport } from '../report/build-report.js';
import { formatReportMarkdown, formatReportText } from '../report/format-report.js';
import { findProjectRoot } from './project.js';
import { printJson, printLine } from './output.js';
import { readState } from '../ipc/task-access.js';

/** Registers `report`. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'the night at a glance: per task outcome, attempts, time, tokens, cost, commit; what needs you',
    )
    .option('--run <id>', 'the run to report on (default: the newest)')
    .option('--since <time>', 'every attempt since TIME: an ISO date/time, or an age like 12h, 30m, 2d')
    .option('--json', 'print the report as JSON')
    .option('--md', 'print the report as markdown')
    .addHelpText(
      'after',
      '\nExamples:\n  nightshift report\n  nightshift report --since 12h --md > night.md\n  nightshift report --run 20260101-230000 --json',
    )
    .action(async (options: { run?: string; since?: string; json?: boolean; md?: boolean }) => {
      if (options.json && options.md) throw new UserError('choose one of --json and --md');
      if (options.run && options.since) throw new UserError('choose one of --run and --since');
      const root = findProjectRoot();
      const state = await readState(root);
      if (options.run && !state.runs.some((run) => run.id === options.run)) {
        const known = state.runs.slice(-5).map((run) => run.id);
        throw new UserError(`no run "${options.run}" in the store`, {
          hint:
            known.length > 0 ? `recent runs: ${known.join(', ')}` : 'no run has happened yet: nightshift run',
        });
      }
      const report = buildReport(state, projectPaths(root), {
        ...(options.run ? { runId: options.run } : {}),
        ...(options.since ? { since: parseSince(options.since) } : {}),
      });
      if (options.json) printJson(report);
      else if (options.md) process.stdout.write(formatReportMarkdown(report));
      else printLine(formatReportText(report));
    });
}

/** `--since`: an ISO date/time, or an age (`90m`, `12h`, `2d`) before now. */
export function parseSince(text: string, now: Date = new Date()): Date {
  const age = /^(\d+(?:\.\d+)?)\s*(m|min|h|d)$/i.exec(text.trim());
  if (age) {
    const unit = (age[2] ?? 'h').toLowerCase();
    const ms = Number(age[1]) * (unit === 'd' ? 86_400_000 : unit === 'h' ? 3_600_000 : 60_000);
    return new Date(now.getTime() - ms);
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new UserError(`--since: "${text}" is neither a date/time nor an age`, {
      hint: 'e.g. --since 2026-01-01T22:00 or --since 12h',
    });
  return date;
}
