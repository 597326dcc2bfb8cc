/**
 * A headless terminal: pty bytes go in, text comes out. The engine keeps one per agent for the
 * state classifier and the board's snapshot; the board keeps one for the selected agent's live log.
 * Parsing is xterm's job (cursor moves, clears, wide glyphs) so spinners and redraws that a line
 * log cannot represent still read correctly.
 */
import xterm from '@xterm/headless';
import { maskPieces, maskSecrets } from '../security/secrets.js';

/** One agent's virtual terminal. */
export interface AgentScreen {
  /** Feeds terminal output (parsed asynchronously, in order); `parsed` runs once it is parsed. */
  readonly write: (data: string, parsed?: () => void) => void;
  /** The visible lines, each trimmed on the right, joined with newlines; trailing blank lines dropped. */
  readonly snapshot: () => string;
  /**
   * Scrollback and screen, oldest first, each trimmed on the right; trailing blank lines dropped.
   * Secrets are masked (security/secrets.ts), a key wrapped over two rows included: these lines are
   * what the board draws of an agent's terminal. Every piece of a `known` secret is masked too (a
   * key typed here, whose echo other output may have cut: terminal/typed-keys.ts).
   */
  readonly allLines: (known?: readonly string[]) => string[];
  readonly resize: (cols: number, rows: number) => void;
  /** Resolves once everything written so far has been parsed (tests, final snapshots). */
  readonly flush: () => Promise<void>;
  /**
   * Calls `listener` with bytes that redraw this screen (scrollback, screen, cursor) on another
   * terminal, once everything written before the call has been parsed: what a client that starts
   * watching now needs before the live bytes (attach shows what the agent printed earlier).
   */
  readonly replay: (listener: (data: string) => void) => void;
  readonly cols: () => number;
  readonly rows: () => number;
  readonly dispose: () => void;
}

/** Size and memory bound of a screen. */
export interface ScreenOptions {
  readonly cols: number;
  readonly rows: number;
  /** Lines kept above the viewport. Bounded so that a chatty agent cannot grow memory. Default 1000. */
  readonly scrollback?: number;
}

/** A new, empty screen. */
export function createScreen(options: ScreenOptions): AgentScreen {
  // @xterm/headless is CommonJS whose named exports Node's lexer cannot see: take them off default.
  const terminal = new xterm.Terminal({
    cols: options.cols,
    rows: options.rows,
    scrollback: options.scrollback ?? 1000,
    // Reading the buffer (terminal.buffer) is "proposed API" in the headless build.
    allowProposedApi: true,
    // Agents print plain '\n' when their stdout is a pipe tee'd into the pty; the pty's onlcr turns
    // it into CRLF already, but a raw '\n' written by a fake pty in tests should not stair-step.
    convertEol: true,
  });
  return {
    write: (data, parsed) => terminal.write(data, parsed),
    snapshot: () => {
      const buffer = terminal.buffer.active;
      const lines: string[] = [];
      for (let row = 0; row < terminal.rows; row += 1) {
        lines.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
      }
      while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      return lines.join('\n');
    },
    allLines: (known = []) => {
      const buffer = terminal.buffer.active;
      const lines: string[] = [];
      const cols = terminal.cols;
      // Rows wrapped from the one above form one logical line: masked whole, then cut again.
      let group: string[] = [];
      const flushGroup = (): void => {
        if (group.length === 0) return;
        const joined = group.join('');
        const masked = maskPieces(maskSecrets(joined), known);
        if (masked === joined) lines.push(...group.map((row) => row.trimEnd()));
        else
          for (let at = 0; at < Math.max(1, masked.length); at += cols)
            lines.push(masked.slice(at, at + cols).trimEnd());
        group = [];
      };
      for (let row = 0; row < buffer.length; row += 1) {
        const line = buffer.getLine(row);
        if (!line?.isWrapped) flushGroup();
        group.push(line?.translateToString(false) ?? '');
      }
      flushGroup();
      while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      return lines;
    },
    resize: (cols, rows) => terminal.resize(Math.max(1, cols), Math.max(1, rows)),
    flush: () => new Promise<void>((resolve) => terminal.write('', resolve)),
    // xterm runs a write's callback right after parsing that write, before later ones: the
    // buffer then holds exactly what was written before this call.
    replay: (listener) => terminal.write('', () => listener(replayBytes(terminal))),
    cols: () => terminal.cols,
    rows: () => terminal.rows,
    dispose: () => terminal.dispose(),
  };
}

/** Clear the screen and its scrollback, cursor home. */
const CLEAR_ALL = '\x1b[2J\x1b[3J\x1b[H';

/**
 * The text of `terminal`'s scrollback and screen as bytes for another terminal: lines that wrap
 * stay one line (so a wider terminal shows them unbroken), then the cursor goes where it was.
 * Colours are not kept: boards read the text.
 */
function replayBytes(terminal: xterm.Terminal): string {
  const buffer = terminal.buffer.active;
  const cursorRow = buffer.baseY + buffer.cursorY;
  let last = cursorRow;
  for (let row = buffer.length - 1; row > cursorRow; row -= 1) {
    if ((buffer.getLine(row)?.translateToString(true) ?? '') !== '') {
      last = row;
      break;
    }
  }
  let out = CLEAR_ALL;
  for (let row = 0; row <= last; row += 1) {
    const line = buffer.getLine(row);
    const wrapsOn = buffer.getLine(row + 1)?.isWrapped ?? false;
    if (row > 0 && !(line?.isWrapped ?? false)) out += '\r\n';
    out += line?.translateToString(!wrapsOn) ?? '';
  }
  // Relative moves put the cursor back whatever the other terminal's height.
  if (last > cursorRow) out += `\x1b[${last - cursorRow}A`;
  return `${out}\x1b[${buffer.cursorX + 1}G`;
}
