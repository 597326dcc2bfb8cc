/**
 * The board's entry point for the CLI (`run` on a TTY, `attach`, `demo`): renders the board on the
 * alternate screen and resolves, after unmounting and restoring the terminal, with why it closed.
 * The caller owns `client` (and closes it); the board never does.
 */
import React from 'react';
import { render, type Instance } from 'ink';
import type { EngineClient } from '../protocol/types.js';
import { Board } from './Board.js';
import { ErrorBoundary } from './ErrorBoundary.js';
import { holdAlternateScreen } from './terminal-screen.js';
import type { BoardExit } from './use-board-actions.js';

export type { BoardExit } from './use-board-actions.js';

/** Options of runBoard. */
export interface RunBoardOptions {
  /** Refuse every write action ("read-only attach"). */
  readonly readonly?: boolean;
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
  /** Frame cap (nightshift.toml `[ui] max_fps`, default 10). */
  readonly maxFps?: number;
  /** Shown first in the header (default "nightshift"). */
  readonly title?: string;
}

/** Default frame cap: engine updates are batched at 100 ms anyway (DESIGN.md §7). */
export const DEFAULT_MAX_FPS = 10;

/**
 * Shows the board until the user leaves (`left`), asks to stop the run (`stop-requested`), or the
 * engine ends (`engine-ended`) or cannot be reached any more (`connection-closed`).
 */
export async function runBoard(client: EngineClient, options: RunBoardOptions = {}): Promise<BoardExit> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  let instance: Instance | undefined;
  let exit: BoardExit | undefined;
  let failure: Error | undefined;
  let closing = false;
  const unmount = (): void => {
    if (closing) return;
    closing = true;
    instance?.unmount();
  };
  const close = (reason: BoardExit): void => {
    exit ??= reason;
    unmount();
  };
  const fail = (error: Error): void => {
    failure ??= error;
    unmount();
  };
  const guard = holdAlternateScreen(stdout, () => close('left'));
  try {
    const board = (
      <ErrorBoundary onError={fail}>
        <Board client={client} readonly={options.readonly ?? false} title={options.title} onExit={close} />
      </ErrorBoundary>
    );
    instance = render(board, {
      stdout,
      stdin,
      maxFps: options.maxFps ?? DEFAULT_MAX_FPS,
      incrementalRendering: true,
      exitOnCtrlC: false,
      patchConsole: false,
    });
    // Ink 6.6 creates the exit promise lazily and never settles one made after unmount: take it
    // before anything can unmount.
    const exited = instance.waitUntilExit();
    // The board may have asked to close (or failed) before render() returned.
    if (exit !== undefined || failure !== undefined) instance.unmount();
    await exited;
    if (failure) throw failure;
    return exit ?? 'left';
  } finally {
    guard.release();
  }
}
