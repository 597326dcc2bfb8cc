/**
 * A client gets only the output of the agents it watches (a board watches the one it shows): each
 * one newly watched first gets its newest lines, and the watch outlives a reconnect. A client that
 * never says gets every agent's output, as before.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectEngine } from '../../source/ipc/client.js';
import { serveEngine } from '../../source/ipc/server.js';
import type { EngineClient, EngineEvent } from '../../source/protocol/types.js';
import { FakeHost, lineEvent, tempDir, waitFor } from './ipc-support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const socketPath = path.join(dir, '.nightshift', 'engine.sock');
  const host = new FakeHost();
  let server = await serveEngine(host, { socketPath, log: () => undefined });
  cleanups.push(() => server.close());
  return {
    socketPath,
    host,
    restart: async () => {
      await server.close();
      server = await serveEngine(host, { socketPath, log: () => undefined });
    },
  };
}

/** A client of `socketPath` and every agent-output event it receives, as "agent: text (replace)". */
async function watcher(socketPath: string, reconnect = false) {
  const client: EngineClient = await connectEngine({ socketPath, reconnect });
  cleanups.push(() => client.close());
  const output: string[] = [];
  const lines: string[] = [];
  client.onEvent((event: EngineEvent) => {
    if (event.type === 'agent-output')
      output.push(`${event.agentId}: ${event.text}${event.replace ? ' (replace)' : ''}`);
    if (event.type === 'line') lines.push(event.line.message);
  });
  return { client, output, lines };
}

const say = (agentId: string, text: string): EngineEvent => ({ type: 'agent-output', agentId, text });

describe('watch-output', () => {
  it('sends a watching client its agent newest lines first, then only that agent', async () => {
    const { socketPath, host } = await setup();
    host.output.set('a2', ['earlier 1', 'earlier 2']);
    const board = await watcher(socketPath);
    const everything = await watcher(socketPath);
    board.client.watchOutput(['a2']);
    await board.client.command('status');
    for (const agentId of ['a1', 'a2', 'a3']) host.emit(say(agentId, `${agentId} speaks`));
    host.emit(lineEvent('marker'));
    await waitFor(() => board.lines.includes('marker') && everything.lines.includes('marker'), 'the marker');
    expect(board.output).toEqual(['a2: earlier 1\nearlier 2 (replace)', 'a2: a2 speaks']);
    // The other client never asked: it gets every agent's output and no replace.
    expect(everything.output).toEqual(['a1: a1 speaks', 'a2: a2 speaks', 'a3: a3 speaks']);
  });

  it('moves with the board: a new agent gets its lines, the old one stops; null watches all again', async () => {
    const { socketPath, host } = await setup();
    host.output.set('a1', ['a1 before']);
    const board = await watcher(socketPath);
    // A command's answer comes after the engine handled every message sent before it.
    const handled = () => board.client.command('status');
    board.client.watchOutput(['a2']);
    board.client.watchOutput(['a1']);
    await handled();
    host.emit(say('a2', 'not for this board'));
    host.emit(say('a1', 'for this board'));
    board.client.watchOutput([]);
    await handled();
    host.emit(say('a1', 'after unwatching'));
    board.client.watchOutput(null);
    await handled();
    host.emit(say('a3', 'all again'));
    await waitFor(() => board.output.includes('a3: all again'), 'a3 line');
    expect(board.output).toEqual([
      'a2:  (replace)',
      'a1: a1 before (replace)',
      'a1: for this board',
      'a3: all again',
    ]);
  });

  it('keeps the watch across a reconnect, with the agent lines sent again', async () => {
    const { socketPath, host, restart } = await setup();
    host.output.set('a2', ['one']);
    const board = await watcher(socketPath, true);
    board.client.watchOutput(['a2']);
    await waitFor(() => board.output.length === 1, 'the first replace');
    host.output.set('a2', ['one', 'two']);
    await restart();
    await waitFor(() => board.output.length === 2, 'the replace after the reconnect');
    await board.client.command('status');
    host.emit(say('a1', 'not watched'));
    host.emit(say('a2', 'three'));
    await waitFor(() => board.output.length === 3, 'a2 line');
    expect(board.output).toEqual(['a2: one (replace)', 'a2: one\ntwo (replace)', 'a2: three']);
  });
});
