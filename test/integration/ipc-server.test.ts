import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectEngine } from '../../source/ipc/client.js';
import { askEngine } from '../../source/ipc/engine-query.js';
import { encodeMessage, readMessages } from '../../source/ipc/ndjson.js';
import type { EngineClient } from '../../source/protocol/types.js';
import { serveEngine } from '../../source/ipc/server.js';
import { MAX_SOCKET_PATH_BYTES, engineSocketPath } from '../../source/ipc/socket-path.js';
import { FakeHost, lineEvent, tempDir, waitFor } from './ipc-support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { maxQueuedBytes?: number } = {}) {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const socketPath = path.join(dir, '.nightshift', 'engine.sock');
  const host = new FakeHost();
  const logs: string[] = [];
  const server = await serveEngine(host, { socketPath, log: (message) => logs.push(message), ...options });
  cleanups.push(() => server.close());
  return { dir, socketPath, host, server, logs };
}

async function client(socketPath: string, readonly = false): Promise<EngineClient> {
  const engine = await connectEngine({ socketPath, readonly });
  cleanups.push(() => engine.close());
  return engine;
}

/** A hand-driven socket client speaking raw protocol lines. */
async function raw(socketPath: string) {
  const socket = net.createConnection(socketPath);
  cleanups.push(() => socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const messages: Record<string, unknown>[] = [];
  readMessages(socket, {
    message: (value) => messages.push(value as Record<string, unknown>),
    problem: () => undefined,
  });
  let ended = false;
  socket.on('close', () => (ended = true));
  return {
    socket,
    messages,
    ended: () => ended,
    send: (value: unknown) => socket.write(encodeMessage(value)),
  };
}

describe('serveEngine', () => {
  it('listens with mode 0600 and sends the snapshot on connect', async () => {
    const { socketPath, host, server } = await setup();
    expect(fs.statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(socketPath))).toEqual(['engine.sock']);
    host.emit(lineEvent('before connect'));
    const engine = await client(socketPath);
    expect(engine.current()?.recent.map((line) => line.message)).toEqual(['before connect']);
    await waitFor(() => server.clientCount() === 1, 'client count');
  });

  it('delivers events in order, applied to current()', async () => {
    const { socketPath, host } = await setup();
    const engine = await client(socketPath);
    const seen: string[] = [];
    engine.onEvent((event) => {
      if (event.type === 'line') seen.push(event.line.message);
    });
    const sent = Array.from({ length: 300 }, (_, index) => `event ${index}`);
    for (const message of sent) host.emit(lineEvent(message));
    await waitFor(() => seen.length === sent.length, 'all events');
    expect(seen).toEqual(sent);
    expect(engine.current()?.recent.at(-1)?.message).toBe('event 299');
  });

  it('round-trips commands with values, polite failures and thrown errors', async () => {
    const { socketPath, host } = await setup();
    const engine = await client(socketPath);
    await expect(engine.command('pause')).resolves.toEqual({ ok: true, value: { paused: true } });
    await expect(engine.command('retry', { taskId: 'T9' })).resolves.toEqual({
      ok: false,
      error: 'no task T9',
    });
    await expect(engine.command('block', { taskId: 'T1' })).resolves.toEqual({
      ok: false,
      error: 'block needs a reason',
    });
    await expect(engine.command('set-parallel', { n: 3 })).resolves.toEqual({ ok: true, value: { n: 3 } });
    expect(host.commands.map((command) => command.name)).toEqual(['pause', 'retry', 'block', 'set-parallel']);
  });

  it('refuses every command but pty subscriptions on a read-only attach', async () => {
    const { socketPath, host } = await setup();
    const engine = await client(socketPath, true);
    await expect(engine.command('pause')).resolves.toEqual({ ok: false, error: 'read-only attach' });
    await expect(engine.command('pty-input', { agentId: 'a1', data: 'x' })).resolves.toEqual({
      ok: false,
      error: 'read-only attach',
    });
    expect(host.commands).toEqual([]);
    const data: string[] = [];
    engine.onPty('a1', (chunk) => data.push(chunk));
    await waitFor(() => host.ptySubscriberCount('a1') === 1, 'pty subscription');
    host.pty('a1', 'screen bytes');
    await waitFor(() => data.length === 1, 'pty data');
    expect(data).toEqual(['screen bytes']);
  });

  it('subscribes to an agent pty once per client and unsubscribes with the last listener', async () => {
    const { socketPath, host } = await setup();
    const engine = await client(socketPath);
    const first: string[] = [];
    const second: string[] = [];
    const stopFirst = engine.onPty('a1', (chunk) => first.push(chunk));
    const stopSecond = engine.onPty('a1', (chunk) => second.push(chunk));
    await waitFor(() => host.ptySubscriberCount('a1') === 1, 'pty subscription');
    host.pty('a1', '\u001b[1mbold\u001b[0m');
    host.pty('a2', 'not ours');
    await waitFor(() => first.length === 1 && second.length === 1, 'pty data');
    expect(first).toEqual(['\u001b[1mbold\u001b[0m']);
    stopFirst();
    expect(engine.current()).not.toBeNull();
    await engine.command('stop', {});
    expect(host.ptySubscriberCount('a1')).toBe(1);
    stopSecond();
    await waitFor(() => host.ptySubscriberCount('a1') === 0, 'pty unsubscription');
  });

  it('shows events to two clients at once', async () => {
    const { socketPath, host, server } = await setup();
    const one = await client(socketPath);
    const two = await client(socketPath);
    await waitFor(() => server.clientCount() === 2, 'two clients');
    host.emit({ type: 'agent-removed', agentId: 'gone' });
    host.emit(lineEvent('shared'));
    const last = (engine: EngineClient): string | undefined => engine.current()?.recent.at(-1)?.message;
    await waitFor(() => last(one) === 'shared' && last(two) === 'shared', 'both clients');
    expect(host.subscriberCount()).toBe(1);
  });

  it('drops a client that stops reading, without holding up the others', async () => {
    const { socketPath, host, server, logs } = await setup({ maxQueuedBytes: 256 * 1024 });
    const fast = await client(socketPath);
    const slow = await raw(socketPath);
    slow.send({ type: 'hello', version: 1 });
    await waitFor(() => server.clientCount() === 2, 'two clients');
    slow.socket.pause();
    let received = 0;
    fast.onEvent(() => (received += 1));
    const big = 'z'.repeat(32 * 1024);
    let sent = 0;
    // Emit until the stalled client is dropped; the fast one keeps up between bursts, as a board does.
    while (server.clientCount() === 2) {
      if (sent > 2000) throw new Error('the slow client was never dropped');
      for (let burst = 0; burst < 4; burst += 1) {
        host.emit(lineEvent(`${sent} ${big}`));
        sent += 1;
      }
      await waitFor(() => received === sent || server.clientCount() < 2, 'the fast client to keep up');
    }
    expect(logs).toEqual([expect.stringMatching(/^dropped client #2: more than 256 KiB queued unread/)]);
    await waitFor(() => received === sent, 'the fast client to get every event');
    expect(
      fast
        .current()
        ?.recent.at(-1)
        ?.message.startsWith(`${sent - 1} `),
    ).toBe(true);
  });

  it('refuses another protocol major version, naming both versions', async () => {
    const { socketPath } = await setup();
    const peer = await raw(socketPath);
    peer.send({ type: 'hello', version: 2 });
    await waitFor(() => peer.ended(), 'the connection to close');
    expect(peer.messages).toEqual([
      {
        type: 'error',
        message:
          'protocol version mismatch: this engine speaks version 1, the client speaks version 2; run the same nightshift version on both ends',
      },
    ]);
  });

  it('answers bad lines with errors and keeps the connection', async () => {
    const { socketPath } = await setup();
    const peer = await raw(socketPath);
    peer.socket.write('this is not json\n');
    peer.send({ type: 'hello', version: 1 });
    peer.send({ type: 'command', id: 1, name: 'launch-missiles', args: {} });
    peer.send({ type: 'command', name: 'pause', args: {} });
    peer.send({ type: 'command', id: 2, name: 'subscribe-pty', args: {} });
    await waitFor(() => peer.messages.length === 5, 'five answers');
    expect(peer.messages.map((message) => message['type'])).toEqual([
      'error',
      'snapshot',
      'result',
      'error',
      'result',
    ]);
    expect(peer.messages[2]).toEqual({
      type: 'result',
      id: 1,
      ok: false,
      error: 'unknown command "launch-missiles"',
    });
    expect(peer.messages[4]).toEqual({
      type: 'result',
      id: 2,
      ok: false,
      error: 'subscribe-pty needs an "agentId"',
    });
    expect(peer.ended()).toBe(false);
  });

  it('sends no snapshot and no events to a hello that asks for none, and answers its commands', async () => {
    const { socketPath, host } = await setup();
    const peer = await raw(socketPath);
    peer.send({ type: 'hello', version: 1, readonly: true, snapshot: false });
    peer.send({ type: 'command', id: 1, name: 'status', args: {} });
    await waitFor(() => peer.messages.length === 1, 'the result');
    host.emit(lineEvent('after the question'));
    peer.send({ type: 'command', id: 2, name: 'pause', args: {} });
    await waitFor(() => peer.messages.length === 2, 'the second result');
    expect(peer.messages).toEqual([
      { type: 'result', id: 1, ok: true, value: {} },
      { type: 'result', id: 2, ok: false, error: 'read-only attach' },
    ]);
    // The same question through askEngine, which closes its connection after the answer.
    await expect(askEngine(socketPath, 'status')).resolves.toEqual({ ok: true, value: {} });
    expect(host.commands.map((command) => command.name)).toEqual(['status', 'status']);
  });

  it('refuses a first message that is not hello', async () => {
    const { socketPath } = await setup();
    const peer = await raw(socketPath);
    peer.send({ type: 'command', id: 1, name: 'pause', args: {} });
    await waitFor(() => peer.ended(), 'the connection to close');
    expect(peer.messages).toEqual([{ type: 'error', message: 'expected "hello" first, got "command"' }]);
  });

  it('replaces a stale socket, refuses a live one and never removes other files', async () => {
    const { dir, socketPath, host, server } = await setup();
    await expect(serveEngine(host, { socketPath, log: () => undefined })).rejects.toThrow(
      /already listening/,
    );
    await server.close();
    expect(fs.existsSync(socketPath)).toBe(false);

    // A stale socket: bound, moved into place, and its listener gone (as after a SIGKILL).
    const stalePath = path.join(dir, 'stale.sock');
    const stale = net.createServer();
    await new Promise<void>((resolve) => stale.listen(stalePath, resolve));
    fs.renameSync(stalePath, socketPath);
    await new Promise((resolve) => stale.close(resolve));
    expect(fs.lstatSync(socketPath).isSocket()).toBe(true);
    const logs: string[] = [];
    const again = await serveEngine(host, { socketPath, log: (message) => logs.push(message) });
    expect(logs).toEqual([`removing stale socket ${socketPath} (nothing answers on it)`]);
    const engine = await client(socketPath);
    expect(engine.current()?.project).toBe('demo');
    await again.close();

    const regular = path.join(dir, 'regular');
    fs.writeFileSync(regular, 'keep me');
    await expect(serveEngine(host, { socketPath: regular, log: () => undefined })).rejects.toThrow(
      /not a socket/,
    );
    expect(fs.readFileSync(regular, 'utf8')).toBe('keep me');
  });

  it('serves a project too deep for .nightshift/engine.sock from a private runtime directory', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const root = path.join(dir, 'deep'.repeat(20), 'project');
    fs.mkdirSync(root, { recursive: true });
    const runtime = path.join(dir, 'run');
    fs.mkdirSync(runtime, { mode: 0o700 });
    const socketPath = engineSocketPath(root, { env: { XDG_RUNTIME_DIR: runtime } });
    expect(socketPath.startsWith(path.join(runtime, 'nightshift') + path.sep)).toBe(true);
    expect(Buffer.byteLength(path.join(root, '.nightshift', 'engine.sock'))).toBeGreaterThan(
      MAX_SOCKET_PATH_BYTES,
    );
    const server = await serveEngine(new FakeHost('deep'), { socketPath, log: () => undefined });
    cleanups.push(() => server.close());
    expect(fs.statSync(path.dirname(socketPath)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(socketPath).mode & 0o777).toBe(0o600);
    const engine = await connectEngine({ socketPath, root });
    cleanups.push(() => engine.close());
    expect(engine.current()?.project).toBe('deep');
  });

  it('says no engine is running when nothing listens', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const socketPath = path.join(dir, '.nightshift', 'engine.sock');
    await expect(connectEngine({ socketPath })).rejects.toThrow(
      `no engine is running for ${dir} (start one with nightshift run)`,
    );
  });

  it('reports closed to a client without reconnect when the engine goes', async () => {
    const { socketPath, server } = await setup();
    const engine = await client(socketPath);
    const statuses: string[] = [];
    engine.onConnection((status) => statuses.push(status));
    await server.close();
    await waitFor(() => statuses.length > 0, 'closed');
    expect(statuses).toEqual(['closed']);
    await expect(engine.command('pause')).resolves.toMatchObject({ ok: false });
  });
});
