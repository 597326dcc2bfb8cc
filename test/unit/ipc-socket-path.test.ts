import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_SOCKET_PATH_BYTES,
  engineSocketPath,
  isProjectSocket,
  prepareSocketDir,
  rootHash,
  rootOfSocket,
} from '../../source/ipc/socket-path.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function temp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-sp-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A project root deep enough that `.nightshift/engine.sock` cannot be a socket address. */
function deepRoot(base: string): string {
  const deep = path.join(
    base,
    'a-rather-long-directory-name'.repeat(2),
    'nested-once-more-for-length',
    'project',
  );
  fs.mkdirSync(deep, { recursive: true });
  return deep;
}

describe('engineSocketPath', () => {
  it('uses .nightshift/engine.sock when it fits', () => {
    const root = temp();
    expect(engineSocketPath(root)).toBe(path.join(root, '.nightshift', 'engine.sock'));
    expect(isProjectSocket(engineSocketPath(root))).toBe(true);
    expect(rootOfSocket(engineSocketPath(root))).toBe(root);
  });

  it('falls back to $XDG_RUNTIME_DIR/nightshift/<hash>.sock for a deep project', () => {
    const root = deepRoot(temp());
    expect(Buffer.byteLength(path.join(root, '.nightshift', 'engine.sock'))).toBeGreaterThan(
      MAX_SOCKET_PATH_BYTES,
    );
    const chosen = engineSocketPath(root, { env: { XDG_RUNTIME_DIR: '/run/user/1000' } });
    expect(chosen).toBe(`/run/user/1000/nightshift/${rootHash(root)}.sock`);
    expect(Buffer.byteLength(chosen)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
    expect(isProjectSocket(chosen)).toBe(false);
    expect(rootOfSocket(chosen)).toBeUndefined();
  });

  it('falls back to <tmpdir>/nightshift-<uid>/ without XDG_RUNTIME_DIR', () => {
    const root = deepRoot(temp());
    const chosen = engineSocketPath(root, { env: {}, tmpdir: '/tmp', uid: 1234 });
    expect(chosen).toBe(`/tmp/nightshift-1234/${rootHash(root)}.sock`);
  });

  it('ignores a runtime dir or tmpdir that is itself too long', () => {
    const root = deepRoot(temp());
    const long = `/${'r'.repeat(120)}`;
    expect(engineSocketPath(root, { env: { XDG_RUNTIME_DIR: long }, tmpdir: long, uid: 7 })).toBe(
      `/tmp/nightshift-7/${rootHash(root)}.sock`,
    );
  });

  it('names the same project the same way, and different projects differently', () => {
    expect(rootHash('/a/b')).toBe(rootHash('/a/b/'));
    expect(rootHash('/a/b')).not.toBe(rootHash('/a/c'));
    expect(rootHash('/a/b')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('prepareSocketDir', () => {
  it('creates a fallback directory private to the user, tightening an open one', () => {
    const base = temp();
    const socket = path.join(base, 'nightshift-1', 'abc.sock');
    fs.mkdirSync(path.dirname(socket), { mode: 0o755 });
    fs.chmodSync(path.dirname(socket), 0o755);
    prepareSocketDir(socket);
    expect(fs.statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
  });

  it('leaves the project .nightshift directory as it is', () => {
    const root = temp();
    const socket = engineSocketPath(root);
    prepareSocketDir(socket);
    expect(fs.statSync(path.dirname(socket)).isDirectory()).toBe(true);
  });

  it('refuses a fallback directory that is not a directory', () => {
    const base = temp();
    const notDir = path.join(base, 'nightshift-1');
    fs.symlinkSync(base, notDir);
    expect(() => prepareSocketDir(path.join(notDir, 'abc.sock'))).toThrow(/not a directory owned by you/);
  });
});
