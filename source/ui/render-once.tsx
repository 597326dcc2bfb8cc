/**
 * Renders an Ink element once to a string, for one-shot views such as `task list`.
 * Ink lays out to `stdout.columns`; a pipe has none, so the caller gives the width.
 */
import { EventEmitter } from 'node:events';
import type { ReactElement } from 'react';
import { render } from 'ink';

/** A minimal writable stream that keeps the last frame Ink wrote (debug mode writes whole frames). */
class FrameSink extends EventEmitter {
  frame = '';
  readonly isTTY = false;
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write(chunk: string): boolean {
    this.frame = chunk;
    return true;
  }
}

/** The text of `element` laid out `columns` wide, without a trailing newline. */
export function renderOnce(element: ReactElement, columns: number): string {
  const sink = new FrameSink(columns, 10_000);
  const instance = render(element, {
    stdout: sink as unknown as NodeJS.WriteStream,
    debug: true,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  instance.unmount();
  return sink.frame.replace(/\n+$/, '');
}
