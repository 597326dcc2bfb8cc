/**
 * The line under the header: the connection when it is not well, else the newest notice, else the
 * filter prompt or question being asked, else the end of the run. Always one line, so the
 * panes never jump.
 */
import React from 'react';
import type { BoardState } from './board-state.js';
import { Lines, type Row } from './Lines.js';
import { useTheme } from './theme.js';
import type { ConnectionState } from './use-engine.js';

/** Props of StatusLine. */
export interface StatusLineProps {
  readonly state: BoardState;
  readonly connection: ConnectionState;
  readonly outcome: string | null;
  /** True until the engine's first snapshot arrives (the board draws at once regardless). */
  readonly connecting?: boolean;
  readonly width: number;
}

/** The status line. */
export function StatusLine({
  state,
  connection,
  outcome,
  connecting = false,
  width,
}: StatusLineProps): React.JSX.Element {
  const theme = useTheme();
  const mode = state.mode;
  let row: Row = [];
  // Once the run has ended its engine exits: the connection going is expected, not news.
  const live = outcome === null;
  if (live && connection.status === 'lost')
    row = [{ text: 'engine connection lost — reconnecting…', colour: theme.notice.warn, bold: true }];
  else if (live && connection.status === 'closed')
    row = [
      { text: `engine connection closed: ${connection.detail}`, colour: theme.notice.error, bold: true },
    ];
  else if (connecting)
    row = [{ text: "waiting for the engine's first snapshot…", colour: theme.notice.info }];
  else if (mode.kind === 'confirm') {
    const question =
      mode.intent.kind === 'stop-agent'
        ? `stop ${mode.intent.agentName} on ${mode.intent.taskId} #${mode.intent.attempt}? the attempt fails; the task restarts (blocked if out of retries)`
        : 'stop the whole run? every agent stops, attempts close as interrupted, the run ends';
    row = [
      { text: 'y/n ', colour: theme.text.key, bold: true },
      { text: question, colour: theme.notice.warn, bold: true },
    ];
  } else if (mode.kind === 'filter') {
    row = [
      { text: 'filter: ', colour: theme.accent, bold: true },
      { text: mode.draft },
      { text: '▏', colour: theme.accent },
      { text: '  enter keeps · esc cancels', colour: theme.text.dim },
    ];
  } else if (state.notice) row = [{ text: state.notice.text, colour: theme.notice[state.notice.level] }];
  else if (outcome !== null)
    row = [
      { text: `run ended (${outcome})`, bold: true },
      { text: ' — this is the final state; q leaves the board', colour: theme.text.dim },
    ];
  else if (state.filter) row = [{ text: `filter: ${state.filter} (esc clears)`, colour: theme.text.dim }];
  return <Lines rows={[row]} width={width} height={1} />;
}
