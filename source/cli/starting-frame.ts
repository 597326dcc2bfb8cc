/**
 * The frame `attach`, `run` and `demo` show at once, before the board can draw: loading the board
 * and reaching the engine take seconds on a loaded machine.
 */
import { ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN } from '../ui/terminal-screen.js';
import { displayText } from '../ui/text.js';

/** A first frame shown before the board can draw, until the board takes the screen over. */
export interface StartingFrame {
  /** Says what it waits for now (the engine answered; the snapshot is next). */
  readonly update: (waitingFor: string) => void;
  /** The board is about to draw on the alternate screen: leave it as it is. */
  readonly handOver: () => void;
  /** Nothing will draw (an error, the line view): back to the normal screen. Idempotent. */
  readonly release: () => void;
}

/**
 * Draws a first frame at once, on the alternate screen: loading the board and starting or
 * reaching the engine take seconds on a loaded machine, and a blank terminal after Enter looks
 * hung. Says what it waits for; the board replaces it with its own first frame.
 */
export function showStartingFrame(title: string, waitingFor: string): StartingFrame {
  let open = true;
  const stdout = process.stdout;
  let shown = '';
  const frame = (what: string): string =>
    `\x1b[2J\x1b[H${displayText(title)}\r\n\r\n${what.split('\n').map(displayText).join('\r\n')}\r\n\r\n` +
    '(the board opens as soon as the engine answers; q leaves it, the run goes on)';
  const draw = (what: string): void => {
    if (what === shown) return;
    shown = what;
    stdout.write(frame(what));
  };
  // One write: the alternate screen is never seen empty, even when the process is slow to go on.
  shown = waitingFor;
  stdout.write(ENTER_ALT_SCREEN + frame(waitingFor));
  const restore = (): void => {
    if (!open) return;
    open = false;
    process.off('exit', restore);
    stdout.write(LEAVE_ALT_SCREEN);
  };
  process.on('exit', restore);
  return {
    update: (what) => {
      if (open) draw(what);
    },
    handOver: () => {
      open = false;
      process.off('exit', restore);
    },
    release: restore,
  };
}
