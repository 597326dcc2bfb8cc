/** The key reader: bursts, escape sequences and bracketed paste split into keys in order. */
import { describe, expect, it } from 'vitest';
import { KeyReader } from '../../source/ui/keys/key-reader.js';

const names = (reader: KeyReader, chunk: string): string[] =>
  reader.feed(chunk).map((token) => (token.kind === 'key' ? token.name : `paste:${token.text}`));

describe('KeyReader', () => {
  it('splits a burst into keys: text, arrows, tab, shift-tab, enter, ctrl keys, esc', () => {
    const reader = new KeyReader();
    expect(names(reader, 'ab\x1b[A\x1b[B\t\x1b[Z\r\n\x15\x7f\x1b[5~\x1bOA日\x1b')).toEqual([
      'a',
      'b',
      'up',
      'down',
      'tab',
      'shift-tab',
      'enter',
      'ctrl-u',
      'backspace',
      'pageup',
      'up',
      '日',
      'esc',
    ]);
  });

  it('keeps a bracketed paste whole, across chunks, line breaks included', () => {
    const reader = new KeyReader();
    expect(names(reader, 'x\x1b[200~one\ntw')).toEqual(['x']);
    expect(names(reader, 'o\x1b[201~y')).toEqual(['paste:one\ntwo', 'y']);
  });
});
