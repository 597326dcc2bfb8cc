/**
 * Raw terminal input to keys, in order: a chunk may hold many keys (typed in a burst, arriving
 * together over ssh) or a paste. Escape sequences (CSI, SS3), control characters and bracketed
 * paste (ESC[200~ … ESC[201~, across chunks) are recognised; everything else is one key per
 * character. Names match keys/bindings.ts (`j`, `down`, `ctrl-u`, `shift-tab`, `enter`).
 */

/** One thing the user did. */
export type KeyToken =
  /** `text` is set for a printable character (what it types in a text field). */
  | { readonly kind: 'key'; readonly name: string; readonly text?: string }
  /** Text pasted with bracketed paste (line breaks kept). */
  | { readonly kind: 'paste'; readonly text: string };

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

/** CSI/SS3 final bytes (and `n~` numbers) to key names. */
const FINAL: Readonly<Record<string, string>> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
  Z: 'shift-tab',
};
const TILDE: Readonly<Record<string, string>> = {
  '1': 'home',
  '7': 'home',
  '4': 'end',
  '8': 'end',
  '3': 'delete',
  '5': 'pageup',
  '6': 'pagedown',
};

function controlName(code: number): string | undefined {
  if (code === 0x0d || code === 0x0a) return 'enter';
  if (code === 0x09) return 'tab';
  if (code === 0x7f || code === 0x08) return 'backspace';
  if (code === 0x1d) return 'ctrl-]';
  if (code === 0x00) return 'ctrl-space';
  if (code >= 0x01 && code <= 0x1a) return `ctrl-${String.fromCharCode(code + 0x60)}`;
  return undefined;
}

/** A reader keeps the state of an unfinished paste between chunks. */
export class KeyReader {
  private paste: string | undefined;

  /** The keys of one chunk of input, in order. */
  feed(chunk: string): KeyToken[] {
    const out: KeyToken[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.paste !== undefined) {
        const end = chunk.indexOf(PASTE_END, i);
        if (end === -1) {
          this.paste += chunk.slice(i);
          return out;
        }
        out.push({ kind: 'paste', text: this.paste + chunk.slice(i, end) });
        this.paste = undefined;
        i = end + PASTE_END.length;
        continue;
      }
      if (chunk.startsWith(PASTE_START, i)) {
        this.paste = '';
        i += PASTE_START.length;
        continue;
      }
      const code = chunk.charCodeAt(i);
      if (code === 0x1b) {
        const next = chunk[i + 1];
        if (next === '[' || next === 'O') {
          // Parameters and intermediates, then one final byte in @..~.
          let j = i + 2;
          while (j < chunk.length && !(chunk.charCodeAt(j) >= 0x40 && chunk.charCodeAt(j) <= 0x7e)) j += 1;
          const params = chunk.slice(i + 2, j);
          const final = chunk[j] ?? '';
          i = j + 1;
          const name = final === '~' ? TILDE[params.split(';')[0] ?? ''] : FINAL[final];
          if (name) out.push({ kind: 'key', name });
          continue;
        }
        if (next === '\x1b') {
          out.push({ kind: 'key', name: 'esc' });
          i += 1;
          continue;
        }
        if (next !== undefined) {
          // Alt/meta + a key: the board binds none; drop both bytes.
          i += 2;
          continue;
        }
        out.push({ kind: 'key', name: 'esc' });
        i += 1;
        continue;
      }
      const control = controlName(code);
      if (control !== undefined) {
        // CRLF is one enter.
        i += code === 0x0d && chunk[i + 1] === '\n' ? 2 : 1;
        out.push({ kind: 'key', name: control });
        continue;
      }
      const char = String.fromCodePoint(chunk.codePointAt(i) ?? code);
      i += char.length;
      if (code >= 0x20) out.push({ kind: 'key', name: char, text: char });
    }
    return out;
  }
}
