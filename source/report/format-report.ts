/**
 * The report as a person reads it: a plain table for the terminal, or markdown (what
 * `.nightshift/reports/<run>.md` holds). Both say the same things in the same order: the run, the
 * tasks, what blocked them, totals, and what needs you.
 */
import { formatTextTable, type TextColumn } from '../text-table.js';
import type { Report, TaskReport } from './build-report.js';

/** `1h 02m`, `3m 05s`, `12s`, `0.4s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** Dollars: always two places, four under a cent so small sim or cached runs do not read as free. */
export function formatUsd(costUsd: number): string {
  return costUsd > 0 && costUsd < 0.01 ? `$${costUsd.toFixed(4)}` : `$${costUsd.toFixed(2)}`;
}

function tokens(task: Pick<TaskReport, 'tokensIn' | 'tokensOut'>): string {
  return `${task.tokensIn + task.tokensOut}`;
}

const columns: readonly TextColumn<TaskReport>[] = [
  { heading: 'TASK', value: (task) => task.id, maxWidth: 32 },
  { heading: 'OUTCOME', value: (task) => task.outcome },
  { heading: 'TRIES', value: (task) => String(task.attempts), align: 'right' },
  { heading: 'TIME', value: (task) => formatDuration(task.durationMs), align: 'right' },
  { heading: 'TOKENS', value: tokens, align: 'right' },
  { heading: 'COST', value: (task) => formatUsd(task.costUsd), align: 'right' },
  { heading: 'COMMIT', value: (task) => task.commit?.slice(0, 10) ?? '-' },
  { heading: 'TITLE', value: (task) => task.title, maxWidth: 50 },
];

function heading(report: Report): string {
  const run = report.run;
  if (run === undefined) return report.since ? `Attempts since ${report.since}` : 'No run yet';
  const ended = run.endedAt ? `, ended ${run.endedAt}` : ', still running (or its engine died)';
  return `Run ${run.id} (${run.backend}, parallel ${run.parallel}): started ${run.startedAt}${ended}${run.outcome ? ` — ${run.outcome}` : ''}`;
}

function totalsLine(report: Report): string {
  const t = report.totals;
  return (
    `Totals: ${t.tasks} task${t.tasks === 1 ? '' : 's'}, ${t.landed} landed, ${t.blocked} blocked, ` +
    `${t.attempts} attempt${t.attempts === 1 ? '' : 's'}, ${formatDuration(t.durationMs)}, ` +
    `${t.tokensIn + t.tokensOut} tokens (${t.tokensIn} in, ${t.tokensOut} out), ${formatUsd(t.costUsd)}`
  );
}

/** Detail lines of one task: the blocking check's output, denials, questions. */
function taskDetails(task: TaskReport, indent: string): string[] {
  const lines: string[] = [];
  if (task.outcome === 'blocked' && task.blockReason) lines.push(`${indent}blocked: ${task.blockReason}`);
  if (task.blockingCheck) {
    lines.push(`${indent}failing check: ${task.blockingCheck.name}`);
    for (const line of task.blockingCheck.lines) lines.push(`${indent}  | ${line}`);
  }
  for (const denial of task.denials) lines.push(`${indent}denied: ${denial}`);
  for (const question of task.questions) lines.push(`${indent}unanswered: ${question}`);
  return lines;
}

/** The terminal form: a plain table and indented details, no colour, no JSON. */
export function formatReportText(report: Report): string {
  const lines = [heading(report), ''];
  if (report.tasks.length === 0) lines.push('No attempts in this run.');
  else lines.push(formatTextTable(report.tasks, columns));
  const detailed = report.tasks.filter((task) => taskDetails(task, '').length > 0);
  if (detailed.length > 0) {
    lines.push('');
    for (const task of detailed) lines.push(`${task.id}:`, ...taskDetails(task, '  '));
  }
  if (report.runLines.length > 0) lines.push('', ...report.runLines.map((line) => `! ${line}`));
  if (report.regressions.length > 0) {
    lines.push('', `Regressions caught (${report.regressions.length}), reopened:`);
    for (const r of report.regressions) lines.push(`  ${r.taskId} on ${r.head.slice(0, 8)}: ${r.summary}`);
  }
  if (report.notStarted.length > 0) lines.push('', `Not started: ${report.notStarted.join(', ')}`);
  lines.push('', totalsLine(report));
  lines.push('', report.needsYou.length === 0 ? 'Nothing needs you.' : 'Needs you:');
  for (const item of report.needsYou) lines.push(`  ${item.taskId}: ${item.what}`, `    $ ${item.command}`);
  return lines.join('\n');
}

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
}

/** The markdown form (`.nightshift/reports/<run>.md`). */
export function formatReportMarkdown(report: Report): string {
  const lines = [`# nightshift report`, '', heading(report), ''];
  if (report.tasks.length === 0) lines.push('No attempts in this run.', '');
  else {
    lines.push('| task | outcome | attempts | time | tokens | cost | commit | title |');
    lines.push('| --- | --- | ---: | ---: | ---: | ---: | --- | --- |');
    for (const task of report.tasks)
      lines.push(
        `| ${mdCell(task.id)} | ${task.outcome} | ${task.attempts} | ${formatDuration(task.durationMs)} | ${tokens(task)} | ${formatUsd(task.costUsd)} | ${task.commit ? `\`${task.commit.slice(0, 10)}\`` : '-'} | ${mdCell(task.title)} |`,
      );
    lines.push('');
  }
  for (const task of report.tasks) {
    const details = taskDetails(task, '');
    if (details.length === 0) continue;
    lines.push(`## ${task.id}`, '');
    if (task.outcome === 'blocked' && task.blockReason) lines.push(`Blocked: ${task.blockReason}`, '');
    if (task.blockingCheck) {
      lines.push(
        `Failing check: \`${task.blockingCheck.name}\``,
        '',
        '```',
        ...task.blockingCheck.lines,
        '```',
        '',
      );
    }
    for (const denial of task.denials) lines.push(`- denied: \`${denial}\``);
    for (const question of task.questions) lines.push(`- unanswered question: ${question}`);
    if (task.denials.length + task.questions.length > 0) lines.push('');
  }
  if (report.runLines.length > 0)
    lines.push('## The run', '', ...report.runLines.map((line) => `- ${line}`), '');
  if (report.regressions.length > 0)
    lines.push(
      '## Regressions caught',
      '',
      ...report.regressions.map(
        (r) => `- **${r.taskId}** on \`${r.head.slice(0, 8)}\`: ${r.summary} (reopened)`,
      ),
      '',
    );
  if (report.notStarted.length > 0)
    lines.push(`Not started: ${report.notStarted.map((id) => `\`${id}\``).join(', ')}`, '');
  lines.push('## Totals', '', totalsLine(report).replace(/^Totals: /, ''), '');
  lines.push('## Needs you', '');
  if (report.needsYou.length === 0) lines.push('Nothing needs you.');
  for (const item of report.needsYou) lines.push(`- **${item.taskId}** ${item.what}: \`${item.command}\``);
  return `${lines.join('\n')}\n`;
}
