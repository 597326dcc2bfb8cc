/**
 * Where each pane goes for a terminal size. The root is rows-1 tall: a frame as tall as the
 * terminal makes Ink clear the whole screen on every update (DESIGN.md §7).
 */
import type { TerminalSize } from './use-terminal-size.js';

/** A pane's size in cells. */
export interface PaneSize {
  readonly width: number;
  readonly height: number;
}

/** The board's geometry. */
export interface BoardLayout {
  readonly width: number;
  /** rows - 1. */
  readonly height: number;
  /** Side by side (tasks left; agents and log right) or stacked. */
  readonly wide: boolean;
  /** Height of the area between the header (+ notice line) and the footer. */
  readonly bodyHeight: number;
  readonly tasks: PaneSize;
  readonly agents: PaneSize;
  readonly log: PaneSize;
  /** The engine's events under the tasks (wide layout, when the log pane shows an agent). */
  readonly events: PaneSize | null;
}

/** What the panes' content asks for; the layout gives each what it needs within bounds. */
export interface LayoutNeeds {
  /** Rows of the agents pane (or the end-of-run summary), its title rule included. */
  readonly agentRows: number;
  /** Rows of the task pane with every task shown, title rule included. */
  readonly taskRows: number;
  /** Columns of the task pane's widest row. */
  readonly taskColumns: number;
  /** True when the log pane shows an agent, so the engine's events want a pane of their own. */
  readonly events: boolean;
}

/** Header lines, the notice line and the footer line around the body. */
export const CHROME_LINES = { header: 2, notice: 1, footer: 1 } as const;

/** Columns from which panes sit side by side. */
export const WIDE_COLUMNS = 120;

/** The smallest size the board lays out for; smaller terminals get this and are clipped. */
export const MIN_SIZE: TerminalSize = { columns: 40, rows: 12 };

/** Rows the log pane keeps however many tasks there are (stacked layout). */
const MIN_LOG_ROWS = 5;
/** Rows an events pane needs to be worth showing under the tasks. */
const MIN_EVENTS_ROWS = 6;

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

/**
 * The layout for `size`. Panes take the rows their content needs and the log the rest, so the
 * whole terminal is used: side by side from WIDE_COLUMNS (the task column as wide as its rows,
 * within 30–50% of the width), stacked below it.
 */
export function computeLayout(size: TerminalSize, needs: LayoutNeeds): BoardLayout {
  const width = Math.max(MIN_SIZE.columns, size.columns);
  const height = Math.max(MIN_SIZE.rows, size.rows) - 1;
  const bodyHeight = height - CHROME_LINES.header - CHROME_LINES.notice - CHROME_LINES.footer;
  if (width >= WIDE_COLUMNS) {
    const tasksWidth = clamp(needs.taskColumns, Math.floor(width * 0.3), Math.floor(width * 0.5));
    // One column of space between the two sides.
    const rightWidth = width - tasksWidth - 1;
    const agentsHeight = clamp(needs.agentRows, 3, Math.floor(bodyHeight * 0.4));
    const tasksHeight = clamp(needs.taskRows, 3, bodyHeight);
    const eventsHeight = bodyHeight - tasksHeight;
    const events = needs.events && eventsHeight >= MIN_EVENTS_ROWS;
    return {
      width,
      height,
      wide: true,
      bodyHeight,
      tasks: { width: tasksWidth, height: events ? tasksHeight : bodyHeight },
      agents: { width: rightWidth, height: agentsHeight },
      log: { width: rightWidth, height: bodyHeight - agentsHeight },
      events: events ? { width: tasksWidth, height: eventsHeight } : null,
    };
  }
  const agentsHeight = clamp(needs.agentRows, 2, Math.floor(bodyHeight * 0.3));
  const tasksHeight = clamp(needs.taskRows, 3, bodyHeight - agentsHeight - MIN_LOG_ROWS);
  return {
    width,
    height,
    wide: false,
    bodyHeight,
    tasks: { width, height: tasksHeight },
    agents: { width, height: agentsHeight },
    log: { width, height: bodyHeight - tasksHeight - agentsHeight },
    events: null,
  };
}

/** The first index of a `height`-row window over `count` rows that keeps `selected` in view. */
export function windowStart(count: number, height: number, selected: number): number {
  if (count <= height || selected < 0) return 0;
  return clamp(selected - Math.floor(height / 2), 0, count - height);
}
