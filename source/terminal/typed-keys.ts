/**
 * Keys typed into an agent's terminal (the board's passthrough), known by value: a terminal echoes
 * a key a keystroke at a time, and other output may land between two keystrokes, so the echo can
 * reach a log or a screen in pieces that no key pattern matches. What was typed says which pieces
 * to mask (`maskPieces`).
 */
import { secretParts } from '../security/secrets.js';

/** Known secrets kept per terminal, newest last. */
const MAX_KNOWN = 32;

/** What was typed into one terminal, and the keys it held. */
export interface TypedSecrets {
  /** Feeds typed input: keystrokes, a paste. */
  readonly type: (data: string) => void;
  /** True while a line is being typed: it has text and has not ended. */
  readonly typing: () => boolean;
  /** The secret parts of every key typed so far, the line still being typed included. */
  readonly known: () => readonly string[];
}

/**
 * Follows the line being typed as a terminal's line editing does: Enter, Ctrl-C and Ctrl-D end it,
 * Backspace takes back a character, Ctrl-U clears it and Ctrl-W a word; escape sequences (arrows,
 * bracketed-paste markers) are not text.
 */
export function createTypedSecrets(): TypedSecrets {
  let line = '';
  let ended: readonly string[] = [];
  let known: readonly string[] = [];
  const update = (current: readonly string[]): void => {
    known = current.length === 0 ? ended : [...ended, ...current];
  };
  return {
    type(data) {
      // eslint-disable-next-line no-control-regex
      const keys = data.replace(/\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?/g, '');
      for (const key of keys) {
        if (key === '\r' || key === '\n' || key === '\x03' || key === '\x04') {
          const parts = secretParts(line);
          if (parts.length > 0) ended = [...ended, ...parts].slice(-MAX_KNOWN);
          line = '';
        } else if (key === '\x7f' || key === '\b') line = line.slice(0, -1);
        else if (key === '\x15') line = '';
        else if (key === '\x17') line = line.replace(/\S*\s*$/, '');
        else if (key >= ' ') line += key;
      }
      update(secretParts(line));
    },
    typing: () => line !== '',
    known: () => known,
  };
}

/** `TypedSecrets` for each of many terminals (a board types into any agent's). */
export interface TypedKeys {
  readonly type: (terminal: string, data: string) => void;
  readonly known: (terminal: string) => readonly string[];
}

export function createTypedKeys(): TypedKeys {
  const terminals = new Map<string, TypedSecrets>();
  return {
    type(terminal, data) {
      let typed = terminals.get(terminal);
      if (!typed) terminals.set(terminal, (typed = createTypedSecrets()));
      typed.type(data);
    },
    known: (terminal) => terminals.get(terminal)?.known() ?? [],
  };
}
