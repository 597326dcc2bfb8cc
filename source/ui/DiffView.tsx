/**
 * The diff view (`d` on a task): the diff of its landed commit, or the patch of its newest kept
 * attempt, as the engine reads it (report/task-diff-view.ts). Added lines green, removed red, hunk
 * headers accented; j/k and PgUp/PgDn scroll; esc or q goes back.
 */
import React from 'react';
import type { TaskDiffView } from '../protocol/types.js';
import type { Row } from './Lines.js';
import { Pane } from './Pane.js';
import { useTheme, type Theme } from './theme.js';

/** Props of DiffView. */
export interface DiffViewProps {
  readonly taskId: string;
  readonly view: TaskDiffView | null;
  readonly error?: string;
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
}

/** One diff line, coloured by what it is. */
function diffRow(line: string, theme: Theme): Row {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff --git'))
    return [{ text: line, bold: true }];
  if (line.startsWith('@@')) return [{ text: line, colour: theme.accent }];
  if (line.startsWith('+')) return [{ text: line, colour: theme.status.done }];
  if (line.startsWith('-')) return [{ text: line, colour: theme.status.blocked }];
  return [{ text: line }];
}

/** The rows of the diff view (what it scrolls through). */
export function diffRows(view: TaskDiffView | null, error: string | undefined, theme: Theme): Row[] {
  if (error) return [[{ text: `no diff: ${error}`, colour: theme.notice.error }]];
  if (view === null) return [[{ text: 'asking the engine for the diff…', colour: theme.text.dim }]];
  const label: Row = [{ text: view.label, colour: theme.text.dim }];
  if (view.text.trim() === '')
    return [label, [], [{ text: view.source === 'none' ? 'nothing to show' : '(no changes)', dim: true }]];
  return [
    label,
    [],
    ...view.text
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => diffRow(line, theme)),
  ];
}

/** The diff view. */
export function DiffView({ taskId, view, error, scroll, width, height }: DiffViewProps): React.JSX.Element {
  const theme = useTheme();
  const rows = diffRows(view, error, theme);
  const visible = height - 1;
  const start = Math.min(scroll, Math.max(0, rows.length - visible));
  return (
    <Pane
      title={`diff ${taskId}`}
      hint={
        rows.length > visible
          ? `${start + 1}-${Math.min(rows.length, start + visible)}/${rows.length} · esc/q back`
          : 'esc/q back'
      }
      focused
      width={width}
      height={height}
      rows={rows.slice(start, start + visible)}
    />
  );
}
