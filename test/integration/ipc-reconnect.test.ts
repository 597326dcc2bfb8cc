import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectEngine } from '../../source/ipc/client.js';
import { serveEngine } from '../../source/ipc/server.js';
import { FakeHost, lineEvent, tempDir, waitFor } from './ipc-support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function socketIn(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return path.join(dir, '.nightshift', 'engine.sock');
}

async function serve(host: FakeHost, socketPath: string) {
  const server = await serveEngine(host, { socketPath, log: () => undefined });
  cleanups.push(() => server.close());
  return server;
}

describe('client reconnect', () => {
  it('reports lost, then restored with the new engine snapshot, and re-subscribes pty listeners', async () => {
    const socketPath = socketIn();
    const first = await serve(new FakeHost('first'), socketPath);
    const engine = await connectEngine({ socketPath, reconnect: true });
    cleanups.push(() => engine.close());
    const statuses: string[] = [];
    const snapshots: string[] = [];
    engine.onConnection((status) => statuses.push(status));
    engine.onSnapshot((snapshot) => snapshots.push(snapshot.project));
    const pty: string[] = [];
    engine.onPty('a1', (data) => pty.push(data));

    await first.close();
    await waitFor(() => statuses.includes('lost'), 'lost');
    await expect(engine.command('pause')).resolves.toEqual({
      ok: false,
      error: 'not connected to the engine (reconnecting)',
    });

    const secondHost = new FakeHost('second');
    secondHost.emit(lineEvent('from the second engine'));
    await serve(secondHost, socketPath);
    await waitFor(() => statuses.includes('restored'), 'restored');
    expect(statuses).toEqual(['lost', 'restored']);
    expect(snapshots).toEqual(['second']);
    expect(engine.current()?.project).toBe('second');
    expect(engine.current()?.recent.map((line) => line.message)).toEqual(['from the second engine']);

    await waitFor(() => secondHost.ptySubscriberCount('a1') === 1, 'pty re-subscription');
    secondHost.pty('a1', 'again');
    await waitFor(() => pty.length === 1, 'pty data after reconnect');
    await expect(engine.command('pause')).resolves.toMatchObject({ ok: true });
    secondHost.emit(lineEvent('live'));
    await waitFor(() => engine.current()?.recent.at(-1)?.message === 'live', 'events after reconnect');
  });

  it('gives up with closed after the reconnect window', async () => {
    const socketPath = socketIn();
    const server = await serve(new FakeHost(), socketPath);
    const engine = await connectEngine({ socketPath, reconnect: true, reconnectTimeoutMs: 400 });
    cleanups.push(() => engine.close());
    const statuses: { status: string; detail: string }[] = [];
    engine.onConnection((status, detail) => statuses.push({ status, detail }));
    await server.close();
    await waitFor(() => statuses.some((entry) => entry.status === 'closed'), 'closed');
    expect(statuses.map((entry) => entry.status)).toEqual(['lost', 'closed']);
    expect(statuses[1]?.detail).toMatch(/^gave up reconnecting after 0 s: no engine is running for /);
  });

  it('stops retrying when closed by the user', async () => {
    const socketPath = socketIn();
    const server = await serve(new FakeHost(), socketPath);
    const engine = await connectEngine({ socketPath, reconnect: true });
    const statuses: string[] = [];
    engine.onConnection((status) => statuses.push(status));
    await server.close();
    await waitFor(() => statuses.includes('lost'), 'lost');
    engine.close();
    expect(statuses).toEqual(['lost', 'closed']);
    await expect(engine.command('pause')).resolves.toEqual({
      ok: false,
      error: 'the connection to the engine is closed',
    });
  });

  it('reconnects a client the engine dropped for being slow and hands it a fresh snapshot', async () => {
    const socketPath = socketIn();
    const host = new FakeHost();
    const server = await serveEngine(host, { socketPath, log: () => undefined, maxQueuedBytes: 64 * 1024 });
    cleanups.push(() => server.close());
    const engine = await connectEngine({ socketPath, reconnect: true });
    cleanups.push(() => engine.close());
    const statuses: string[] = [];
    engine.onConnection((status) => statuses.push(status));
    // A synchronous burst outruns any reader: the engine must drop rather than queue it all.
    const big = 'q'.repeat(16 * 1024);
    for (let index = 0; index < 400; index += 1) host.emit(lineEvent(`${index} ${big}`));
    await waitFor(() => statuses.includes('restored'), 'restored');
    expect(statuses).toEqual(['lost', 'restored']);
    expect(engine.current()?.recent.at(-1)?.message.startsWith('399 ')).toBe(true);
  });
});
