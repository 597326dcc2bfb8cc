/**
 * The end of a run, as a final state: how it ended, done and blocked counts, each blocked task with
 * its reason, cost and time, and the commands to run next. Replaces the agents pane once the
 * engine reported the end (no agent runs any more); the board stays on it until `q`.
 */
import React from 'react';
import type { RunView } from '../protocol/types.js';
import type { Task } from '../tasks/model.js';
import { formatCost, formatDuration } from './format.js';
import type { Row } from './Lines.js';
import { Pane } from './Pane.js';
import { displayText } from './text.js';
import { useTheme, type Theme } from './theme.js';

/** Props of RunSummary. */
export interface RunSummaryProps {
  readonly run: RunView | null;
  readonly tasks: readonly Task[];
  readonly outcome: string;
  readonly width: number;
  readonly height: number;
}

/** Blocked tasks listed by name before the rest is summed up as "and N more". */
const MAX_BLOCKED_ROWS = 8;

/** The commands a person runs after a run: the report, and retry when something is blocked. */
export function nextCommands(blocked: readonly Task[]): string[] {
  const next: string[] = ['nightshift report'];
  if (blocked.length === 1) next.push(`nightshift task retry ${blocked[0]?.id ?? ''}`);
  else if (blocked.length > 1) next.push(`nightshift task retry ${blocked.map((task) => task.id).join(' ')}`);
  next.push('nightshift logs TASK');
  return next;
}

/** The rows of the summary (pure, for tests). */
export function summaryRows(
  props: Omit<RunSummaryProps, 'width' | 'height'>,
  theme: Theme,
  limit = MAX_BLOCKED_ROWS,
): Row[] {
  const { run, tasks, outcome } = props;
  const done = tasks.filter((task) => task.status === 'done').length;
  const blocked = tasks.filter((task) => task.status === 'blocked');
  const left = tasks.length - done - blocked.length;
  const end = run?.endedAt !== undefined ? Date.parse(run.endedAt) : Date.now();
  const elapsed = run ? formatDuration(end - Date.parse(run.startedAt)) : '—';
  const tone = outcome === 'done' ? theme.status.done : blocked.length > 0 ? theme.status.blocked : undefined;
  const rows: Row[] = [
    [
      { text: `run ${outcome}`, bold: true, colour: tone },
      { text: ` · ${done}/${tasks.length} done`, colour: theme.status.done },
      ...(blocked.length > 0 ? [{ text: ` · ${blocked.length} blocked`, colour: theme.status.blocked }] : []),
      ...(left > 0 ? [{ text: ` · ${left} not run` }] : []),
      { text: ` · ${formatCost(run?.costUsd ?? 0)} · ${elapsed}` },
    ],
  ];
  for (const task of blocked.slice(0, limit))
    rows.push([
      { text: '✗ ', colour: theme.status.blocked },
      { text: `${task.id} `, bold: true },
      { text: displayText(task.title) },
      { text: ` — ${displayText(task.blockReason ?? 'blocked')}`, colour: theme.status.blocked },
    ]);
  if (blocked.length > limit) rows.push([{ text: `  and ${blocked.length - limit} more blocked` }]);
  nextCommands(blocked).forEach((command, index) =>
    rows.push([
      { text: index === 0 ? 'next: ' : '      ', colour: theme.text.dim },
      { text: command, colour: theme.text.key },
    ]),
  );
  rows.push([{ text: 'q leaves the board', colour: theme.text.dim }]);
  return rows;
}

/** Rows the summary needs for `tasks` (the layout sizes the pane to it). */
export function summaryHeight(tasks: readonly Task[]): number {
  const blocked = tasks.filter((task) => task.status === 'blocked');
  const listed = Math.min(blocked.length, MAX_BLOCKED_ROWS) + (blocked.length > MAX_BLOCKED_ROWS ? 1 : 0);
  // Title rule, the figures, the blocked tasks, the next commands, "q leaves".
  return 1 + 1 + listed + nextCommands(blocked).length + 1;
}

/** The summary pane. */
export function RunSummary(props: RunSummaryProps): React.JSX.Element {
  const theme = useTheme();
  return (
    <Pane
      title="run ended"
      focused={false}
      width={props.width}
      height={props.height}
      rows={summaryRows(props, theme)}
    />
  );
}
