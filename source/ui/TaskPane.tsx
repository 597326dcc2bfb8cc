/**
 * The task pane: tasks grouped by status (running, pending, blocked, done), ready pending tasks
 * before those waiting on dependencies (`⧗ waits on a,b`), the selection kept in view.
 */
import React from 'react';
import { assertNever } from '../errors.js';
import type { AgentView } from '../protocol/types.js';
import type { Task } from '../tasks/model.js';
import { cell, truncate } from './format.js';
import { windowStart } from './layout.js';
import { displayText, textWidth } from './text.js';
import type { Row, Segment } from './Lines.js';
import { Pane } from './Pane.js';
import { openDependencies, type TaskGroup } from './task-groups.js';
import { useTheme, type Theme } from './theme.js';

/** Props of TaskPane. */
export interface TaskPaneProps {
  readonly groups: readonly TaskGroup[];
  readonly tasks: readonly Task[];
  readonly agents: readonly AgentView[];
  readonly selectedId: string | null;
  readonly focused: boolean;
  readonly filter: string;
  readonly width: number;
  readonly height: number;
}

/** The one-column mark of a task's state. */
export function taskMark(task: Task, waiting: boolean): string {
  switch (task.status) {
    case 'running':
      return '●';
    case 'verifying':
      return '◐';
    case 'pending':
      return waiting ? '⧗' : '○';
    case 'blocked':
      return '✗';
    case 'done':
      return '✓';
    default:
      return assertNever(task.status);
  }
}

function taskRow(task: Task, context: RowContext): Row {
  const { theme, width, byId, agentByTask } = context;
  const selected = task.id === context.selectedId;
  const open = openDependencies(task, byId);
  const waiting = task.status === 'pending' && open.length > 0;
  let suffix = '';
  let suffixColour = theme.text.dim;
  if (waiting) suffix = `⧗ waits on ${open.join(',')}`;
  else if (task.status === 'blocked')
    [suffix, suffixColour] = [task.blockReason ?? 'blocked', theme.status.blocked];
  else if (task.status === 'running' || task.status === 'verifying') {
    const agent = agentByTask.get(task.id);
    suffix = `${task.status === 'verifying' ? 'verifying' : (agent?.name ?? 'running')} #${task.attempts.length}`;
  } else if (task.status === 'done' && task.attempts.length > 1) suffix = `${task.attempts.length} attempts`;
  const idWidth = Math.min(16, Math.max(4, context.idWidth)) + 1;
  const fixed = 4 + idWidth;
  const suffixWidth = Math.min(textWidth(displayText(suffix)), Math.max(0, width - fixed - 12));
  const titleWidth = Math.max(0, width - fixed - (suffixWidth > 0 ? suffixWidth + 2 : 0));
  const inverse = selected && context.focused;
  const segments: Segment[] = [
    { text: selected ? '▸ ' : '  ', colour: theme.accent, inverse },
    {
      text: `${taskMark(task, waiting)} `,
      colour: waiting ? theme.status.waiting : theme.status[task.status],
      inverse,
    },
    { text: cell(task.id, idWidth), bold: true, inverse },
    { text: cell(task.title, titleWidth), inverse },
  ];
  if (suffixWidth > 0)
    segments.push({ text: `  ${truncate(suffix, suffixWidth)}`, colour: suffixColour, inverse });
  return segments;
}

interface RowContext {
  readonly theme: Theme;
  readonly width: number;
  readonly idWidth: number;
  readonly selectedId: string | null;
  readonly focused: boolean;
  readonly byId: ReadonlyMap<string, Task>;
  readonly agentByTask: ReadonlyMap<string, AgentView>;
}

const GROUP_TITLES: Readonly<Record<TaskGroup['name'], string>> = {
  running: 'running / verifying',
  pending: 'pending',
  blocked: 'blocked',
  done: 'done',
};

/** The task pane. */
export function TaskPane(props: TaskPaneProps): React.JSX.Element {
  const theme = useTheme();
  const { groups, width, height } = props;
  const context: RowContext = {
    theme,
    width,
    idWidth: Math.max(0, ...props.tasks.map((task) => task.id.length)),
    selectedId: props.selectedId,
    focused: props.focused,
    byId: new Map(props.tasks.map((task) => [task.id, task])),
    agentByTask: new Map(props.agents.map((agent) => [agent.taskId, agent])),
  };
  const rows: Row[] = [];
  let selectedRow = -1;
  for (const group of groups) {
    if (group.tasks.length === 0) continue;
    rows.push([
      {
        text: `${GROUP_TITLES[group.name]} (${group.tasks.length})`,
        colour: theme.status[group.name],
        bold: true,
      },
    ]);
    for (const task of group.tasks) {
      if (task.id === props.selectedId) selectedRow = rows.length;
      rows.push(taskRow(task, context));
    }
  }
  if (rows.length === 0)
    rows.push([
      {
        text: props.filter ? `no task matches "${props.filter}"` : 'no tasks yet (n adds one)',
        colour: theme.text.dim,
      },
    ]);
  const visible = height - 1;
  const start = windowStart(rows.length, visible, selectedRow);
  const total = props.tasks.length;
  const shown = groups.reduce((sum, group) => sum + group.tasks.length, 0);
  return (
    <Pane
      title={props.filter ? `tasks ${shown}/${total} · /${props.filter}` : `tasks (${total})`}
      hint={
        rows.length > visible
          ? `${start + 1}-${Math.min(rows.length, start + visible)}/${rows.length}`
          : undefined
      }
      focused={props.focused}
      width={width}
      height={height}
      rows={rows.slice(start, start + visible)}
    />
  );
}
