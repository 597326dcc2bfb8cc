import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serveEngine } from '../../source/ipc/server.js';
import { connectSsh } from '../../source/ipc/ssh.js';
import { bridgeStdio } from '../../source/ipc/stdio-bridge.js';
import { createStreamClient, FakeHost, lineEvent, tempDir, waitFor } from './ipc-support.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A directory whose name needs quoting for the remote shell. */
function spacedDir(): string {
  const { dir, cleanup } = tempDir('ns ipc-');
  cleanups.push(cleanup);
  return dir;
}

async function serve(host: FakeHost, socketPath: string) {
  const server = await serveEngine(host, { socketPath, log: () => undefined });
  cleanups.push(() => server.close());
  return server;
}

describe('bridgeStdio', () => {
  it('pipes a client to the local engine until the client leaves', async () => {
    const socketPath = path.join(spacedDir(), 'engine.sock');
    const host = new FakeHost('bridged');
    const server = await serve(host, socketPath);
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const exit = bridgeStdio({ socketPath, stdin, stdout });
    const engine = await createStreamClient(stdout, stdin, { readonly: true });
    expect(engine.current()?.project).toBe('bridged');
    await expect(engine.command('stop')).resolves.toEqual({ ok: false, error: 'read-only attach' });
    host.emit(lineEvent('through the bridge'));
    await waitFor(() => engine.current()?.recent.length === 1, 'the event');
    engine.close();
    await expect(exit).resolves.toBe(0);
    await waitFor(() => server.clientCount() === 0, 'the engine to see the client leave');
  });

  it('writes a protocol error naming the project and exits 1 when no engine runs', async () => {
    const socketPath = path.join(spacedDir(), 'engine.sock');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const exit = bridgeStdio({ socketPath, root: '/srv/app', stdin, stdout });
    await expect(createStreamClient(stdout, stdin)).rejects.toThrow(
      'no engine is running for /srv/app (start one with nightshift run)',
    );
    await expect(exit).resolves.toBe(1);
  });
});

describe('connectSsh through a fake ssh', () => {
  let fakeSsh = '';
  let remoteCommand = '';

  beforeAll(() => {
    const { dir, cleanup } = tempDir('ns-ssh-');
    // Like sshd: skip ssh's options, drop the destination, hand the command line to a shell.
    fakeSsh = path.join(dir, 'ssh');
    fs.writeFileSync(
      fakeSsh,
      [
        '#!/bin/sh',
        'while [ $# -gt 0 ]; do case "$1" in --) shift; break;; -o|-p|-i) shift 2;; *) shift;; esac; done',
        'host=$1; shift',
        'if [ "$host" = refused.example ]; then',
        '  echo "ssh: connect to host refused.example port 22: Connection refused" >&2; exit 255',
        'fi',
        'exec sh -c "$*"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    // The remote `nightshift attach --stdio PATH`, run from source (PATH here is the socket itself).
    const runner = path.join(dir, 'attach-stdio.ts');
    fs.writeFileSync(
      runner,
      [
        `import { bridgeStdio } from ${JSON.stringify(path.join(repoRoot, 'source/ipc/stdio-bridge.js'))};`,
        'const socketPath = process.argv[process.argv.length - 1] ?? "";',
        'process.exit(await bridgeStdio({ socketPath, stdin: process.stdin, stdout: process.stdout }));',
        '',
      ].join('\n'),
    );
    remoteCommand = `${path.join(repoRoot, 'node_modules/.bin/vite-node')} ${runner} --`;
    return cleanup;
  });

  it('attaches, runs commands, and reconnects by running ssh again', async () => {
    const socketPath = path.join(spacedDir(), 'engine.sock');
    const first = await serve(new FakeHost('remote'), socketPath);
    const engine = await connectSsh({
      target: `me@box.example:${socketPath}`,
      sshCommand: fakeSsh,
      remoteCommand,
      reconnect: true,
    });
    cleanups.push(() => engine.close());
    expect(engine.current()?.project).toBe('remote');
    await expect(engine.command('pause')).resolves.toEqual({ ok: true, value: { paused: true } });

    const statuses: string[] = [];
    engine.onConnection((status) => statuses.push(status));
    await first.close();
    await waitFor(() => statuses.includes('lost'), 'lost');
    const second = new FakeHost('remote again');
    await serve(second, socketPath);
    await waitFor(() => statuses.includes('restored'), 'restored', 20_000);
    expect(engine.current()?.project).toBe('remote again');
    second.emit(lineEvent('after reconnect'));
    await waitFor(() => engine.current()?.recent.length === 1, 'the event');
  });

  it('passes a read-only attach through to the engine', async () => {
    const socketPath = path.join(spacedDir(), 'engine.sock');
    await serve(new FakeHost(), socketPath);
    const engine = await connectSsh({
      target: `box:${socketPath}`,
      sshCommand: fakeSsh,
      remoteCommand,
      readonly: true,
    });
    cleanups.push(() => engine.close());
    await expect(engine.command('pause')).resolves.toEqual({ ok: false, error: 'read-only attach' });
  });

  it("surfaces ssh's own error", async () => {
    await expect(
      connectSsh({ target: 'refused.example:/srv/app', sshCommand: fakeSsh, remoteCommand }),
    ).rejects.toThrow(
      'ssh refused.example: ssh: connect to host refused.example port 22: Connection refused',
    );
  });

  it('says no engine is running on the far side', async () => {
    const socketPath = path.join(spacedDir(), 'engine.sock');
    await expect(
      connectSsh({ target: `box:${socketPath}`, sshCommand: fakeSsh, remoteCommand }),
    ).rejects.toThrow(`no engine is running for ${socketPath}`);
  });

  it('says so when there is no ssh at all', async () => {
    await expect(
      connectSsh({ target: 'box:/srv/app', sshCommand: path.join(repoRoot, 'no-such-ssh'), remoteCommand }),
    ).rejects.toThrow(/no-such-ssh not found: attach --ssh needs an OpenSSH client/);
  });
});
