/**
 * The rows of the task detail view: what the task is, how it is checked, and what happened in
 * each attempt, wrapped to the width.
 */
import type { Task } from '../tasks/model.js';
import { clockTime, formatCost, formatDuration, wrapText } from './format.js';
import type { Row } from './Lines.js';
import type { Theme } from './theme.js';

/** Rows describing `task`, `width` columns wide. */
export function detailRows(task: Task, width: number, theme: Theme): Row[] {
  const rows: Row[] = [];
  const heading = (text: string): void => {
    rows.push([]);
    rows.push([{ text, bold: true, colour: theme.accent }]);
  };
  const para = (text: string, indent = '  ', colour = theme.text.primary): void => {
    for (const line of wrapText(text, width - indent.length)) rows.push([{ text: indent + line, colour }]);
  };
  rows.push([
    { text: `${task.id} `, bold: true },
    { text: task.title, bold: true },
  ]);
  const facts = [`status ${task.status}`, `priority ${task.priority}`];
  if (task.epic) facts.push(`epic ${task.epic}`);
  if (task.dependsOn.length > 0) facts.push(`depends on ${task.dependsOn.join(', ')}`);
  rows.push([{ text: facts.join(' · '), colour: theme.status[task.status] }]);
  if (task.blockReason) para(`blocked: ${task.blockReason}`, '', theme.status.blocked);
  if (task.description) {
    heading('description');
    para(task.description);
  }
  if (task.steps.length > 0) {
    heading('steps');
    task.steps.forEach((step, index) => para(`${index + 1}. ${step}`));
  }
  heading('verification');
  if (task.verification.commands.length === 0) para('(no commands)', '  ', theme.text.dim);
  for (const command of task.verification.commands) para(`$ ${command}`);
  if (task.verification.pathPatterns.length > 0)
    para(`changed files must match: ${task.verification.pathPatterns.join(', ')}`);
  if (task.completion.kind === 'numeric')
    para(`metric ${task.completion.jsonPath} (${task.completion.direction})`);
  if (task.regression) {
    const r = task.regression;
    const caught = r.caught > 0 ? ` · caught ${r.caught}×` : '';
    para(
      `last tested ${clockTime(r.testedAt)} on ${r.head.slice(0, 8)}: ${r.outcome}${caught}`,
      '  ',
      r.outcome === 'passed' ? theme.status.done : theme.status.blocked,
    );
  }
  heading(`attempts (${task.attempts.length})`);
  if (task.attempts.length === 0) para('none yet', '  ', theme.text.dim);
  for (const attempt of task.attempts) {
    const took = attempt.endedAt
      ? formatDuration(Date.parse(attempt.endedAt) - Date.parse(attempt.startedAt))
      : 'running';
    const colour =
      attempt.outcome === 'passed'
        ? theme.status.done
        : attempt.outcome === 'running'
          ? theme.status.running
          : theme.status.blocked;
    rows.push([
      { text: `  #${attempt.n} `, bold: true },
      { text: attempt.outcome, colour },
      {
        text: ` · ${attempt.agentName ?? attempt.backend} · ${took} · ${formatCost(attempt.costUsd)}`,
        colour: theme.text.dim,
      },
    ]);
    if (attempt.summary) para(attempt.summary, '     ');
    for (const check of attempt.checks.filter((c) => !c.passed))
      para(`✗ ${check.name}: ${check.detail}`, '     ', theme.status.blocked);
    if (attempt.reflection) para(`reflection: ${attempt.reflection}`, '     ', theme.text.dim);
  }
  if (task.learning.length > 0) {
    heading('learning notes');
    for (const note of task.learning) para(`• ${note}`);
  }
  if (task.notes) {
    heading('notes');
    para(task.notes);
  }
  return rows;
}
