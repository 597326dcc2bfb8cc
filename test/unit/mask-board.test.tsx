/**
 * The board never draws a key in clear (DESIGN.md §8): an agent's terminal, rebuilt from its raw
 * pty bytes in the board's process, is masked line by line before the log pane shows it; the
 * agent's event lines arrive masked from the engine (attempt/agent-run.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { KEY, renderBoard, waitFor, waitForText } from '../ui/helpers.js';
import { sampleClient } from '../ui/sample.js';
import { createScreen } from '../../source/terminal/screen.js';
import { piecesIn } from '../support/key-pieces.js';

afterEach(() => cleanup());

describe('the board masks secrets', () => {
  it("masks keys an agent prints on its terminal in the log pane's terminal view", async () => {
    const client = sampleClient();
    const board = renderBoard(client, { columns: 120, rows: 30 });
    await waitForText(board.frame, 'agents 1/2');
    board.stdin.write(KEY.tab);
    await waitForText(board.frame, 'log · ada');
    board.stdin.write('l');
    await waitFor(() => client.ptySubscribers().includes('agent-1'));
    const keys = [
      `sk-ant-api03-${'Q7r'.repeat(12)}`,
      'AKIAZ7Q2X9W4V6N3M8K5',
      `ghp_${'a1B2c3D4e5'.repeat(4)}`,
      'xoxb-1234567890-abcdefghijklmnop',
    ];
    client.pty(
      'agent-1',
      `${keys.map((key) => `\x1b[33mkey\x1b[0m ${key}`).join('\r\n')}\r\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\r\ndone\r\n`,
    );
    await waitForText(board.frame, 'log · ada · terminal', 'sk-ant-…****', 'AKIA…****', 'ghp_…****', 'done');
    const frame = board.frame();
    expect(frame).toContain('xoxb-…****');
    expect(frame).toContain('aws_secret_access_key = ****');
    for (const part of ['Q7rQ7rQ7r', 'Z7Q2X9W4V6N3M8K5', 'a1B2c3D4e5a1', 'abcdefghijklmnop', 'wJalrXUtnFEMI'])
      expect(frame).not.toContain(part);
  });

  it('masks both halves of a key it typed whose echo other output cut in two', async () => {
    const client = sampleClient();
    const board = renderBoard(client, { columns: 120, rows: 30 });
    await waitForText(board.frame, 'agents 1/2');
    board.stdin.write(KEY.tab);
    await waitForText(board.frame, '▶ agents');
    board.stdin.write('a');
    await waitForText(board.frame, 'attached to ada');
    client.pty('agent-1', 'Key? ');
    await waitForText(board.frame, 'Key?');
    const body = `api03-${'T9y'.repeat(14)}`;
    const key = `sk-ant-${body}`;
    // The terminal echoes each keystroke; a record line lands after the 18th.
    for (const [at, char] of [...key].entries()) {
      board.stdin.write(char);
      client.pty('agent-1', at === 17 ? `${char}{"type":"text","text":"noise"}\r\n` : char);
    }
    board.stdin.write('\r');
    client.pty('agent-1', '\r\nanswered\r\n');
    await waitFor(() => client.ptyInput().join('') === `${key}\r`);
    await waitForText(board.frame, 'answered', 'noise');
    const frame = board.frame();
    expect(piecesIn(frame, body)).toEqual([]);
  });

  it('masks a key that the terminal wrapped over two rows', async () => {
    const screen = createScreen({ cols: 40, rows: 10 });
    const key = `sk-ant-api03-${'Q7r'.repeat(12)}`;
    screen.write(`${'y'.repeat(30)} ${key}\r\nnext\r\n`);
    await screen.flush();
    const lines = screen.allLines();
    expect(lines.join('\n')).not.toMatch(/Q7r|api03/);
    expect(lines).toEqual([`${'y'.repeat(30)} sk-ant-…*`, '***', 'next']);
    screen.dispose();
  });
});
