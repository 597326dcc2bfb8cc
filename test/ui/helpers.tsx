/**
 * Rendering helpers for board tests: the Board at an exact size through ink-testing-library,
 * key sequences, and `waitFor` that polls frames against a deadline (the board publishes engine
 * updates every 100 ms, so assertions wait for frames instead of sleeping).
 */
import React from 'react';
import { render } from 'ink-testing-library';
import { Board } from '../../source/ui/Board.js';
import type { BoardExit } from '../../source/ui/run-board.js';
import type { FakeClient } from './fake-client.js';
import { waitFor as waitUntil } from '../support/wait.js';

/** Key sequences as a terminal sends them. */
export const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  backspace: '\x7f',
  pageUp: '\x1b[5~',
  ctrlC: '\x03',
  detach: '\x1d',
} as const;

/** Options of renderBoard. */
export interface RenderBoardOptions {
  readonly columns?: number;
  readonly rows?: number;
  readonly readonly?: boolean;
  readonly noColor?: boolean;
}

/** Renders the board for `client`; `exits` collects what onExit was called with. */
export function renderBoard(client: FakeClient, options: RenderBoardOptions = {}) {
  const exits: BoardExit[] = [];
  const size = { columns: options.columns ?? 100, rows: options.rows ?? 30 };
  const instance = render(
    <Board
      client={client}
      size={size}
      readonly={options.readonly}
      noColor={options.noColor ?? true}
      onExit={(exit) => exits.push(exit)}
    />,
  );
  return { ...instance, exits, frame: () => instance.lastFrame() ?? '' };
}

/** Polls `check` until it returns true (or stops throwing), failing with `describe()` (the frame) after `timeoutMs`. */
export function waitFor(
  check: () => boolean,
  describe: () => string = () => '',
  timeoutMs = 15_000,
): Promise<void> {
  const holds = (): boolean => {
    try {
      return check();
    } catch {
      return false;
    }
  };
  return waitUntil(holds, () => `the frame\n${describe()}`, timeoutMs);
}

/** Waits until the current frame contains every one of `texts`. */
export function waitForText(frame: () => string, ...texts: string[]): Promise<void> {
  return waitFor(
    () => texts.every((text) => frame().includes(text)),
    () => `expected ${JSON.stringify(texts)} in:\n${frame()}`,
  );
}

/** Strips ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g'), '');
}
