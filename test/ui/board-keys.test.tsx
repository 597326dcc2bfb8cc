/**
 * The board as a person drives it: keys through stdin, commands recorded by the fake client.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  delete process.env['CI'];
});

import { cleanup } from 'ink-testing-library';
import { makeAgent, makeRun } from './fake-client.js';
import { KEY, renderBoard, waitFor, waitForText } from './helpers.js';
import { sampleClient } from './sample.js';

afterEach(() => cleanup());

/** The line of the frame that holds `needle`. */
function lineWith(frame: string, needle: string): string {
  return frame.split('\n').find((line) => line.includes(needle)) ?? '';
}

async function ready(columns = 100, rows = 30, options: { readonly?: boolean } = {}) {
  const client = sampleClient();
  const board = renderBoard(client, { columns, rows, ...options });
  await waitForText(board.frame, 'todo-api', 'tasks (5)');
  return { client, board };
}

describe('board keys', () => {
  it('moves the task selection with j/k and the arrows', async () => {
    const { board } = await ready();
    await waitFor(() => lineWith(board.frame(), 'Data models').includes('▸'));
    board.stdin.write('j');
    await waitFor(() => lineWith(board.frame(), 'Token auth').includes('▸'));
    board.stdin.write(KEY.down);
    await waitFor(() => lineWith(board.frame(), 'HTTP routes').includes('▸'));
    board.stdin.write('k');
    await waitFor(() => lineWith(board.frame(), 'Token auth').includes('▸'));
    board.stdin.write(KEY.up);
    await waitFor(() => lineWith(board.frame(), 'Data models').includes('▸'));
  });

  it('moves focus with tab and shift-tab', async () => {
    const { board } = await ready();
    expect(board.frame()).toContain('▶ tasks');
    board.stdin.write(KEY.tab);
    await waitForText(board.frame, '▶ agents');
    // Entering the agents pane selects the first agent, so the log follows it.
    await waitForText(board.frame, 'log · ada');
    board.stdin.write(KEY.tab);
    await waitForText(board.frame, '▶ log');
    board.stdin.write(KEY.shiftTab);
    await waitForText(board.frame, '▶ agents');
  });

  it('opens the task detail with enter and goes back with esc', async () => {
    const { board } = await ready(100, 40);
    board.stdin.write('j');
    await waitFor(() => lineWith(board.frame(), 'Token auth').includes('▸'));
    board.stdin.write(KEY.enter);
    await waitForText(
      board.frame,
      'task auth',
      'Bearer tokens for every route.',
      '1. add middleware',
      '$ npm test',
      'attempts (0)',
    );
    board.stdin.write(KEY.esc);
    await waitForText(board.frame, 'tasks (5)');
  });

  it('shows the dependency graph with g', async () => {
    const { board } = await ready(100, 40);
    board.stdin.write('g');
    await waitForText(board.frame, 'dependency graph', 'level 0', 'level 2', '← models, auth');
    board.stdin.write('g');
    await waitForText(board.frame, 'tasks (5)');
  });

  it('filters tasks with /', async () => {
    const { board } = await ready();
    board.stdin.write('/');
    await waitForText(board.frame, 'filter:');
    board.stdin.write('rout');
    await waitForText(board.frame, 'tasks 1/5');
    board.stdin.write(KEY.enter);
    await waitForText(board.frame, 'filter: rout (esc clears)');
    expect(board.frame()).not.toContain('Token auth');
    board.stdin.write(KEY.esc);
    await waitForText(board.frame, 'tasks (5)', 'Token auth');
  });

  it('sends pause, then resume, with p', async () => {
    const { client, board } = await ready();
    board.stdin.write('p');
    await waitFor(() => client.commands.some((c) => c.name === 'pause'));
    client.push({ type: 'run', run: makeRun({ parallel: 2, paused: true }) });
    await waitForText(board.frame, 'paused');
    board.stdin.write('p');
    await waitFor(() => client.commands.some((c) => c.name === 'resume'));
  });

  it('sends set-parallel with + and -', async () => {
    const { client, board } = await ready();
    client.push({ type: 'run', run: makeRun({ parallel: 1 }) });
    await waitForText(board.frame, 'agents 1/1');
    board.stdin.write('+');
    await waitFor(() => client.commands.some((c) => c.name === 'set-parallel' && c.args['parallel'] === 2));
    board.stdin.write('-');
    await waitForText(board.frame, 'parallelism is already 1');
  });

  it('stops an agent with x after y, saying what happens next', async () => {
    const { client, board } = await ready();
    board.stdin.write('x');
    await waitForText(board.frame, 'y/n stop ada on models #1? the attempt fails; the task restarts');
    board.stdin.write('n');
    await waitFor(() => !board.frame().includes('stop ada'));
    expect(client.commands).toEqual([]);
    board.stdin.write('x');
    await waitForText(board.frame, 'stop ada on models #1?');
    board.stdin.write('y');
    await waitFor(() =>
      client.commands.some((c) => c.name === 'stop-agent' && c.args['agentId'] === 'agent-1'),
    );
  });

  it('x from the task pane acts on the selected task only, never the agents pane selection', async () => {
    const client = sampleClient();
    client.push({
      type: 'agent',
      agent: makeAgent({ id: 'agent-2', name: 'bob', taskId: 'auth', state: 'tool', action: 'Edit' }),
    });
    const board = renderBoard(client, { columns: 120, rows: 35 });
    await waitForText(board.frame, 'todo-api', 'bob');
    // Pick bob in the agents pane, then go back to the tasks pane and select a task no agent works on.
    board.stdin.write(KEY.tab);
    board.stdin.write('j');
    await waitFor(() => /▸.*bob/.test(board.frame()));
    board.stdin.write(KEY.shiftTab);
    await waitForText(board.frame, '▶ tasks');
    board.stdin.write('jj');
    await waitFor(
      () => /▸ ⧗ routes/.test(board.frame()),
      () => board.frame(),
    );
    board.stdin.write('x');
    await waitForText(board.frame, 'no agent works on routes');
    expect(client.commands.filter((c) => c.name === 'stop-agent')).toEqual([]);
    expect(board.frame()).not.toContain('y/n');
  });

  it('b on a running task refuses before asking for a reason', async () => {
    const { client, board } = await ready();
    board.stdin.write('b');
    await waitForText(board.frame, 'models is running: stop its agent first (x), then block it');
    expect(board.frame()).not.toContain('reason:');
    expect(client.commands).toEqual([]);
  });

  it('says so when the selected agent ends, and selects nothing instead of jumping', async () => {
    const client = sampleClient();
    client.push({
      type: 'agent',
      agent: makeAgent({ id: 'agent-2', name: 'bob', taskId: 'auth', state: 'tool', action: 'Edit' }),
    });
    const board = renderBoard(client, { columns: 120, rows: 35 });
    await waitForText(board.frame, 'bob');
    board.stdin.write(KEY.tab);
    await waitFor(() => /▸.*ada/.test(board.frame()));
    client.push({ type: 'agent-removed', agentId: 'agent-1' });
    await waitForText(board.frame, 'ada ended (models #1); no agent selected');
    expect(/▸.*bob/.test(board.frame())).toBe(false);
    board.stdin.write('x');
    await waitForText(board.frame, 'no agent selected');
  });

  it('blocks the selected task with a typed reason', async () => {
    const { client, board } = await ready();
    board.stdin.write('j');
    await waitFor(() => lineWith(board.frame(), 'Token auth').includes('▸'));
    board.stdin.write('b');
    await waitForText(board.frame, 'block auth', 'reason:');
    board.stdin.write('needs a key');
    board.stdin.write(KEY.backspace);
    board.stdin.write('y');
    await waitForText(board.frame, 'needs a key');
    board.stdin.write(KEY.enter);
    await waitFor(() => client.commands.some((c) => c.name === 'block'));
    expect(client.commands.find((c) => c.name === 'block')?.args).toEqual({
      id: 'auth',
      reason: 'needs a key',
    });
    await waitForText(board.frame, 'blocked auth');
  });

  it('retries a blocked task with r and refuses a pending one', async () => {
    const { client, board } = await ready();
    board.stdin.write('j');
    await waitFor(() => lineWith(board.frame(), 'Token auth').includes('▸'));
    board.stdin.write('r');
    await waitForText(board.frame, 'only blocked tasks can be retried');
    // Two keys in one chunk (as ssh delivers fast typing) are two moves.
    board.stdin.write('jj');
    await waitFor(() => lineWith(board.frame(), 'API docs').includes('▸'));
    board.stdin.write('r');
    await waitFor(() => client.commands.some((c) => c.name === 'retry'));
    expect(client.commands.find((c) => c.name === 'retry')?.args).toEqual({ ids: ['docs'] });
  });

  it('adds a task through the n form and shows a refusal from the engine', async () => {
    const { client, board } = await ready();
    client.respond = (name) =>
      name === 'add-task'
        ? { ok: false, error: 'task "login" verification: nothing verifies this task' }
        : { ok: true };
    board.stdin.write('n');
    await waitForText(board.frame, 'new task', 'title:', 'step:', 'verify command:');
    board.stdin.write('Login page');
    board.stdin.write(KEY.tab);
    board.stdin.write('add a login form');
    board.stdin.write(KEY.enter);
    await waitForText(board.frame, 'refused: task "login" verification: nothing verifies this task');
    client.respond = () => ({ ok: true });
    board.stdin.write(KEY.tab);
    board.stdin.write('npm test -- login');
    board.stdin.write(KEY.enter);
    await waitForText(board.frame, 'added task login-page');
    const sent = client.commands.filter((c) => c.name === 'add-task').at(-1)?.args['task'];
    expect(sent).toMatchObject({
      id: 'login-page',
      title: 'Login page',
      steps: ['add a login form'],
      verification: { commands: ['npm test -- login'] },
    });
  });

  it('processes a burst of keys in one chunk in order, and a bracketed paste, in the form', async () => {
    const { client, board } = await ready();
    // A burst as ssh delivers it: the key, the title, tab, the step, tab, the command, enter.
    board.stdin.write('nFix 日本 bug\tdo it\techo ok\r');
    await waitForText(board.frame, 'added task fix-bug');
    expect(client.commands.find((c) => c.name === 'add-task')?.args['task']).toMatchObject({
      title: 'Fix 日本 bug',
      steps: ['do it'],
      verification: { commands: ['echo ok'] },
    });
    // A paste arrives split across chunks; its line breaks and tabs do not submit or move fields.
    board.stdin.write('n');
    await waitForText(board.frame, 'title:');
    board.stdin.write('\x1b[200~Pasted\ttitle\n');
    board.stdin.write('second line\x1b[201~');
    board.stdin.write(KEY.enter);
    await waitForText(board.frame, 'added task pasted-title-second-line');
    // The filter takes a burst too, ending with enter.
    board.stdin.write('/docs\r');
    await waitForText(board.frame, 'tasks 1/5 · /docs');
  });

  it('attaches to the agent: typed text goes to pty-input, ctrl-] returns', async () => {
    const { client, board } = await ready(120, 35);
    board.stdin.write(KEY.tab);
    await waitForText(board.frame, '▶ agents');
    board.stdin.write('a');
    await waitForText(board.frame, 'attached to ada');
    const resize = client.commands.find((c) => c.name === 'pty-resize');
    expect(resize?.args).toMatchObject({ agentId: 'agent-1', cols: 120 });
    expect(client.ptySubscribers()).toContain('agent-1');
    client.pty('agent-1', 'Continue? [y/n] ');
    await waitForText(board.frame, 'Continue? [y/n]');
    // Keys that mean something on the board go to the agent instead while attached.
    board.stdin.write('q');
    board.stdin.write('yes\r');
    board.stdin.write(KEY.ctrlC);
    await waitFor(() => client.ptyInput().join('') === 'qyes\r\x03');
    expect(board.exits).toEqual([]);
    board.stdin.write(KEY.detach);
    await waitForText(board.frame, '▶ agents');
    expect(board.frame()).not.toContain('attached to ada');
    board.stdin.write('q');
    await waitFor(() => board.exits.length > 0);
    expect(board.exits).toEqual(['left']);
    expect(client.ptyInput().join('')).toBe('qyes\r\x03');
  });

  it('leaves with q', async () => {
    const { board } = await ready();
    board.stdin.write('q');
    await waitFor(() => board.exits.length > 0);
    expect(board.exits).toEqual(['left']);
  });

  it('stops the run with Q then y', async () => {
    const { client, board } = await ready();
    board.stdin.write('Q');
    await waitForText(board.frame, 'stop the whole run?');
    board.stdin.write('y');
    await waitFor(() => board.exits.length > 0);
    expect(client.commands.map((c) => c.name)).toEqual(['stop']);
    expect(board.exits).toEqual(['stop-requested']);
  });

  it('shows a failed command as a notice', async () => {
    const { client, board } = await ready();
    client.respond = () => ({ ok: false, error: 'the engine is shutting down' });
    board.stdin.write('p');
    await waitForText(board.frame, 'pause failed: the engine is shutting down');
  });

  it('refuses writes on a read-only board and sends nothing', async () => {
    const { client, board } = await ready(100, 30, { readonly: true });
    expect(board.frame()).toContain('read-only');
    for (const key of ['p', '+', 'x', 'b', 'n', 'Q', 'a']) {
      board.stdin.write(key);
      await waitForText(board.frame, 'read-only attach');
    }
    board.stdin.write(KEY.tab);
    await waitForText(board.frame, '▶ agents');
    board.stdin.write('a');
    await waitForText(board.frame, 'read-only attach');
    expect(board.frame()).not.toContain('attached to');
    expect(client.commands).toEqual([]);
  });

  it('scrolls the log back with PgUp and follows again with f', async () => {
    const { client, board } = await ready(100, 30);
    for (let i = 0; i < 60; i += 1)
      client.push({
        type: 'line',
        line: { at: '2025-01-01T10:00:00.000Z', level: 'info', message: `line ${i}` },
      });
    await waitForText(board.frame, 'line 59', 'following');
    // shift-tab goes from tasks straight to the log, so no agent gets selected on the way.
    board.stdin.write(KEY.shiftTab);
    await waitForText(board.frame, '▶ log · engine events');
    board.stdin.write(KEY.pageUp);
    await waitForText(board.frame, 'f follows');
    expect(board.frame()).not.toContain('line 59');
    board.stdin.write('f');
    await waitForText(board.frame, 'line 59', 'following');
  });
});
