/**
 * The log pane: a window over the log content, following the newest line unless scrolled back.
 */
import React from 'react';
import type { LogContent } from './log-content.js';
import { Pane } from './Pane.js';

/** Props of LogPane. */
export interface LogPaneProps {
  readonly content: LogContent;
  /** Lines scrolled back from the newest (0 = follow). */
  readonly scroll: number;
  readonly focused: boolean;
  readonly width: number;
  readonly height: number;
  /** Replaces the follow/scroll hint (e.g. while attached). */
  readonly hint?: string;
}

/** The greatest useful scroll-back for `lineCount` lines in a pane of `height`. */
export function maxLogScroll(lineCount: number, height: number): number {
  return Math.max(0, lineCount - (height - 1));
}

/** The log pane. */
export function LogPane({ content, scroll, focused, width, height, hint }: LogPaneProps): React.JSX.Element {
  const visible = Math.max(0, height - 1);
  const back = Math.min(scroll, maxLogScroll(content.rows.length, height));
  const end = content.rows.length - back;
  const rows = content.rows.slice(Math.max(0, end - visible), end);
  return (
    <Pane
      title={content.title}
      hint={hint ?? (back === 0 ? 'following' : `↑${back} · f follows`)}
      focused={focused}
      width={width}
      height={height}
      rows={rows}
    />
  );
}
