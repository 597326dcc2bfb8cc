/**
 * What the log pane shows: the selected agent's terminal screen, or its structured output lines
 * (`l` toggles), or, with no agent selected, the engine's recent event lines.
 */
import type { AgentView, EventLine } from '../protocol/types.js';
import { clockTime, plainLine } from './format.js';
import type { Row } from './Lines.js';
import type { Theme } from './theme.js';
import type { PtyScreen } from './use-pty-screen.js';

/** The log pane's title and rows, oldest first. */
export interface LogContent {
  readonly title: string;
  readonly rows: readonly Row[];
}

/** Inputs of `logContent`. */
export interface LogSources {
  readonly agent: AgentView | null;
  readonly view: 'screen' | 'events';
  readonly screen: PtyScreen;
  readonly outputLines: readonly string[];
  readonly recent: readonly EventLine[];
  readonly theme: Theme;
}

/** One engine event line as a row: time, then the message in its level's colour. */
export function eventRow(line: EventLine, theme: Theme): Row {
  return [
    { text: `${clockTime(line.at)} `, colour: theme.text.dim },
    { text: plainLine(line.message), colour: theme.level[line.level] },
  ];
}

/** Chooses and formats the log pane's lines. */
export function logContent({ agent, view, screen, outputLines, recent, theme }: LogSources): LogContent {
  if (!agent) {
    return { title: 'log · engine events', rows: recent.map((line) => eventRow(line, theme)) };
  }
  const own = recent.filter((line) => line.agentId === agent.id || line.taskId === agent.taskId);
  if (view === 'screen' && screen.received) {
    return { title: `log · ${agent.name} · terminal`, rows: screen.lines.map((line) => [{ text: line }]) };
  }
  const lines = outputLines.map((line): Row => [{ text: plainLine(line) }]);
  const rows = lines.length > 0 ? lines : own.map((line) => eventRow(line, theme));
  const note = view === 'screen' ? ' (no terminal output yet)' : '';
  return { title: `log · ${agent.name} · events${note}`, rows };
}
