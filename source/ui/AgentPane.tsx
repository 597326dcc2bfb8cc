/**
 * The agent pane: one line per agent — name, backend ("simulated" for the sim agent), task and
 * attempt, state with a spinner while it works, elapsed, tokens, cost, and its current action.
 */
import React from 'react';
import type { AgentState, AgentView } from '../protocol/types.js';
import type { Task } from '../tasks/model.js';
import { cell, formatCost, formatDuration, formatTokens, spinnerFrame } from './format.js';
import { windowStart } from './layout.js';
import type { Row } from './Lines.js';
import { Pane } from './Pane.js';
import { useTheme } from './theme.js';

/** Props of AgentPane. */
export interface AgentPaneProps {
  readonly agents: readonly AgentView[];
  /** The queue, so the title counts the tasks still starting their agent. */
  readonly tasks?: readonly Task[];
  readonly selectedId: string | null;
  readonly focused: boolean;
  readonly paused: boolean;
  /** The run's parallel limit, for the title's count. */
  readonly parallel?: number;
  /** The run's backend: a backend column only when some agent runs another one. */
  readonly runBackend?: string;
  readonly now: number;
  readonly width: number;
  readonly height: number;
}

const ACTIVE: ReadonlySet<AgentState> = new Set<AgentState>(['starting', 'thinking', 'tool', 'testing']);

/** The one-column mark of an agent's state: a spinner while it works. */
export function agentMark(state: AgentState, now: number): string {
  if (ACTIVE.has(state)) return spinnerFrame(now);
  if (state === 'waiting-input') return '?';
  if (state === 'stalled') return '!';
  return '·';
}

/** How the board names a backend: the sim agent is always "simulated". */
export function backendLabel(backend: string, simulated = backend === 'sim'): string {
  return simulated ? 'simulated' : backend;
}

/** How many agents do what. Working: the run's parallel slots in use, one per task the task pane
 * shows under "running / verifying" (starting its agent, with its agent, or at its gate) and one per
 * other live coding agent. Helpers (reflect, review, regression, plan) and agents that exited are
 * counted apart. */
export interface AgentCounts {
  readonly working: number;
  readonly helpers: number;
  readonly exited: number;
}

/** Counts `agents` and the `tasks` holding a slot the same way for the header and the agent pane. */
export function agentCounts(agents: readonly AgentView[], tasks: readonly Task[] = []): AgentCounts {
  const slots = new Set<string>();
  for (const task of tasks) if (task.status === 'running' || task.status === 'verifying') slots.add(task.id);
  let helpers = 0;
  let exited = 0;
  for (const agent of agents) {
    if (agent.state === 'exited') exited += 1;
    else if (agent.role === 'coding') slots.add(agent.taskId);
    else helpers += 1;
  }
  return { working: slots.size, helpers, exited };
}

/** "agents 2/3 · 1 helper · 1 exited": the same figures as the header. */
export function agentsTitle(counts: AgentCounts, parallel: number | undefined): string {
  const parts = [`agents ${counts.working}/${parallel ?? '—'}`];
  if (counts.helpers > 0) parts.push(`${counts.helpers} helper${counts.helpers === 1 ? '' : 's'}`);
  if (counts.exited > 0) parts.push(`${counts.exited} exited`);
  return parts.join(' · ');
}

/** The agent pane. */
export function AgentPane(props: AgentPaneProps): React.JSX.Element {
  const theme = useTheme();
  const { agents, width, height, now } = props;
  // Tokens and cost only when there is room for them next to the action.
  const roomy = width >= 90;
  // The header names the run's backend ("simulated"); rows repeat it only when agents differ.
  const mixed = props.runBackend === undefined || agents.some((agent) => agent.backend !== props.runBackend);
  const rows: Row[] = agents.map((agent) => {
    const selected = agent.id === props.selectedId;
    const inverse = selected && props.focused;
    const elapsed = formatDuration(now - Date.parse(agent.startedAt));
    const fixed = [
      { text: selected ? '▸ ' : '  ', colour: theme.accent, inverse },
      { text: cell(agent.name, 8) + ' ', bold: true, inverse },
      ...(mixed
        ? [
            {
              text: cell(backendLabel(agent.backend, agent.simulated), 9) + ' ',
              colour: agent.simulated ? theme.simulated : theme.text.dim,
              inverse,
            },
          ]
        : []),
      { text: cell(`${agent.taskId}#${agent.attempt}`, 12) + ' ', inverse },
      {
        text: `${agentMark(agent.state, now)} ${cell(agent.state, 13)} `,
        colour: theme.agent[agent.state],
        inverse,
      },
      { text: cell(elapsed, 7), colour: theme.text.dim, inverse },
    ];
    if (roomy) {
      fixed.push(
        {
          text: cell(`${formatTokens(agent.tokensIn + agent.tokensOut)} tok`, 10),
          colour: theme.text.dim,
          inverse,
        },
        { text: cell(formatCost(agent.costUsd), 8), colour: theme.text.dim, inverse },
      );
    }
    fixed.push({
      text: agent.role === 'coding' ? agent.action : `[${agent.role}] ${agent.action}`,
      colour: undefined,
      inverse,
    });
    return fixed;
  });
  if (rows.length === 0) {
    rows.push([
      {
        text: props.paused ? 'paused: no agent starts until p resumes' : 'no agents running',
        colour: theme.text.dim,
      },
    ]);
  }
  const visible = height - 1;
  const selectedIndex = agents.findIndex((agent) => agent.id === props.selectedId);
  const start = windowStart(rows.length, visible, selectedIndex);
  return (
    <Pane
      title={agentsTitle(agentCounts(agents, props.tasks), props.parallel)}
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
