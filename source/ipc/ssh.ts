/**
 * `attach --ssh`: the system's ssh runs `nightshift attach --stdio PATH` on the remote machine and
 * the client speaks the ordinary protocol over the channel, so events cross the network, not screen
 * frames (DESIGN.md §3). Reconnecting means running ssh again.
 */
import { spawn } from 'node:child_process';
import { UserError } from '../errors.js';
import { shellQuote } from '../text.js';
import { createClient, type ClientOptions, type Connector } from './client-core.js';
import type { EngineClient } from '../protocol/types.js';
import { streamTransport } from './transport.js';

/** Where a remote engine is: an ssh destination and the project path on that machine. */
export interface SshTarget {
  /** What ssh connects to: `host` or `user@host`. */
  readonly destination: string;
  readonly port?: string;
  /** The project root on the remote machine, as typed (`~/repo` stays relative to the home). */
  readonly path: string;
}

/**
 * Parses an attach target. Accepted forms:
 * - `host:path` and `user@host:path` (scp style; `[::1]:path` for IPv6 literals);
 * - `ssh://[user@]host[:port]/path`, where `/~/repo` means `~/repo` and `//abs` or `/abs` an absolute
 *   path. Another port in scp style goes through `sshArgs` (`-p 2222`) or `~/.ssh/config`.
 */
export function parseSshTarget(target: string): SshTarget {
  const bad = (why: string): UserError =>
    new UserError(`invalid ssh target "${target}": ${why}`, {
      hint: 'Write HOST:PATH, USER@HOST:PATH or ssh://USER@HOST:PORT/PATH.',
    });
  let destination: string;
  let port: string | undefined;
  let remotePath: string;
  if (target.startsWith('ssh://')) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw bad('not a valid URL');
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    destination = url.username ? `${decodeURIComponent(url.username)}@${host}` : host;
    port = url.port || undefined;
    const decoded = decodeURIComponent(url.pathname);
    remotePath = decoded.startsWith('/~') ? decoded.slice(1) : decoded;
    if (remotePath === '' || remotePath === '/') throw bad('no project path after the host');
  } else {
    const at = target.lastIndexOf('@', target.startsWith('[') ? -1 : target.indexOf(':'));
    const user = at > 0 ? target.slice(0, at + 1) : '';
    const rest = at > 0 ? target.slice(at + 1) : target;
    const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(rest);
    let host: string;
    if (bracketed) {
      host = bracketed[1] ?? '';
      remotePath = bracketed[2] ?? '';
    } else {
      const colon = rest.indexOf(':');
      if (colon === -1) throw bad('no ":" between the host and the project path');
      host = rest.slice(0, colon);
      remotePath = rest.slice(colon + 1);
    }
    destination = `${user}${host}`;
    if (remotePath === '') throw bad('no project path after ":"');
  }
  // A destination starting with "-" would be read by ssh as an option (-oProxyCommand=…).
  if (destination === '' || destination.startsWith('-') || /\s/.test(destination)) throw bad('bad host name');
  return port ? { destination, port, path: remotePath } : { destination, path: remotePath };
}

/** Quotes a remote path but keeps a leading `~` or `~user` outside the quotes so the shell expands it. */
export function quoteRemotePath(remotePath: string): string {
  const tilde = /^(~[\w.-]*)(\/.*)?$/.exec(remotePath);
  if (!tilde) return shellQuote(remotePath);
  const rest = tilde[2];
  if (rest === undefined) return tilde[1] ?? '~';
  return `${tilde[1] ?? '~'}/${rest.length > 1 ? shellQuote(rest.slice(1)) : ''}`;
}

/**
 * The command line the remote shell runs. `program` replaces `nightshift` (e.g.
 * `node /opt/nightshift/dist/cli/index.js` when the remote PATH lacks it) and is used verbatim.
 */
export function remoteCommandLine(remotePath: string, program = 'nightshift'): string {
  return `${program} attach --stdio ${quoteRemotePath(remotePath)}`;
}

/** Settings of `connectSsh`. */
export interface SshOptions extends ClientOptions {
  /** `host:path`, `user@host:path` or `ssh://user@host:port/path`. */
  readonly target: string;
  /** More ssh options, placed before the destination (`-i key`, `-p 2222`, `-J jump`). */
  readonly sshArgs?: readonly string[];
  /** What runs nightshift remotely (default: env NIGHTSHIFT_REMOTE_COMMAND, else `nightshift`). */
  readonly remoteCommand?: string;
  /** The ssh program (default `ssh`); tests point it at a script. */
  readonly sshCommand?: string;
}

/** Keep this much of ssh's stderr for error messages: its last lines say what went wrong. */
const STDERR_KEPT = 4096;

/** The argv for ssh: no tty, never prompt (a board cannot answer), keepalives to notice dead links. */
export function sshArgv(target: SshTarget, options: Pick<SshOptions, 'sshArgs' | 'remoteCommand'>): string[] {
  const program = options.remoteCommand ?? (process.env['NIGHTSHIFT_REMOTE_COMMAND'] || 'nightshift');
  return [
    '-T',
    '-o',
    'BatchMode=yes',
    '-o',
    'ServerAliveInterval=15',
    ...(target.port ? ['-p', target.port] : []),
    ...(options.sshArgs ?? []),
    '--',
    target.destination,
    remoteCommandLine(target.path, program),
  ];
}

/** Opens a client on a remote engine through ssh; resolves once its snapshot arrived. */
export function connectSsh(options: SshOptions): Promise<EngineClient> {
  const target = parseSshTarget(options.target);
  return createClient(sshConnector(target, options), options);
}

/** Runs ssh once per connection; its stdout/stdin carry the protocol. */
export function sshConnector(target: SshTarget, options: Omit<SshOptions, 'target'>): Connector {
  const command = options.sshCommand ?? 'ssh';
  const argv = sshArgv(target, options);
  return (handlers) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (text: string) => {
        stderr = (stderr + text).slice(-STDERR_KEPT);
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'ENOENT'
            ? new UserError(`${command} not found: attach --ssh needs an OpenSSH client on the PATH`, {
                cause: error,
              })
            : new UserError(`cannot run ${command}: ${error.message}`, { cause: error }),
        );
      });
      child.once('spawn', () => {
        // The channel's end says little; ssh's exit (after its stderr is complete) says why.
        const inner = streamTransport(child.stdout, child.stdin, {
          message: handlers.message,
          closed: () => undefined,
        });
        child.once('close', (code, signal) => {
          const said = stderr.trim();
          const how = signal ? `killed by ${signal}` : `exit code ${code ?? '?'}`;
          handlers.closed(
            said ? `ssh ${target.destination}: ${said}` : `ssh ${target.destination} ended (${how})`,
          );
        });
        resolve({
          send: inner.send,
          close: () => {
            inner.close();
            child.kill('SIGTERM');
          },
        });
      });
    });
}
