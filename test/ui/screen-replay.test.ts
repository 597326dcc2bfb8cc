/**
 * A board that starts watching an agent late still sees what the agent printed: the engine's
 * headless screen replays its scrollback, screen and cursor to the new watcher, and the bytes that
 * follow land where they would have on the agent's own terminal.
 */
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { createScreen } from '../../source/terminal/screen.js';

/** The text of a terminal that received `chunks`, trailing blank lines dropped. */
async function textOf(chunks: readonly string[], cols = 80, rows = 10): Promise<string[]> {
  const terminal = new xterm.Terminal({ cols, rows, scrollback: 500, allowProposedApi: true });
  for (const chunk of chunks) await new Promise<void>((resolve) => terminal.write(chunk, resolve));
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let row = 0; row < buffer.length; row += 1)
    lines.push(buffer.getLine(row)?.translateToString(true) ?? '');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  terminal.dispose();
  return lines;
}

function replayOf(screen: ReturnType<typeof createScreen>): Promise<string> {
  return new Promise((resolve) => screen.replay(resolve));
}

describe('screen replay', () => {
  it('redraws a question asked before the watcher came, and later bytes continue it', async () => {
    const screen = createScreen({ cols: 60, rows: 8 });
    for (let i = 1; i <= 20; i += 1) screen.write(`line ${i}\r\n`);
    screen.write('\x1b[1mOverwrite config.json?\x1b[0m [y/n] ');
    const replay = await replayOf(screen);
    // What the agent prints next (its answer echo) lands after the question, as on its terminal.
    const lines = await textOf([replay, 'y\r\nwrote config.json\r\n']);
    expect(lines.slice(0, 3)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(lines.slice(-3)).toEqual(['line 20', 'Overwrite config.json? [y/n] y', 'wrote config.json']);
    screen.dispose();
  });

  it('keeps a wrapped line whole and the cursor where it was above later lines', async () => {
    const screen = createScreen({ cols: 20, rows: 6 });
    screen.write('a'.repeat(30) + '\r\nsecond\r\nthird');
    // Cursor back to the start of "second": a progress line redrawn in place.
    screen.write('\x1b[1A\r');
    const replay = await replayOf(screen);
    const lines = await textOf([replay, 'SECOND'], 80);
    expect(lines).toEqual(['a'.repeat(30), 'SECOND', 'third']);
    screen.dispose();
  });

  it('replays exactly what was written before the call, whatever follows at once', async () => {
    const screen = createScreen({ cols: 40, rows: 5 });
    screen.write('before\r\n');
    const replay = replayOf(screen);
    screen.write('after\r\n');
    expect(await textOf([await replay])).toEqual(['before']);
    screen.dispose();
  });
});
