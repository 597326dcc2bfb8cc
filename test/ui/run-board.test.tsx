/**
 * runBoard on fake TTY streams: the alternate screen is entered and always restored (leave,
 * render error, signal), signal handlers are removed afterwards, and the exit reason resolves.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  delete process.env['CI'];
});

import type { EngineClient } from '../../source/protocol/types.js';
import { runBoard } from '../../source/ui/run-board.js';
import { ENTER_ALT_SCREEN, holdAlternateScreen, LEAVE_ALT_SCREEN } from '../../source/ui/terminal-screen.js';
import { waitFor } from './helpers.js';
import { sampleClient } from './sample.js';

class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  columns = 100;
  rows = 30;
  output = '';
  write(chunk: string): boolean {
    this.output += chunk;
    return true;
  }
}

class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  #queue: string[] = [];
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): string | null {
    return this.#queue.shift() ?? null;
  }
  type(data: string): void {
    this.#queue.push(data);
    this.emit('readable');
  }
}

function streams() {
  const stdout = new FakeStdout();
  const stdin = new FakeStdin();
  return {
    stdout,
    stdin,
    options: {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
    },
  };
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
const listenerCounts = (): number[] => [
  ...SIGNALS.map((s) => process.listenerCount(s)),
  process.listenerCount('exit'),
];

describe('runBoard', () => {
  it('enters the alternate screen, resolves "left" on q, and restores the terminal', async () => {
    const once = async (): Promise<void> => {
      const { stdout, stdin, options } = streams();
      const done = runBoard(sampleClient(), { ...options, maxFps: 30 });
      expect(stdout.output.startsWith(ENTER_ALT_SCREEN)).toBe(true);
      await waitFor(() => stdout.output.includes('todo-api'));
      stdin.type('q');
      await expect(done).resolves.toBe('left');
      expect(stdout.output.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
    };
    await once();
    // Ink's own exit hook stays loaded once used; ours must not pile up run after run.
    const after = listenerCounts();
    await once();
    expect(listenerCounts()).toEqual(after);
  });

  it('resolves "stop-requested" after Q and y', async () => {
    const { stdout, stdin, options } = streams();
    const client = sampleClient();
    const done = runBoard(client, options);
    await waitFor(() => stdout.output.includes('todo-api'));
    stdin.type('Q');
    await waitFor(() => stdout.output.includes('stop the whole run?'));
    stdin.type('y');
    await expect(done).resolves.toBe('stop-requested');
    expect(client.commands.map((c) => c.name)).toEqual(['stop']);
    expect(stdout.output.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
  });

  it('restores the terminal when rendering throws', async () => {
    const { stdout, options } = streams();
    const broken: EngineClient = {
      ...sampleClient(),
      current: () => {
        throw new Error('snapshot exploded');
      },
    };
    await expect(runBoard(broken, options)).rejects.toThrow('snapshot exploded');
    expect(stdout.output.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
  });

  it('restores the terminal and closes on SIGHUP (an ssh drop)', async () => {
    const { stdout, options } = streams();
    // Another listener keeps the handler from re-raising the signal at the test runner.
    const keepAlive = (): void => undefined;
    process.on('SIGHUP', keepAlive);
    try {
      const done = runBoard(sampleClient(), options);
      await waitFor(() => stdout.output.includes('todo-api'));
      process.emit('SIGHUP', 'SIGHUP');
      expect(stdout.output.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
      await expect(done).resolves.toBe('left');
      expect(stdout.output.split(LEAVE_ALT_SCREEN).length).toBe(2);
    } finally {
      process.off('SIGHUP', keepAlive);
    }
  });

  it('resolves "connection-closed" when the client gives up', async () => {
    const { stdout, options } = streams();
    const client = sampleClient();
    const done = runBoard(client, options);
    await waitFor(() => stdout.output.includes('todo-api'));
    client.connection('closed', 'engine gone');
    await expect(done).resolves.toBe('connection-closed');
    expect(stdout.output.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
  });
});

describe('holdAlternateScreen', () => {
  it('installs exit and signal handlers for its lifetime and restores once', () => {
    const stdout = new FakeStdout();
    const before = listenerCounts();
    const guard = holdAlternateScreen(stdout as unknown as NodeJS.WriteStream, () => undefined);
    expect(listenerCounts()).toEqual(before.map((n) => n + 1));
    guard.release();
    guard.release();
    expect(listenerCounts()).toEqual(before);
    expect(stdout.output).toBe(ENTER_ALT_SCREEN + LEAVE_ALT_SCREEN);
  });

  it('on a signal, closes the board before leaving the alternate screen', () => {
    const stdout = new FakeStdout();
    const keepAlive = (): void => undefined;
    const before = process.listenerCount('SIGTERM');
    process.on('SIGTERM', keepAlive);
    try {
      const seen: string[] = [];
      holdAlternateScreen(stdout as unknown as NodeJS.WriteStream, (signal) => {
        seen.push(signal);
        stdout.write('last frame');
      });
      process.emit('SIGTERM', 'SIGTERM');
      expect(seen).toEqual(['SIGTERM']);
      expect(stdout.output).toBe(`${ENTER_ALT_SCREEN}last frame${LEAVE_ALT_SCREEN}`);
      expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    } finally {
      process.off('SIGTERM', keepAlive);
    }
  });
});
