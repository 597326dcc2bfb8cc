/**
 * The task detail view (enter on a task): description, steps, verification, attempts with their
 * outcome and summary, learning notes. j/k and PgUp/PgDn scroll; esc goes back.
 */
import React from 'react';
import type { Task } from '../tasks/model.js';
import { detailRows } from './detail-lines.js';
import { Pane } from './Pane.js';
import { useTheme } from './theme.js';

/** Props of TaskDetail. */
export interface TaskDetailProps {
  readonly task: Task | undefined;
  readonly taskId: string;
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
}

/** The task detail view. */
export function TaskDetail({ task, taskId, scroll, width, height }: TaskDetailProps): React.JSX.Element {
  const theme = useTheme();
  const rows = task
    ? detailRows(task, width, theme)
    : [[{ text: `task ${taskId} is no longer in the queue`, colour: theme.text.dim }]];
  const visible = height - 1;
  const start = Math.min(scroll, Math.max(0, rows.length - visible));
  return (
    <Pane
      title={`task ${taskId}`}
      hint={
        rows.length > visible
          ? `${start + 1}-${Math.min(rows.length, start + visible)}/${rows.length} · esc back`
          : 'esc back'
      }
      focused
      width={width}
      height={height}
      rows={rows.slice(start, start + visible)}
    />
  );
}
