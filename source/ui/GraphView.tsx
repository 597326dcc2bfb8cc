/**
 * The dependency graph (g) as levels: level 0 needs nothing, each later level needs only earlier
 * ones; every task with its status mark and what it waits on.
 */
import React from 'react';
import type { Task } from '../tasks/model.js';
import { Pane } from './Pane.js';
import type { Row } from './Lines.js';
import { graphLevels, openDependencies } from './task-groups.js';
import { taskMark } from './TaskPane.js';
import type { Theme } from './theme.js';
import { useTheme } from './theme.js';

/** Props of GraphView. */
export interface GraphViewProps {
  readonly tasks: readonly Task[];
  readonly scroll: number;
  readonly width: number;
  readonly height: number;
}

/** The graph's rows. */
export function graphRows(tasks: readonly Task[], theme: Theme): Row[] {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const { levels, unresolved } = graphLevels(tasks);
  const rows: Row[] = [];
  const taskRow = (task: Task): Row => {
    const open = openDependencies(task, byId);
    const waiting = task.status === 'pending' && open.length > 0;
    return [
      {
        text: `  ${taskMark(task, waiting)} `,
        colour: waiting ? theme.status.waiting : theme.status[task.status],
      },
      { text: `${task.id} `, bold: true },
      { text: task.title },
      { text: task.dependsOn.length > 0 ? `  ← ${task.dependsOn.join(', ')}` : '', colour: theme.text.dim },
    ];
  };
  levels.forEach((level, index) => {
    rows.push([
      { text: `level ${index}${index === 0 ? ' (no dependencies)' : ''}`, bold: true, colour: theme.accent },
    ]);
    for (const task of level) rows.push(taskRow(task));
  });
  if (unresolved.length > 0) {
    rows.push([
      { text: 'unresolved (a cycle or a missing dependency)', bold: true, colour: theme.status.blocked },
    ]);
    for (const task of unresolved) rows.push(taskRow(task));
  }
  if (rows.length === 0) rows.push([{ text: 'no tasks', colour: theme.text.dim }]);
  return rows;
}

/** The dependency graph view. */
export function GraphView({ tasks, scroll, width, height }: GraphViewProps): React.JSX.Element {
  const theme = useTheme();
  const rows = graphRows(tasks, theme);
  const visible = height - 1;
  const start = Math.min(scroll, Math.max(0, rows.length - visible));
  return (
    <Pane
      title="dependency graph"
      hint="✓ done ● running ○ ready ⧗ waiting ✗ blocked · esc back"
      focused
      width={width}
      height={height}
      rows={rows.slice(start, start + visible)}
    />
  );
}
