/**
 * Facts derived from board state and an engine snapshot: the visible task order, and which task
 * and agent are selected. Pure, so the render and the key actions (which run between renders)
 * agree on what is selected.
 */
import type { AgentView, EngineSnapshot } from '../protocol/types.js';
import type { Task } from '../tasks/model.js';
import type { BoardState } from './board-state.js';
import { groupTasks, taskOrder, type TaskGroup } from './task-groups.js';

/** What is shown and selected. */
export interface Selection {
  readonly filter: string;
  readonly groups: readonly TaskGroup[];
  readonly order: readonly string[];
  readonly selectedTask: Task | null;
  readonly selectedAgent: AgentView | null;
  /** The agent `a` and `x` act on: from the task pane, the agent working on the selected task. */
  readonly targetAgent: AgentView | null;
}

/** Derives the selection; the task selection falls back to the first visible task. */
export function deriveSelection(state: BoardState, snapshot: EngineSnapshot | null): Selection {
  const tasks = snapshot?.tasks ?? [];
  const agents = snapshot?.agents ?? [];
  const filter = state.mode.kind === 'filter' ? state.mode.draft : state.filter;
  const groups = groupTasks(tasks, filter);
  const order = taskOrder(groups);
  const selectedId =
    state.selectedTask !== null && order.includes(state.selectedTask)
      ? state.selectedTask
      : (order[0] ?? null);
  const selectedTask = tasks.find((task) => task.id === selectedId) ?? null;
  // An agent that ended leaves nothing selected (use-board says so) rather than the selection
  // jumping to another agent that a following `x` would then stop.
  const selectedAgent =
    agents.find((agent) => agent.id === state.selectedAgent) ??
    (state.focus === 'agents' && state.selectedAgent === null ? (agents[0] ?? null) : null);
  // Destructive keys act on what the focused pane shows selected: from the task pane, only the
  // agent working on the selected task (never the other pane's selection).
  const targetAgent =
    state.focus === 'tasks'
      ? (agents.find((agent) => agent.taskId === selectedTask?.id && agent.state !== 'exited') ?? null)
      : selectedAgent;
  return { filter, groups, order, selectedTask, selectedAgent, targetAgent };
}
