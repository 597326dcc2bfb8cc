/**
 * The header: project, backend, run state, agents running / limit, then progress, cost, elapsed
 * and ETA. Two lines, each cut to the width.
 */
import React from 'react';
import type { AgentView, RunView } from '../protocol/types.js';
import type { Task } from '../tasks/model.js';
import { agentCounts, backendLabel } from './AgentPane.js';
import { formatCost, formatDuration } from './format.js';
import { Lines, type Row } from './Lines.js';
import type { QueueProgress } from './task-groups.js';
import { useTheme } from './theme.js';

/** Props of Header. */
export interface HeaderProps {
  readonly title: string;
  readonly project: string;
  readonly run: RunView | null;
  readonly agents: readonly AgentView[];
  /** The queue: a running task still starting its agent counts as one working. */
  readonly tasks?: readonly Task[];
  readonly progress: QueueProgress;
  /** The run's outcome once the engine reported its end. */
  readonly outcome: string | null;
  readonly readonly: boolean;
  readonly now: number;
  readonly width: number;
}

/** The run's state word: ended, stopping, paused or running. */
export function runState(
  run: RunView | null,
  outcome: string | null,
): { word: string; tone: 'ok' | 'warn' | 'dim' } {
  if (outcome ?? run?.outcome) return { word: `ended (${outcome ?? run?.outcome ?? ''})`, tone: 'dim' };
  if (!run) return { word: 'waiting for a run', tone: 'dim' };
  if (run.stopping) return { word: 'stopping', tone: 'warn' };
  if (run.paused && run.pauseReason)
    return {
      word: `paused: ${run.pauseReason}${run.resumeAt ? `; resumes ${run.resumeAt.slice(11, 19)}` : ''}`,
      tone: 'warn',
    };
  if (run.paused) return { word: 'paused', tone: 'warn' };
  return { word: 'running', tone: 'ok' };
}

/** A bar of `width` cells, `fraction` of them filled. */
export function progressBar(fraction: number, width: number): { filled: string; empty: string } {
  const cells = Math.max(0, width);
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * cells);
  return { filled: '█'.repeat(filled), empty: '░'.repeat(cells - filled) };
}

/** "ada waits for input on models (a answers)", or a count when several agents wait. */
export function waitingText(waiting: readonly Pick<AgentView, 'name' | 'taskId'>[]): string {
  const first = waiting[0];
  if (waiting.length === 1 && first) return `${first.name} waits for input on ${first.taskId}`;
  return `${waiting.length} agents wait for input: ${waiting.map((agent) => agent.name).join(', ')}`;
}

/** The header. */
export function Header(props: HeaderProps): React.JSX.Element {
  const theme = useTheme();
  const { run, progress, width } = props;
  const state = runState(run, props.outcome);
  const stateColour =
    state.tone === 'ok' ? theme.status.running : state.tone === 'warn' ? theme.notice.warn : theme.text.dim;
  const agentFigures = agentCounts(props.agents, props.tasks);
  const end = run?.endedAt ? Date.parse(run.endedAt) : props.now;
  const elapsed = run ? formatDuration(end - Date.parse(run.startedAt)) : '—';
  const budget = run && run.maxCostUsd > 0 ? ` of ${formatCost(run.maxCostUsd)}` : '';
  const sep = { text: ' · ', colour: theme.text.dim };
  const first: Row = [
    { text: props.title, bold: true, colour: theme.accent },
    sep,
    { text: props.project, bold: true },
    sep,
    {
      text: run ? backendLabel(run.backend) : '—',
      colour: run?.backend === 'sim' ? theme.simulated : undefined,
    },
    sep,
    { text: state.word, colour: stateColour, bold: true },
    sep,
    {
      text: `agents ${agentFigures.working}/${run?.parallel ?? '—'}${agentFigures.helpers > 0 ? ` +${agentFigures.helpers} helper` : ''}`,
    },
    sep,
    { text: `${formatCost(run?.costUsd ?? 0)}${budget}` },
    sep,
    { text: elapsed },
    ...(props.readonly ? [sep, { text: 'read-only', colour: theme.notice.warn }] : []),
  ];
  const fraction = progress.total === 0 ? 0 : progress.done / progress.total;
  const counts = `${progress.done}/${progress.total} done`;
  const eta = progress.etaMs === undefined ? 'unknown' : formatDuration(progress.etaMs);
  // An ended run has nothing left to estimate.
  const ended = (props.outcome ?? run?.outcome) !== undefined && (props.outcome ?? run?.outcome) !== null;
  const tail = `${progress.blocked > 0 ? ` · ${progress.blocked} blocked` : ''}${ended ? '' : ` · ETA ${eta}`}`;
  const barWidth = Math.max(4, Math.min(30, width - counts.length - tail.length - 8));
  const bar = progressBar(fraction, barWidth);
  // An agent waiting for a human leads the line: the one thing on the board that needs someone.
  const waiting = props.agents.filter((agent) => agent.state === 'waiting-input');
  const badge: Row =
    waiting.length === 0
      ? []
      : [
          {
            text: ` ? ${waitingText(waiting)} `,
            colour: theme.notice.warn,
            bold: true,
            inverse: true,
          },
          { text: ' ' },
        ];
  const second: Row = [
    ...badge,
    { text: `${counts} ` },
    { text: bar.filled, colour: theme.progress.filled },
    { text: bar.empty, colour: theme.progress.empty },
    { text: ` ${Math.round(fraction * 100)}%` },
    { text: tail, colour: progress.blocked > 0 ? theme.status.blocked : undefined },
  ];
  return <Lines rows={[first, second]} width={width} height={2} />;
}
