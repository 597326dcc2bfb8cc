/**
 * Human-readable views of tasks for `task list` and `task show`.
 */
import type { Task } from '../tasks/model.js';
import { formatTextTable, type TextColumn } from './text-table.js';

/** On a terminal, lists up to this many rows use the boxed Ink table (ink-table is ~4 ms a row); longer ones and pipes use the plain table. */
export const INK_TABLE_MAX_ROWS = 100;

/** A task's status as people read it: verified work waiting on its branch says so. */
export function shownStatus(task: Task): string {
  return task.landing ? 'verified, waiting to land' : task.status;
}

/** The rows of the task table. */
export function taskRows(
  tasks: readonly Task[],
): { id: string; status: string; pri: string; deps: string; tries: string; title: string }[] {
  return tasks.map((task) => ({
    id: task.id,
    status: shownStatus(task),
    pri: String(task.priority),
    deps: task.dependsOn.join(',') || '-',
    tries: String(task.attempts.length),
    title: task.title,
  }));
}

const columns: readonly TextColumn<ReturnType<typeof taskRows>[number]>[] = [
  { heading: 'ID', value: (row) => row.id, maxWidth: 32 },
  { heading: 'STATUS', value: (row) => row.status },
  { heading: 'PRI', value: (row) => row.pri, align: 'right' },
  { heading: 'DEPS', value: (row) => row.deps, maxWidth: 30 },
  { heading: 'TRIES', value: (row) => row.tries, align: 'right' },
  { heading: 'TITLE', value: (row) => row.title, maxWidth: 60 },
];

/** The plain table used for long lists and as the fallback. */
export function plainTaskTable(tasks: readonly Task[]): string {
  return formatTextTable(taskRows(tasks), columns);
}

/** Counts per status, e.g. `3 pending · 1 running · 5 done`. */
export function statusCounts(tasks: readonly Task[]): string {
  const counts = new Map<string, number>();
  for (const task of tasks) counts.set(shownStatus(task), (counts.get(shownStatus(task)) ?? 0) + 1);
  return [...counts.entries()].map(([status, count]) => `${count} ${status}`).join(' · ');
}

/** The full detail of one task. */
export function formatTaskDetail(task: Task): string {
  const lines: string[] = [
    `${task.id}  ${task.title}`,
    `status: ${shownStatus(task)}${task.blockReason ? ` (${task.blockReason})` : ''}`,
  ];
  if (task.landing)
    lines.push(
      `waiting to land: ${task.landing.commit.slice(0, 12)} on ${task.landing.branch}${task.landing.files.length > 0 ? `; in the way: ${task.landing.files.join(', ')}` : ''}${task.landing.reason ? ` (${task.landing.reason})` : ''}`,
    );
  lines.push(`priority: ${task.priority}${task.epic ? `   epic: ${task.epic}` : ''}`);
  if (task.dependsOn.length > 0) lines.push(`depends on: ${task.dependsOn.join(', ')}`);
  if (task.description) lines.push('', task.description);
  if (task.steps.length > 0)
    lines.push('', 'steps:', ...task.steps.map((step, index) => `  ${index + 1}. ${step}`));
  if (task.docs.length > 0) lines.push('', 'docs:', ...task.docs.map((doc) => `  - ${doc}`));
  const { verification } = task;
  lines.push('', 'verification:');
  if (verification.pathPatterns.length > 0)
    lines.push(`  changed files must match: ${verification.pathPatterns.join(', ')}`);
  for (const command of verification.commands) lines.push(`  $ ${command}`);
  if (verification.cwd) lines.push(`  in: ${verification.cwd}`);
  if (verification.timeoutSeconds) lines.push(`  timeout: ${verification.timeoutSeconds}s`);
  if (task.completion.kind === 'numeric') {
    const c = task.completion;
    lines.push(
      `completion: ${c.direction} ${c.jsonPath} (min improvement ${c.minImprovement}${c.target !== undefined ? `, target ${c.target}` : ''})`,
    );
  }
  if (task.execution.strategy === 'iterative')
    lines.push(`execution: iterative, up to ${task.execution.maxIterations} iterations`);
  if (task.attempts.length > 0) {
    lines.push('', 'attempts:');
    for (const attempt of task.attempts) {
      const cost = attempt.costUsd > 0 ? ` $${attempt.costUsd.toFixed(4)}` : '';
      lines.push(
        `  #${attempt.n} ${attempt.outcome} (${attempt.backend}${cost}) ${attempt.summary}`.trimEnd(),
      );
      if (attempt.reflection) lines.push(`     reflection: ${attempt.reflection}`);
    }
  }
  if (task.learning.length > 0) lines.push('', 'learning:', ...task.learning.map((note) => `  - ${note}`));
  if (task.notes) lines.push('', `notes: ${task.notes}`);
  return lines.join('\n');
}
