/**
 * The terminal's size, re-read on every 'resize' of Ink's stdout. Tests (and any caller that knows
 * better) pass `override` to lay the board out at an exact size.
 */
import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

/** Columns and rows of the terminal. */
export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

/** Size used when the stream does not report one (a pipe, a test stream). */
export const FALLBACK_SIZE: TerminalSize = { columns: 80, rows: 24 };

function measure(stdout: NodeJS.WriteStream): TerminalSize {
  return { columns: stdout.columns || FALLBACK_SIZE.columns, rows: stdout.rows || FALLBACK_SIZE.rows };
}

/** The current terminal size, or `override` when given. */
export function useTerminalSize(override?: TerminalSize): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState<TerminalSize>(() => measure(stdout));
  useEffect(() => {
    const onResize = (): void => setSize(measure(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return override ?? size;
}
