/**
 * Words kept whole (issue 12): a cut title ends at a word boundary with `…`, and an agent's screen
 * shown narrower than its pty wraps at spaces, never inside a word; wide glyphs (CJK, emoji) are
 * measured by display width and never split.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { truncate } from '../../source/ui/format.js';
import { textWidth, wrapColumns } from '../../source/ui/text.js';
import { createFakeClient, makeAgent, makeRun, makeTask } from './fake-client.js';
import { KEY, renderBoard, stripAnsi, waitFor, waitForText } from './helpers.js';

afterEach(() => cleanup());

/** The words of `text` (runs of non-spaces). */
const words = (text: string): string[] => text.split(' ').filter(Boolean);

describe('titles cut at a word boundary', () => {
  it('keeps the words that fit whole, then …', () => {
    expect(truncate('Fix the parser bug', 12)).toBe('Fix the…');
    expect(truncate('Fix the parser bug', 9)).toBe('Fix the…');
    expect(truncate('Fix the parser bug', 8)).toBe('Fix the…');
    expect(truncate('Fix the parser bug', 7)).toBe('Fix…');
    expect(truncate('Fix the parser bug', 18)).toBe('Fix the parser bug');
  });

  it('cuts a single word longer than the column with …', () => {
    expect(truncate('Supercalifragilistic', 8)).toBe('Superca…');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('日本語のタイトル', 7)).toBe('日本語…');
  });

  it('measures CJK and emoji by display width and cuts between words', () => {
    const cut = truncate('修正 日本語のタイトル', 9);
    expect(cut).toBe('修正…');
    expect(textWidth(cut)).toBeLessThanOrEqual(9);
    expect(truncate('🎉 party time 🎉', 12)).toBe('🎉 party…');
  });
});

describe("an agent's screen wrapped at words", () => {
  const line =
    '  Running the test suite: 12 passed, 日本語のテスト 3 skipped 🎉 and the longest-hyphenated-identifier-here done';

  it.each([10, 17, 24, 40, 60])(
    'at %i columns: every line fits, no word is cut, nothing is lost',
    (width) => {
      const wrapped = wrapColumns(line, width);
      for (const row of wrapped) expect(textWidth(row)).toBeLessThanOrEqual(width);
      // Each word fits whole on a line unless it is wider than the line itself.
      const pieces = wrapped.flatMap(words);
      const whole = words(line).filter((word) => textWidth(word) <= width);
      for (const word of whole) expect(pieces).toContain(word);
      expect(pieces.join('')).toBe(words(line).join(''));
    },
  );

  it('keeps the indentation of the first line and drops the spaces at a break', () => {
    expect(wrapColumns('    return compute(first, second)', 20)).toEqual([
      '    return',
      'compute(first,',
      'second)',
    ]);
  });

  it('splits a word wider than the line by columns, never a wide glyph in half', () => {
    expect(wrapColumns('abcdefghij klm', 4)).toEqual(['abcd', 'efgh', 'ij', 'klm']);
    expect(wrapColumns('日本語テキスト', 5)).toEqual(['日本', '語テ', 'キス', 'ト']);
  });

  it('leaves a line that fits as it is', () => {
    expect(wrapColumns('short line', 20)).toEqual(['short line']);
  });
});

const TITLE =
  'Write the recursive descent parser for arithmetic expressions with precedence climbing, error recovery and helpful messages';

describe('on the board', () => {
  const words12 = [
    'Compiling',
    'the',
    'parser',
    'module',
    '日本語の',
    'テスト',
    '🎉',
    'with',
    'incremental',
    'caching',
    'enabled',
    'everywhere',
  ];
  const client = (): ReturnType<typeof createFakeClient> =>
    createFakeClient({
      project: 'calc',
      run: makeRun({ parallel: 1 }),
      tasks: [
        makeTask({
          id: 'parse',
          title:
            'Write the recursive descent parser for arithmetic expressions with precedence climbing, error recovery and helpful messages',
          status: 'running',
        }),
      ],
      agents: [makeAgent({ id: 'agent-1', name: 'ada', taskId: 'parse' })],
    });

  it("wraps an agent's wider screen at words in the terminal view (l), CJK and emoji included", async () => {
    const fake = client();
    const board = renderBoard(fake, { columns: 100, rows: 30 });
    await waitForText(board.frame, 'agents 1/1');
    board.stdin.write(KEY.tab);
    await waitForText(board.frame, 'log · ada');
    board.stdin.write('l');
    await waitFor(() => fake.ptySubscribers().includes('agent-1'));
    // One line of the agent's 120-column pty, wider than the log pane.
    const line = [...words12, ...words12].join(' ').slice(0, 118);
    fake.pty('agent-1', `${line}\r\n`);
    await waitForText(board.frame, 'log · ada · terminal');
    await waitFor(() => stripAnsi(board.frame()).includes('everywhere'));
    const frame = stripAnsi(board.frame());
    const logLines = frame
      .split('\n')
      .filter((row) => /Compiling|caching|テスト|incremental|module/.test(row));
    expect(logLines.length).toBeGreaterThan(1);
    // Every word of the line shows whole somewhere in the pane (the last one may be cut by the pty line's end).
    const shown = logLines.flatMap((row) => row.split(/[ │]+/));
    for (const word of line.split(' ').slice(0, -1)) expect(shown).toContain(word);
    for (const row of frame.split('\n')) expect(textWidth(row)).toBeLessThanOrEqual(100);
  });

  it.each([
    [80, 24],
    [90, 30],
    [100, 30],
    [110, 30],
  ])('cuts a long title at a word boundary with … at %ix%i', async (columns, rows) => {
    const board = renderBoard(client(), { columns, rows });
    await waitForText(board.frame, 'agents 1/1');
    const row = stripAnsi(board.frame())
      .split('\n')
      .find((text) => text.includes('parse '));
    const title = /parse\s+(Write[^…]*…)/.exec(row ?? '')?.[1] ?? '';
    expect(title, row).not.toBe('');
    const kept = title.slice(0, -1).trimEnd().split(' ');
    expect(kept, row).toEqual(TITLE.split(' ').slice(0, kept.length));
  });
});
