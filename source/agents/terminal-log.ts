/**
 * An attempt's terminal log (`.nightshift/logs/<run>/<task>.<n>.log`): what the agent's terminal
 * showed, with every key masked (DESIGN.md §8). Output is masked by pattern as it streams
 * (`createMasker`). A key typed into the terminal (the board's passthrough) needs more: the
 * terminal echoes it a keystroke at a time, and other output may land between two keystrokes (a
 * record line the agent's tee writes late, a redraw), so its echo reaches the log in pieces, none
 * of which spells a key. So while a line is being typed its output is held; when the line ends
 * (Enter, Ctrl-C) the keys it held are known by value, and every piece of them is masked in the
 * held output and in all output after it (`maskPieces`).
 */
import { createMasker, maskPieces } from '../security/secrets.js';
import { createTypedSecrets } from '../terminal/typed-keys.js';

/** Output held while a line is typed, at most: past it, it is written with what is known so far. */
const MAX_HELD = 256 * 1024;
/** A typed line left this long without a keystroke no longer holds output back. */
const TYPING_PAUSE_MS = 5000;

export interface TerminalLog {
  /** What the agent's terminal printed. */
  readonly output: (data: string) => void;
  /** What was typed into the agent's terminal. */
  readonly input: (data: string) => void;
  /** The secret parts of the keys typed so far (`TypedSecrets.known`). */
  readonly known: () => readonly string[];
  /** Writes whatever is held and closes the log once it is on disk. */
  readonly end: () => Promise<void>;
}

/** Where the log goes: a `CappedLog`. */
export interface LogFile {
  readonly write: (text: string) => void;
  readonly end: (last?: string) => Promise<void>;
}

export function createTerminalLog(log: LogFile, now: () => number = Date.now): TerminalLog {
  const masker = createMasker();
  const typed = createTypedSecrets();
  let held: string[] | undefined;
  let heldChars = 0;
  let lastKeystroke = 0;

  const write = (text: string): void => log.write(maskPieces(text, typed.known()));
  const release = (): void => {
    if (!held) return;
    const text = held.join('');
    held = undefined;
    heldChars = 0;
    write(text);
  };

  return {
    output(data) {
      const text = masker.push(data);
      if (held && now() - lastKeystroke >= TYPING_PAUSE_MS) release();
      if (!held) return write(text);
      held.push(text);
      heldChars += text.length;
      if (heldChars > MAX_HELD) release();
    },
    input(data) {
      lastKeystroke = now();
      typed.type(data);
      if (typed.typing()) held ??= [];
      else release();
    },
    known: () => typed.known(),
    end() {
      release();
      return log.end(maskPieces(masker.flush(), typed.known()));
    },
  };
}
