/**
 * The terminal log masks a key typed into the agent's terminal even when other output cut its echo
 * into pieces that no key pattern matches (DESIGN.md §8): the interleaving a loaded machine gave in
 * mask-typed-input.test.ts, where the agent's tee wrote its record lines between two keystrokes.
 */
import { describe, expect, it } from 'vitest';
import { createTerminalLog, type LogFile } from '../../source/agents/terminal-log.js';
import { maskPieces, secretParts } from '../../source/security/secrets.js';
import { piecesIn } from '../support/key-pieces.js';

const BODY = `api03-${'T9y'.repeat(14)}`;
const KEY = `sk-ant-${BODY}`;
const QUESTION = 'Apply the simulated changes? [y/N] ';
const RECORD_LINE = '{"type":"question","text":"Apply the simulated changes? [y/N]"}\r\n';

/** A log that keeps what it was given, with a clock the test moves. */
function captured(): { file: LogFile; text: () => string; clock: { now: number } } {
  let text = '';
  return {
    file: {
      write: (chunk) => (text += chunk),
      end: (last = '') => {
        text += last;
        return Promise.resolve();
      },
    },
    text: () => text,
    clock: { now: 1_000 },
  };
}

/** Every run of four characters of the key's secret part that `text` holds. */
const pieces = (text: string): string[] => piecesIn(text, BODY);

describe('a terminal log with a key typed into it', () => {
  it('masks both halves of an echo that a record line cut in two', async () => {
    const log = captured();
    const terminal = createTerminalLog(log.file, () => log.clock.now);
    terminal.output(QUESTION);
    const typed = `${KEY}\r`;
    const cut = 18; // `sk-ant-api03-T9yT9`: 11 characters after the prefix, short of a key
    for (const key of typed.slice(0, cut)) {
      terminal.input(key);
      terminal.output(key); // the terminal's echo
    }
    terminal.output(RECORD_LINE);
    for (const key of typed.slice(cut)) {
      terminal.input(key);
      terminal.output(key === '\r' ? '\r\n' : key);
    }
    terminal.output('The user answered; stopping.\r\n');
    await terminal.end();
    expect(pieces(log.text())).toEqual([]);
    expect(log.text()).toContain(RECORD_LINE);
    expect(log.text()).toContain('The user answered; stopping.');
    expect(log.text().startsWith(`${QUESTION}sk-ant-****`)).toBe(true);
  });

  it('masks an echo that arrives after Enter was typed', async () => {
    const log = captured();
    const terminal = createTerminalLog(log.file, () => log.clock.now);
    terminal.output(QUESTION);
    terminal.input(`${KEY.slice(0, 20)}`);
    terminal.output(`${KEY.slice(0, 20)}`);
    terminal.output(RECORD_LINE);
    terminal.input(`${KEY.slice(20)}\r`);
    terminal.output(`${KEY.slice(20)}\r\n`);
    await terminal.end();
    expect(pieces(log.text())).toEqual([]);
  });

  it('knows the key as corrected with Backspace, and forgets what Ctrl-U cleared', async () => {
    const log = captured();
    const terminal = createTerminalLog(log.file, () => log.clock.now);
    terminal.input('not a key at all\x15');
    terminal.input(`${KEY.slice(0, 30)}x\x7f${KEY.slice(30)}\r`);
    terminal.output(`${BODY.slice(0, 10)}\r\n${BODY.slice(10)}\r\nnot a key at all\r\n`);
    await terminal.end();
    expect(pieces(log.text())).toEqual([]);
    expect(log.text()).toContain('not a key at all');
  });

  it('writes what is typed without a key as it is, once the line ends', () => {
    const log = captured();
    const terminal = createTerminalLog(log.file, () => log.clock.now);
    terminal.output(`${QUESTION}\r\n`);
    terminal.input('y');
    terminal.output('y');
    terminal.output('working\r\n');
    expect(log.text()).toBe(`${QUESTION}\r\n`);
    terminal.input('\r');
    expect(log.text()).toBe(`${QUESTION}\r\nyworking\r\n`);
  });

  it('stops holding output once typing pauses, and when much is held', () => {
    const log = captured();
    const terminal = createTerminalLog(log.file, () => log.clock.now);
    terminal.input('half a line');
    terminal.output('busy\r\n');
    expect(log.text()).toBe('');
    log.clock.now += 5_000;
    terminal.output('still busy\r\n');
    expect(log.text()).toBe('busy\r\nstill busy\r\n');
    terminal.input(' more');
    terminal.output(`${'x'.repeat(300 * 1024)}\r\n`);
    expect(log.text().length).toBeGreaterThan(300 * 1024);
  });
});

describe('secretParts', () => {
  it('is what the mask replaces, without the prefix it keeps', () => {
    expect(secretParts(`token ${KEY} end`)).toEqual([BODY]);
    expect(secretParts('export DB_PASSWORD="hunter22xyz"')).toEqual(['hunter22xyz']);
    expect(secretParts('aws AKIAIOSFODNN7EXAMPLE ok')).toEqual(['IOSFODNN7EXAMPLE']);
    expect(secretParts('no key here')).toEqual([]);
  });
});

describe('maskPieces', () => {
  it('masks each run of four or more characters of a known secret, as many stars', () => {
    expect(maskPieces(`a ${BODY.slice(5, 17)} b ${BODY.slice(0, 3)}`, [BODY])).toBe(
      `a ${'*'.repeat(12)} b ${BODY.slice(0, 3)}`,
    );
  });

  it('masks a short secret only whole', () => {
    expect(maskPieces('hunt hunter22 hunter', ['hunter22'])).toBe('hunt ******** hunter');
  });
});
