/**
 * What the board shows: header figures, task grouping and dependency marks, the agent pane, the
 * log pane, help generated from the binding table, NO_COLOR, layout at 80x24 and 160x45, and the
 * connection notices.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  // Any CI variable makes Ink print only the last frame; colour checks need chalk switched on.
  delete process.env['CI'];
  process.env['FORCE_COLOR'] = '1';
});

import { cleanup } from 'ink-testing-library';
import { BINDINGS } from '../../source/ui/keys/bindings.js';
import stringWidth from 'string-width';
import { createFakeClient, makeAgent, makeLine, makeRun, makeTask } from './fake-client.js';
import { KEY, renderBoard, stripAnsi, waitFor, waitForText } from './helpers.js';
import { sampleClient } from './sample.js';

afterEach(() => cleanup());

/** SGR colour parameters: 30–37, 39, 40–47, 49, 90–97, 100–107, 38;5/38;2 and 48;… */
const COLOUR_CODE = new RegExp(
  `${String.fromCharCode(27)}\\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m`,
);

function lines(frame: string): string[] {
  return stripAnsi(frame).split('\n');
}

function lineOf(frame: string, needle: string): string {
  return lines(frame).find((line) => line.includes(needle)) ?? '';
}

describe('board frames', () => {
  it('shows project, simulated backend, agents/limit, done/total, cost, elapsed and ETA in the header', async () => {
    const board = renderBoard(sampleClient());
    await waitForText(
      board.frame,
      'todo-api',
      'simulated',
      'agents 1/2',
      '1/5 done',
      '$1.25',
      '2m0',
      'ETA ',
      'running',
      '1 blocked',
    );
    // One done task took 5 minutes; 3 remain (blocked ones excluded) over 2 agents: 7m30s.
    expect(board.frame()).toContain('ETA 7m30s');
  });

  it('groups tasks by status with ready tasks before those waiting, and dependency marks', async () => {
    const board = renderBoard(sampleClient(), { columns: 100, rows: 40 });
    await waitForText(board.frame, 'running / verifying (1)', 'pending (2)', 'blocked (1)', 'done (1)');
    const text = lines(board.frame());
    const at = (needle: string): number => text.findIndex((line) => line.includes(needle));
    expect(at('running / verifying')).toBeLessThan(at('pending (2)'));
    expect(at('pending (2)')).toBeLessThan(at('blocked (1)'));
    expect(at('blocked (1)')).toBeLessThan(at('done (1)'));
    expect(at('Token auth')).toBeLessThan(at('HTTP routes'));
    expect(text[at('HTTP routes')]).toContain('⧗ waits on models,auth');
    expect(text[at('API docs')]).toContain('mkdocs missing');
    expect(text[at('Data models')]).toContain('ada #1');
  });

  it('counts the slots in use in "agents n/limit": tasks starting their agent or at the gate too', async () => {
    const board = renderBoard(
      createFakeClient({
        project: 'todo-api',
        run: makeRun({ parallel: 4 }),
        tasks: [
          makeTask({ id: 'one', title: 'First', status: 'running' }),
          makeTask({ id: 'two', title: 'Second', status: 'running' }),
          makeTask({ id: 'three', title: 'Third', status: 'running' }),
          makeTask({ id: 'four', title: 'Fourth', status: 'verifying' }),
        ],
        // "two" has a live agent; "three" only the agent of its last attempt, which exited.
        agents: [
          makeAgent({ id: 'agent-1', name: 'ada', taskId: 'two' }),
          makeAgent({ id: 'agent-2', name: 'bob', taskId: 'three', state: 'exited' }),
        ],
      }),
      { columns: 120, rows: 30 },
    );
    await waitForText(board.frame, 'running / verifying (4)');
    const frame = board.frame();
    expect(lineOf(frame, 'First')).toContain('starting #');
    expect(lineOf(frame, 'Second')).toContain('ada #1');
    expect(lineOf(frame, 'Third')).toContain('starting #');
    expect(lineOf(frame, 'Fourth')).toContain('verifying #');
    expect(lineOf(frame, 'todo-api')).toContain('agents 4/4');
    // The agent pane's title says the same.
    expect(lines(frame).filter((line) => line.includes('agents 4/4'))).toHaveLength(2);
  });

  it('shows each agent with backend label, task#attempt, state, action, elapsed, tokens and cost', async () => {
    const board = renderBoard(sampleClient(), { columns: 160, rows: 30 });
    await waitForText(board.frame, 'agents 1/2');
    const row = lines(board.frame()).find((line) => line.includes('ada ')) ?? '';
    for (const part of ['models#1', 'tool', 'Bash: npm test', '1m0', '1.5k tok', '$0.01 '])
      expect(row).toContain(part);
    // The header names the run's backend; rows repeat it only when an agent runs another one.
    expect(lineOf(board.frame(), 'todo-api')).toContain('simulated');
    expect(row).not.toContain('simulated');
  });

  it("shows the engine's event lines in the log pane, and new ones as they come", async () => {
    const client = sampleClient();
    const board = renderBoard(client);
    await waitForText(board.frame, 'log · engine events', 'run run-1 started', 'setup done (abc12345)');
    client.push({ type: 'line', line: makeLine('auth attempt 1 failed: tests red', { level: 'warn' }) });
    await waitForText(board.frame, 'auth attempt 1 failed: tests red');
  });

  it("shows a selected agent's structured output and its terminal screen (l toggles)", async () => {
    const client = sampleClient();
    const board = renderBoard(client, { columns: 120, rows: 30 });
    await waitForText(board.frame, 'agents 1/2');
    board.stdin.write(KEY.tab);
    await waitForText(board.frame, 'log · ada');
    // Event lines are the default view; `l` shows the agent's terminal and back.
    client.push({ type: 'agent-output', agentId: 'agent-1', text: 'Edit: src/models.py\n▸ Bash: pytest' });
    await waitForText(board.frame, 'log · ada · events', 'Edit: src/models.py', '▸ Bash: pytest');
    board.stdin.write('l');
    await waitFor(() => client.ptySubscribers().includes('agent-1'));
    client.pty('agent-1', '\x1b[32mcollected 12 items\x1b[0m\r\n12 passed in 0.4s\r\n');
    await waitForText(board.frame, 'log · ada · terminal', 'collected 12 items', '12 passed in 0.4s');
    board.stdin.write('l');
    await waitForText(board.frame, 'log · ada · events', 'Edit: src/models.py');
  });

  it('lists every binding of the table in the help overlay', async () => {
    const board = renderBoard(sampleClient(), { columns: 160, rows: 45 });
    await waitForText(board.frame, 'todo-api');
    board.stdin.write('?');
    await waitForText(board.frame, 'keys — esc or ? closes');
    for (const binding of BINDINGS) expect(board.frame()).toContain(binding.description);
    board.stdin.write(KEY.esc);
    await waitForText(board.frame, 'tasks (5)');
  });

  it('fits the whole help into 80x24 with columns', async () => {
    const board = renderBoard(sampleClient(), { columns: 80, rows: 24 });
    await waitForText(board.frame, 'todo-api');
    board.stdin.write('?');
    await waitForText(board.frame, 'keys — esc or ? closes');
    const text = stripAnsi(board.frame());
    for (const binding of BINDINGS) expect(text).toContain(binding.description.slice(0, 12));
  });

  it('emits no colour codes under NO_COLOR, and colours otherwise', async () => {
    const plain = renderBoard(sampleClient(), { noColor: true });
    await waitForText(plain.frame, 'todo-api', 'Bash: npm test');
    expect(plain.frame()).not.toMatch(COLOUR_CODE);
    plain.unmount();
    const coloured = renderBoard(sampleClient(), { noColor: false });
    await waitForText(coloured.frame, 'todo-api');
    expect(coloured.frame()).toMatch(COLOUR_CODE);
  });

  it('reads NO_COLOR from the environment when not told', async () => {
    process.env['NO_COLOR'] = '';
    try {
      const { render } = await import('ink-testing-library');
      const { Board } = await import('../../source/ui/Board.js');
      const React = await import('react');
      const instance = render(
        React.createElement(Board, {
          client: sampleClient(),
          size: { columns: 100, rows: 30 },
          onExit: () => undefined,
        }),
      );
      await waitFor(() => (instance.lastFrame() ?? '').includes('todo-api'));
      expect(instance.lastFrame()).not.toMatch(COLOUR_CODE);
    } finally {
      delete process.env['NO_COLOR'];
    }
  });

  it.each([
    [80, 24],
    [100, 30],
    [120, 35],
    [160, 45],
  ])('lays out %ix%i with no line wider than the terminal and rows-1 lines', async (columns, rows) => {
    const client = sampleClient();
    const board = renderBoard(client, { columns, rows });
    client.push({
      type: 'agent',
      agent: makeAgent({
        id: 'agent-2',
        name: 'grace',
        taskId: 'auth',
        state: 'waiting-input',
        action: 'Read: a/very/long/path/'.repeat(8),
      }),
    });
    client.push({ type: 'line', line: makeLine('x'.repeat(300)) });
    await waitForText(board.frame, 'grace');
    const text = lines(board.frame());
    expect(text.length).toBeLessThanOrEqual(rows - 1);
    for (const line of text) expect([...line].length).toBeLessThanOrEqual(columns);
  });

  it('re-lays out when the terminal is resized', async () => {
    const { render } = await import('ink-testing-library');
    const { Board } = await import('../../source/ui/Board.js');
    const React = await import('react');
    const instance = render(
      React.createElement(Board, { client: sampleClient(), noColor: true, onExit: () => undefined }),
    );
    const frame = (): string => instance.lastFrame() ?? '';
    // ink-testing-library's stdout is 100 columns with no rows: the board stacks its panes.
    await waitForText(frame, 'tasks (5)');
    expect(lineOf(frame(), 'tasks (5)')).not.toContain('agents ');
    Object.defineProperty(instance.stdout, 'columns', { value: 160, configurable: true });
    Object.defineProperty(instance.stdout, 'rows', { value: 45, configurable: true });
    instance.stdout.emit('resize');
    await waitFor(
      () => lineOf(frame(), 'tasks (5)').includes('agents '),
      () => frame(),
    );
    expect(lines(frame()).length).toBe(44);
  });

  it('shows a lost connection until it is restored', async () => {
    const client = sampleClient();
    const board = renderBoard(client);
    await waitForText(board.frame, 'todo-api');
    client.connection('lost', 'socket closed');
    await waitForText(board.frame, 'engine connection lost — reconnecting…');
    client.connection('restored');
    await waitForText(board.frame, 'reconnected');
    expect(board.frame()).not.toContain('connection lost');
  });

  it('closes with connection-closed when the client gives up in the middle of a run', async () => {
    const client = sampleClient();
    const board = renderBoard(client);
    await waitForText(board.frame, 'todo-api');
    client.connection('closed', 'gave up after 60 s');
    await waitFor(() => board.exits.length > 0);
    expect(board.exits).toEqual(['connection-closed']);
  });

  it('stays on an ended run as a final state until q: summary, no connection alarm', async () => {
    const client = sampleClient();
    const board = renderBoard(client, { columns: 120, rows: 35 });
    await waitForText(board.frame, 'todo-api');
    client.push({ type: 'agent-removed', agentId: 'agent-1' });
    client.push({ type: 'ended', exitCode: 2, outcome: 'blocked' });
    const plain = (): string => stripAnsi(board.frame());
    await waitForText(plain, 'run ended (blocked)', 'run blocked · 1/5 done · 1 blocked');
    // The engine exits after the run: its connection going is not news, and the board stays.
    client.connection('lost', 'socket closed');
    client.connection('closed', 'the run ended and its engine exited');
    await waitForText(plain, 'docs API docs — failed 3 attempts: mkdocs missing');
    const frame = stripAnsi(board.frame());
    expect(frame).not.toContain('connection lost');
    expect(frame).not.toContain('connection closed');
    expect(frame).toContain('nightshift task retry docs');
    expect(frame).toMatch(/\$1\.25/);
    expect(board.exits).toEqual([]);
    board.stdin.write('q');
    await waitFor(() => board.exits.length > 0);
    expect(board.exits).toEqual(['engine-ended']);
  });

  it('measures wide characters and strips tabs and control characters: every row fits its width', async () => {
    const client = sampleClient();
    const board = renderBoard(client, { columns: 120, rows: 35 });
    await waitForText(board.frame, 'todo-api');
    client.push({
      type: 'task',
      task: makeTask({
        id: 'cjk',
        title: '日本語のタイトルがとても長い場合の表示テスト漢字漢字漢字漢字漢字漢字漢字',
      }),
    });
    client.push({ type: 'task', task: makeTask({ id: 'emoji', title: 'ship 🚀🚀 it ✔️ 👨‍👩‍👧 done 👍🏻' }) });
    client.push({ type: 'task', task: makeTask({ id: 'tabs', title: 'a\tb\u001b[31mred\u0007\r\nnext' }) });
    await waitForText(board.frame, 'cjk', 'emoji', 'tabs');
    const text = lines(board.frame());
    expect(text.length).toBe(34);
    for (const line of text) expect(stringWidth(line), line).toBeLessThanOrEqual(120);
    const tabs = lineOf(board.frame(), 'tabs');
    expect(tabs).toContain('a  bred next');
    expect(lineOf(board.frame(), 'emoji')).toContain('ship 🚀🚀 it ✔ 👨👩👧 done 👍');
    // A CJK title is cut by columns, with its ellipsis inside the pane.
    expect(lineOf(board.frame(), 'cjk')).toContain('…');
  });

  it('redraws the whole screen on ctrl-l', async () => {
    const board = renderBoard(sampleClient());
    await waitForText(board.frame, 'todo-api');
    const before = board.frames.length;
    board.stdin.write('\x0c');
    await waitFor(() => board.frames.slice(before).some((frame) => frame.includes('\x1b[2J')));
  });
});
