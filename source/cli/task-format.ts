/**
 * Human-readable views of tasks for `task list` and `task show`.
 */
import type { Task } from '../tasks/model.js';
import { formatTextTable, type TextColumn } from '../text-table.js';

/** On a terminal, lists up to this many rows use the boxed Ink table (ink-table is ~4 ms a row); longer ones and pipes use the plain table. */
export const INK_TABLE_MAX_ROWS = 100;

/** A task's status as people read it: verified work waiting on its branch says so. */
export function shownStatus(task: Task): string {
  return task.landing ? 'verified, waiting to land' : task.status;
}

/** Orders `task list` can sort by: the queue's own order, or a field (cost and tokens highest first). */
export const TASK_SORT_KEYS = [
  'queue',
  'id',
  'priority',
  'status',
  'attempts',
  'tokens',
  'cost',
  'title',
] as const;
export type TaskSortKey = (typeof TASK_SORT_KEYS)[number];

const STATUS_ORDER = ['running', 'verifying', 'blocked', 'pending', 'done'];

/** Tokens (in + out) and cost of all of a task's attempts. */
export function taskSpend(task: Task): { tokens: number; costUsd: number } {
  let tokens = 0;
  let costUsd = 0;
  for (const attempt of task.attempts) {
    tokens += attempt.tokensIn + attempt.tokensOut;
    costUsd += attempt.costUsd;
  }
  return { tokens, costUsd };
}

/** The tasks in the order `key` asks for (a stable sort: ties keep the queue's order). */
export function sortTasks(tasks: readonly Task[], key: TaskSortKey): Task[] {
  const by =
    (value: (task: Task) => number | string, descending = false) =>
    (a: Task, b: Task) => {
      const [x, y] = [value(a), value(b)];
      const order =
        typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return descending ? -order : order;
    };
  const sorted = [...tasks];
  switch (key) {
    case 'queue':
      return sorted;
    case 'id':
      return sorted.sort(by((task) => task.id));
    case 'title':
      return sorted.sort(by((task) => task.title));
    case 'priority':
      return sorted.sort(by((task) => task.priority, true));
    case 'status':
      return sorted.sort(by((task) => STATUS_ORDER.indexOf(task.status)));
    case 'attempts':
      return sorted.sort(by((task) => task.attempts.length, true));
    case 'tokens':
      return sorted.sort(by((task) => taskSpend(task).tokens, true));
    case 'cost':
      return sorted.sort(by((task) => taskSpend(task).costUsd, true));
    default: {
      const never: never = key;
      throw new Error(`unknown sort key ${String(never)}`);
    }
  }
}

/** A token count for a table cell: `-`, `950`, `12.3k`, `1.2M`. */
export function formatTokens(tokens: number): string {
  if (tokens <= 0) return '-';
  if (tokens < 1000) return String(Math.round(tokens));
  if (tokens < 1_000_000) return `${(tokens / 1000).toFixed(1)}k`;
  return `${(tokens / 1_000_000).toFixed(1)}M`;
}

/** A cost for a table cell: `-` when nothing was spent, else dollars to the cent (or 4 places under a cent). */
export function formatCost(costUsd: number): string {
  if (costUsd <= 0) return '-';
  return costUsd < 0.01 ? `$${costUsd.toFixed(4)}` : `$${costUsd.toFixed(2)}`;
}

/** `codex/gpt-5`, `codex`, or `-` when the task runs on the run's backend. */
export function taskAgent(task: Pick<Task, 'backend' | 'model'>): string {
  if (task.backend === undefined && task.model === undefined) return '-';
  return [task.backend ?? '', task.model ?? ''].filter(Boolean).join('/');
}

/** The rows of the task table. */
export function taskRows(tasks: readonly Task[]): {
  id: string;
  status: string;
  pri: string;
  deps: string;
  tries: string;
  tokens: string;
  cost: string;
  agent: string;
  title: string;
}[] {
  return tasks.map((task) => {
    const spend = taskSpend(task);
    return {
      id: task.id,
      status: shownStatus(task),
      pri: String(task.priority),
      deps: task.dependsOn.join(',') || '-',
      tries: String(task.attempts.length),
      tokens: formatTokens(spend.tokens),
      cost: formatCost(spend.costUsd),
      agent: taskAgent(task),
      title: task.title,
    };
  });
}

const columns: readonly TextColumn<ReturnType<typeof taskRows>[number]>[] = [
  { heading: 'ID', value: (row) => row.id, maxWidth: 32 },
  { heading: 'STATUS', value: (row) => row.status },
  { heading: 'PRI', value: (row) => row.pri, align: 'right' },
  { heading: 'DEPS', value: (row) => row.deps, maxWidth: 30 },
  { heading: 'TRIES', value: (row) => row.tries, align: 'right' },
  { heading: 'TOKENS', value: (row) => row.tokens, align: 'right' },
  { heading: 'COST', value: (row) => row.cost, align: 'right' },
  { heading: 'AGENT', value: (row) => row.agent, maxWidth: 24 },
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
  if (task.backend !== undefined || task.model !== undefined)
    lines.push(`agent: ${task.backend ?? "the run's backend"}${task.model ? `, model ${task.model}` : ''}`);
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
      const cost = attempt.costUsd > 0 ? `, ${formatCost(attempt.costUsd)}` : '';
      const tokens = attempt.tokensIn + attempt.tokensOut;
      const spend = tokens > 0 ? `, ${formatTokens(tokens)} tokens` : '';
      const commit = attempt.commit ? `, commit ${attempt.commit.slice(0, 10)}` : '';
      lines.push(
        `  #${attempt.n} ${attempt.outcome} (${attempt.backend}${spend}${cost}${commit}) ${attempt.summary}`.trimEnd(),
      );
      if (attempt.reflection) lines.push(`     reflection: ${attempt.reflection}`);
      for (const denial of attempt.denials ?? []) lines.push(`     denied: ${denial}`);
    }
  }
  if (task.learning.length > 0) lines.push('', 'learning:', ...task.learning.map((note) => `  - ${note}`));
  if (task.notes) lines.push('', `notes: ${task.notes}`);
  return lines.join('\n');
}
