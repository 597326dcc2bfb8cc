/**
 * Where a project's engine listens (DESIGN.md §3): `.nightshift/engine.sock`, unless that path is
 * too long for a Unix socket address; then a private per-user directory holds a socket named by a
 * hash of the project root. The engine records the chosen path in its lock file (store/lock.ts), and
 * clients read it from there; this module only computes and prepares the path.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { projectPaths } from '../paths.js';

/**
 * Longest socket path in bytes, without the terminating NUL: `sun_path` holds 108 bytes on Linux and
 * 104 on macOS and the BSDs. Node reports a longer path as EINVAL or silently truncates it.
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/** Inputs of the path choice; the defaults come from the process (tests pass their own). */
export interface SocketPathOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly tmpdir?: string;
  readonly uid?: number;
  readonly maxBytes?: number;
}

/** The socket path of the engine of the project at `root`. */
export function engineSocketPath(root: string, options: SocketPathOptions = {}): string {
  const paths = projectPaths(root);
  const maxBytes = options.maxBytes ?? MAX_SOCKET_PATH_BYTES;
  if (fits(paths.socket, maxBytes)) return paths.socket;

  const name = `${rootHash(paths.root)}.sock`;
  const env = options.env ?? process.env;
  const runtime = env['XDG_RUNTIME_DIR'];
  if (runtime && path.isAbsolute(runtime)) {
    const candidate = path.join(runtime, 'nightshift', name);
    if (fits(candidate, maxBytes)) return candidate;
  }
  const uid = options.uid ?? currentUid();
  const candidate = path.join(options.tmpdir ?? os.tmpdir(), `nightshift-${uid}`, name);
  if (fits(candidate, maxBytes)) return candidate;
  // TMPDIR itself can be long (macOS: /var/folders/…/T/); /tmp is short everywhere we run.
  return path.join('/tmp', `nightshift-${uid}`, name);
}

/** True when `socketPath` is the project's own `.nightshift/engine.sock` rather than a fallback. */
export function isProjectSocket(socketPath: string): boolean {
  return (
    path.basename(socketPath) === 'engine.sock' && path.basename(path.dirname(socketPath)) === '.nightshift'
  );
}

/** The project root a socket path belongs to, when it can be told from the path alone. */
export function rootOfSocket(socketPath: string): string | undefined {
  return isProjectSocket(socketPath) ? path.dirname(path.dirname(socketPath)) : undefined;
}

/**
 * Creates the socket's directory. A fallback directory is shared ground (it may sit in /tmp), so it
 * is made 0700 and must be a real directory owned by this user: otherwise another user could have
 * created it first and watch or replace our socket.
 */
export function prepareSocketDir(socketPath: string): void {
  const dir = path.dirname(socketPath);
  if (isProjectSocket(socketPath)) {
    fs.mkdirSync(dir, { recursive: true });
    return;
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  const uid = currentUid();
  if (!stat.isDirectory() || (uid !== -1 && stat.uid !== uid)) {
    throw new UserError(`${dir} is not a directory owned by you, so the engine socket cannot live there`, {
      hint: `Remove ${dir}, or set XDG_RUNTIME_DIR to a private directory.`,
    });
  }
  if ((stat.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/** A short stable name for a project root: 64 bits of SHA-256 make collisions irrelevant here. */
export function rootHash(root: string): string {
  return crypto.createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 16);
}

function fits(candidate: string, maxBytes: number): boolean {
  return Buffer.byteLength(candidate) <= maxBytes;
}

function currentUid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}
