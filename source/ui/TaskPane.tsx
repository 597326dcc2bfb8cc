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

/** The text after a task's title: what waits, blocks or works on it. */
function taskSuffix(
  task: Task,
  context: Omit<RowContext, 'width' | 'selectedId' | 'focused'>,
): {
  text: string;
  colour: Theme['text']['dim'];
  waiting: boolean;
} {
  const { theme, byId, agentByTask } = context;
  const open = openDependencies(task, byId);
  const waiting = task.status === 'pending' && open.length > 0;
  if (waiting) return { text: `⧗ waits on ${open.join(',')}`, colour: theme.text.dim, waiting };
  if (task.status === 'blocked')
    return { text: task.blockReason ?? 'blocked', colour: theme.status.blocked, waiting };
  if (task.status === 'running' || task.status === 'verifying') {
    const agent = agentByTask.get(task.id);
    if (agent?.state === 'waiting-input')
      return {
        text: `? ${agent.name} waits for input #${agent.attempt}`,
        colour: theme.notice.warn,
        waiting,
      };
    // Before its agent shows (worktree, sandbox) the attempt is starting, not an agent running.
    // An agent that exited (the last attempt's) does not work on it any more: the next one starts.
    const live = agent !== undefined && agent.state !== 'exited' ? agent : undefined;
    const who = task.status === 'verifying' ? 'verifying' : (live?.name ?? 'starting');
    return { text: `${who} #${live?.attempt ?? task.attempts.length}`, colour: theme.text.dim, waiting };
  }
  if (task.status === 'done' && task.attempts.length > 1)
    return { text: `${task.attempts.length} attempts`, colour: theme.text.dim, waiting };
  return { text: '', colour: theme.text.dim, waiting };
}

/** Columns before the title: selection mark, status mark, the id column. */
function fixedColumns(idWidth: number): number {
  return 4 + Math.min(16, Math.max(4, idWidth)) + 1;
}

/**
 * Rows and columns the task pane needs to show every task whole (title rule included), for the
 * layout: the pane is given what its content needs, within bounds.
 */
export function taskPaneNeeds(
  groups: readonly TaskGroup[],
  tasks: readonly Task[],
  agents: readonly AgentView[],
  theme: Theme,
): { rows: number; columns: number } {
  const context = {
    theme,
    idWidth: Math.max(0, ...tasks.map((task) => task.id.length)),
    byId: new Map(tasks.map((task) => [task.id, task])),
    agentByTask: agentsByTask(agents),
  };
  let rows = 1;
  let columns = 0;
  for (const group of groups) {
    if (group.tasks.length === 0) continue;
    rows += 1 + group.tasks.length;
    for (const task of group.tasks) {
      const suffix = textWidth(displayText(taskSuffix(task, context).text));
      const title = textWidth(displayText(task.title));
      columns = Math.max(columns, fixedColumns(context.idWidth) + title + (suffix > 0 ? suffix + 2 : 0));
    }
  }
  return { rows: Math.max(2, rows), columns };
}

/** A suffix keeps at least this many columns against a long title. */
const SUFFIX_MIN = 12;

function taskRow(task: Task, context: RowContext): Row {
  const { theme, width } = context;
  const selected = task.id === context.selectedId;
  const { text: suffix, colour: suffixColour, waiting } = taskSuffix(task, context);
  const idWidth = Math.min(16, Math.max(4, context.idWidth)) + 1;
  const fixed = fixedColumns(context.idWidth);
  // The title first: it is what a person reads; the suffix gets what is left (at least a little).
  const room = Math.max(0, width - fixed);
  const titleNeed = textWidth(displayText(task.title));
  const suffixNeed = textWidth(displayText(suffix));
  const suffixWidth =
    suffixNeed === 0
      ? 0
      : Math.max(
          0,
          Math.min(suffixNeed, Math.max(room - titleNeed - 2, Math.min(SUFFIX_MIN, suffixNeed, room - 12))),
        );
  const titleWidth = Math.max(0, room - (suffixWidth > 0 ? suffixWidth + 2 : 0));
  const inverse = selected && context.focused;
  const segments: Segment[] = [
    { text: selected ? '▸ ' : '  ', colour: theme.accent, inverse },
    {
      text: `${taskMark(task, waiting)} `,
      colour: waiting ? theme.status.waiting : theme.status[task.status],
      inverse,
    },
    // A cut id keeps one space before the title.
    { text: `${cell(task.id, idWidth - 1)} `, bold: true, inverse },
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

/**
 * The agent each task row names: its live coding agent over a helper (reflect, review) or one that
 * exited, so a task shows one agent name across its attempts.
 */
function agentsByTask(agents: readonly AgentView[]): Map<string, AgentView> {
  const rank = (agent: AgentView): number =>
    (agent.state === 'exited' ? 0 : 2) + (agent.role === 'coding' ? 1 : 0);
  const byTask = new Map<string, AgentView>();
  for (const agent of agents) {
    const held = byTask.get(agent.taskId);
    if (!held || rank(agent) >= rank(held)) byTask.set(agent.taskId, agent);
  }
  return byTask;
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
    agentByTask: agentsByTask(props.agents),
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
