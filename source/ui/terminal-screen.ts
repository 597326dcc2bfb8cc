/**
 * The alternate screen and the cursor: entered when the board opens and restored on every way out
 * (normal leave, a thrown error, process exit, SIGTERM/SIGINT, SIGHUP from a dropped ssh link).
 * Ink 6 has no alternate-screen option, so the board writes the sequences itself (DESIGN.md §7).
 */

/** Enter the alternate screen, hide the cursor, turn on bracketed paste (keys/key-reader.ts). */
export const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[?25l\x1b[?2004h';
/** Bracketed paste off, show the cursor, leave the alternate screen. */
export const LEAVE_ALT_SCREEN = '\x1b[?2004l\x1b[?25h\x1b[?1049l';

/** Signals after which the terminal must be restored. */
const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** A held alternate screen. */
export interface ScreenGuard {
  /** Restores the terminal (idempotent) and removes the process handlers. */
  readonly release: () => void;
}

function safeWrite(stream: NodeJS.WriteStream, data: string): void {
  try {
    stream.write(data);
  } catch {
    // The terminal may be gone (SIGHUP after an ssh drop): nothing left to restore.
  }
}

/**
 * Enters the alternate screen on `stdout` and guards it: process 'exit' and the signals restore it.
 * A signal is re-raised after restoring when nobody else listens, so its default (ending the
 * process) still happens; `onSignal` lets the board close itself first.
 */
export function holdAlternateScreen(
  stdout: NodeJS.WriteStream,
  onSignal: (signal: NodeJS.Signals) => void,
): ScreenGuard {
  let released = false;
  const handlers = new Map<NodeJS.Signals, () => void>();
  const restore = (): void => {
    if (released) return;
    released = true;
    safeWrite(stdout, LEAVE_ALT_SCREEN);
  };
  const removeHandlers = (): void => {
    process.off('exit', restore);
    for (const [signal, handler] of handlers) process.off(signal, handler);
    handlers.clear();
  };
  for (const signal of SIGNALS) {
    const handler = (): void => {
      removeHandlers();
      // Close the board first: Ink writes its last frame on unmount, which must land before we
      // leave the alternate screen, not after.
      onSignal(signal);
      restore();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  process.on('exit', restore);
  safeWrite(stdout, ENTER_ALT_SCREEN);
  return {
    release: () => {
      restore();
      removeHandlers();
    },
  };
}
