/**
 * A board that tells the truth (issue 12): a board opened mid-run shows what agents said before it
 * came, the log follows the agent of the task picked in the task pane, an agent waiting for a human
 * is hard to miss, the footer says when keys do not fit, help fits at 80x24, and the panes fill the
 * terminal.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  // Any CI variable makes Ink print only the last frame.
  delete process.env['CI'];
});

import { cleanup } from 'ink-testing-library';
import { createFakeClient, makeAgent, makeLine, makeTask } from './fake-client.js';
import { KEY, renderBoard, stripAnsi, waitFor, waitForText } from './helpers.js';
import { sampleClient } from './sample.js';

afterEach(() => cleanup());

function lines(frame: string): string[] {
  return stripAnsi(frame).split('\n');
}

describe('a board opened mid-run', () => {
  it("shows the agents' output lines from the snapshot, then the new ones", async () => {
    const client = createFakeClient({
      tasks: [makeTask({ id: 'models', status: 'running' })],
      agents: [makeAgent({ id: 'agent-1', name: 'ada', taskId: 'models' })],
      output: { 'agent-1': ['Read: src/models.py', 'Ask: overwrite config.json? [y/n]'] },
    });
    const board = renderBoard(client, { columns: 120, rows: 30 });
    board.stdin.write(KEY.tab);
    await waitForText(board.frame, 'log · ada · events', 'Read: src/models.py', 'overwrite config.json?');
    client.push({ type: 'agent-output', agentId: 'agent-1', text: 'Edit: config.json' });
    await waitForText(board.frame, 'Edit: config.json', 'overwrite config.json?');
  });

  it('follows the agent of the task picked in the task pane', async () => {
    const client = sampleClient();
    const board = renderBoard(client, { columns: 120, rows: 30 });
    await waitForText(board.frame, 'log · engine events');
    client.push({ type: 'agent-output', agentId: 'agent-1', text: 'Edit: src/models.py' });
    // j then k: "Data models" (running, ada's task) is picked explicitly.
    board.stdin.write('j');
    board.stdin.write('k');
    await waitForText(board.frame, 'log · ada · events', 'Edit: src/models.py');
    // A task no agent works on: the log goes back to the engine's events.
    board.stdin.write('j');
    await waitForText(board.frame, 'log · engine events');
  });
});

describe('the output a board asks for', () => {
  it('is only that of the agent it shows, and a newly shown agent starts from the lines the engine sends', async () => {
    const client = createFakeClient({
      tasks: [makeTask({ id: 'models', status: 'running' })],
      agents: [makeAgent({ id: 'agent-1', name: 'ada', taskId: 'models' })],
      output: { 'agent-1': ['Read: src/models.py'] },
    });
    const board = renderBoard(client, { columns: 120, rows: 30 });
    await waitForText(board.frame, 'log · engine events');
    // Showing the engine's events: no agent's output is wanted.
    await waitFor(
      () => JSON.stringify(client.watching()) === '[]',
      () => 'the board to watch no agent',
    );
    board.stdin.write(KEY.tab);
    await waitForText(board.frame, 'log · ada · events', 'Read: src/models.py');
    expect(client.watching()).toEqual(['agent-1']);
    // What the engine sends a new watcher replaces what the board held for that agent.
    client.push({ type: 'agent-output', agentId: 'agent-1', text: 'Edit: a.py\nEdit: b.py', replace: true });
    await waitForText(board.frame, 'Edit: a.py', 'Edit: b.py');
    expect(stripAnsi(board.frame())).not.toContain('Read: src/models.py');
  });
});

describe('an agent waiting for a human', () => {
  it("gets a header badge and a task row mark; the engine's notice rings the bell with OSC 9 once", async () => {
    const client = sampleClient();
    const board = renderBoard(client, { columns: 100, rows: 30 });
    await waitForText(board.frame, 'ada #1');
    const bells = (): string[] => board.stdout.frames.filter((frame) => frame.includes('\x07'));
    client.push({
      type: 'agent',
      agent: makeAgent({ id: 'agent-1', name: 'ada', taskId: 'models', state: 'waiting-input' }),
    });
    await waitForText(board.frame, '? ada waits for input on models', '? ada waits for input #1');
    // The badge is the board's; the bell comes with the engine's notification.
    expect(bells()).toHaveLength(0);
    const notice = {
      id: 'run-1:1',
      kind: 'waiting-input',
      message: 'nightshift todo-api: ada on models waits for input',
      at: '2025-01-01T10:00:00.000Z',
      bell: true,
    };
    client.push({ type: 'notify', notice });
    await waitFor(() => bells().length > 0);
    const rings = bells();
    expect(rings.join('')).toContain('\x1b]9;nightshift todo-api: ada on models waits for input\x07');
    // The same notice again (a reconnect, a replay): no second bell.
    client.push({ type: 'notify', notice });
    client.push({
      type: 'agent',
      agent: makeAgent({
        id: 'agent-1',
        name: 'ada',
        taskId: 'models',
        state: 'waiting-input',
        action: 'asked',
      }),
    });
    await waitForText(board.frame, '? ada waits for input on models');
    expect(bells()).toHaveLength(rings.length);
    // The header badge leads the second line, so it shows at 80 columns too.
    const header = lines(board.frame())[1] ?? '';
    expect(header.startsWith(' ? ada waits for input')).toBe(true);
  });
});

describe('the footer and help', () => {
  it('shows the keys that fit by priority and ends with "? more" when some do not fit', async () => {
    const board = renderBoard(sampleClient(), { columns: 80, rows: 24 });
    await waitForText(board.frame, 'todo-api');
    const footer = lines(board.frame()).at(-1) ?? '';
    expect(footer).toMatch(/^q leave {2}tab pane {2}j\/k move/);
    expect(footer.trimEnd()).toMatch(/\? more$/);
    expect(footer.length).toBeLessThanOrEqual(80);
    // The writes a person reaches for are before the scrolling keys.
    expect(footer).toContain('x stop agent');

    const wide = renderBoard(sampleClient(), { columns: 220, rows: 30 });
    await waitForText(wide.frame, 'todo-api');
    const all = lines(wide.frame()).at(-1) ?? '';
    for (const word of ['r retry', 'b block', 'n new', '/ filter', 'g graph', '+ agents+', 'Q stop run'])
      expect(all).toContain(word);
    expect(all.trimEnd()).toMatch(/\? help$/);
  });

  it('fits every binding of the help, whole, at 80x24', async () => {
    const { BINDINGS } = await import('../../source/ui/keys/bindings.js');
    const board = renderBoard(sampleClient(), { columns: 80, rows: 24 });
    await waitForText(board.frame, 'todo-api');
    board.stdin.write('?');
    await waitForText(board.frame, 'keys — esc or ? closes');
    const text = stripAnsi(board.frame());
    for (const binding of BINDINGS) expect(text).toContain(binding.description);
    expect(text.split('\n').length).toBeLessThanOrEqual(23);
  });
});

describe('the whole screen used', () => {
  it('at 80x24, a queue of 12 tasks gets its rows, titles whole; at 200x55 an events pane fills the left', async () => {
    const tasks = Array.from({ length: 12 }, (_, index) =>
      makeTask({ id: `task-${index + 1}`, title: `A fairly descriptive title number ${index + 1}` }),
    );
    const client = createFakeClient({ tasks });
    const small = renderBoard(client, { columns: 80, rows: 24 });
    await waitForText(small.frame, 'tasks (12)');
    const text = lines(small.frame());
    // More than the 6 rows it used to be capped at, and the title is not cut to a few characters.
    expect(text.filter((line) => /task-\d+/.test(line)).length).toBeGreaterThanOrEqual(10);
    expect(small.frame()).toContain('A fairly descriptive title number 1');

    const running = createFakeClient({
      tasks: [makeTask({ id: 'models', title: 'Data models', status: 'running' }), ...tasks.slice(0, 3)],
      agents: [makeAgent({ id: 'agent-1', name: 'ada', taskId: 'models' })],
      recent: [{ at: '2025-01-01T10:00:00.000Z', level: 'info', message: 'run run-1 started' }],
    });
    const big = renderBoard(running, { columns: 200, rows: 55 });
    big.stdin.write(KEY.tab);
    await waitForText(big.frame, 'log · ada', 'engine events', 'run run-1 started');
    const rows = lines(big.frame());
    // Task rows, then the events pane under them: no blank half of the screen.
    const eventsAt = rows.findIndex((line) => line.includes('engine events'));
    expect(eventsAt).toBeGreaterThan(0);
    expect(eventsAt).toBeLessThan(12);
  });
});

describe('attached to an agent', () => {
  it("resizes the agent's pty when the terminal is resized while attached", async () => {
    const React = await import('react');
    const { render } = await import('ink-testing-library');
    const { Board } = await import('../../source/ui/Board.js');
    const client = sampleClient();
    const element = (columns: number, rows: number): React.ReactElement =>
      React.createElement(Board, {
        client,
        size: { columns, rows },
        noColor: true,
        onExit: () => undefined,
      });
    const instance = render(element(100, 30));
    const frame = (): string => instance.lastFrame() ?? '';
    await waitForText(frame, 'todo-api');
    instance.stdin.write(KEY.tab);
    await waitForText(frame, 'log · ada');
    instance.stdin.write('a');
    await waitForText(frame, 'ctrl-] returns');
    const resizes = (): Readonly<Record<string, unknown>>[] =>
      client.commands.filter((command) => command.name === 'pty-resize').map((command) => command.args);
    await waitFor(() => resizes().length === 1);
    instance.rerender(element(140, 40));
    await waitFor(
      () => resizes().some((args) => args['cols'] === 140),
      () => JSON.stringify(resizes()),
    );
    expect(resizes().at(-1)).toMatchObject({ agentId: 'agent-1', cols: 140 });
  });
});

describe('before the first snapshot', () => {
  it('draws at once and says what it waits for', async () => {
    const client = { ...sampleClient(), current: () => null };
    const board = renderBoard(client, { columns: 100, rows: 30 });
    await waitForText(board.frame, 'nightshift', "waiting for the engine's first snapshot…");
  });
});

describe('[notify] bell', () => {
  it('rings once for each notice when on, and never when off', async () => {
    const client = sampleClient();
    const board = renderBoard(client, { columns: 100, rows: 30 });
    await waitForText(board.frame, 'ada #1');
    const bells = (): string[] => board.stdout.frames.filter((frame) => frame.includes('\x07'));
    const notice = (id: string, kind: string, bell: boolean) => ({
      type: 'notify' as const,
      notice: { id, kind, message: `nightshift todo-api: ${kind}`, at: '2025-01-01T10:00:00.000Z', bell },
    });
    for (const kind of ['task-blocked', 'budget-hit', 'queue-paused', 'waiting-input', 'run-ended'])
      client.push(notice(`off-${kind}`, kind, false));
    client.push({ type: 'line', line: makeLine('after the silent notices') });
    await waitForText(board.frame, 'after the silent notices');
    expect(bells()).toHaveLength(0);
    for (const kind of ['task-blocked', 'budget-hit', 'queue-paused', 'waiting-input', 'run-ended'])
      client.push(notice(`on-${kind}`, kind, true));
    await waitFor(() => bells().join('').split('\x1b]9;').length - 1 >= 5);
    const all = bells().join('');
    for (const kind of ['task-blocked', 'budget-hit', 'queue-paused', 'waiting-input', 'run-ended'])
      expect(all.split(`\x1b]9;nightshift todo-api: ${kind}\x07`)).toHaveLength(2);
    board.unmount();
  });
});
