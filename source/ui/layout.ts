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
}

/** Header lines, the notice line and the footer line around the body. */
export const CHROME_LINES = { header: 2, notice: 1, footer: 1 } as const;

/** Columns from which panes sit side by side. */
export const WIDE_COLUMNS = 120;

/** The smallest size the board lays out for; smaller terminals get this and are clipped. */
export const MIN_SIZE: TerminalSize = { columns: 40, rows: 12 };

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

/** The layout for `size` with `agentCount` agents (the agents pane is sized to its rows). */
export function computeLayout(size: TerminalSize, agentCount: number): BoardLayout {
  const width = Math.max(MIN_SIZE.columns, size.columns);
  const height = Math.max(MIN_SIZE.rows, size.rows) - 1;
  const bodyHeight = height - CHROME_LINES.header - CHROME_LINES.notice - CHROME_LINES.footer;
  const agentRows = Math.max(1, agentCount) + 1;
  if (width >= WIDE_COLUMNS) {
    const tasksWidth = Math.floor(width * 0.42);
    // One column of space between the two sides.
    const rightWidth = width - tasksWidth - 1;
    const agentsHeight = clamp(agentRows, 3, Math.floor(bodyHeight * 0.4));
    return {
      width,
      height,
      wide: true,
      bodyHeight,
      tasks: { width: tasksWidth, height: bodyHeight },
      agents: { width: rightWidth, height: agentsHeight },
      log: { width: rightWidth, height: bodyHeight - agentsHeight },
    };
  }
  const tasksHeight = Math.floor(bodyHeight * 0.4);
  const agentsHeight = clamp(agentRows, 2, Math.floor(bodyHeight * 0.3));
  return {
    width,
    height,
    wide: false,
    bodyHeight,
    tasks: { width, height: tasksHeight },
    agents: { width, height: agentsHeight },
    log: { width, height: bodyHeight - tasksHeight - agentsHeight },
  };
}

/** The first index of a `height`-row window over `count` rows that keeps `selected` in view. */
export function windowStart(count: number, height: number, selected: number): number {
  if (count <= height || selected < 0) return 0;
  return clamp(selected - Math.floor(height / 2), 0, count - height);
}
