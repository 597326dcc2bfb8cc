/**
 * A git remote over http on loopback that takes pushes only with a password: git's own
 * `git http-backend` (CGI) behind a node server that answers 401 to a request without the right
 * Basic credentials, as a hosted remote does.
 *
 *   const remote = await startGitHttpRemote({ user: 'u', password: 'p' });
 *   // git push `${remote.url}` …  → asks git's credential helpers, askpass, the URL
 *   await remote.close();
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { outsideDir } from './cli.js';

/** A running remote. */
export interface GitHttpRemote {
  /** `http://127.0.0.1:PORT/repo.git`, without credentials. */
  readonly url: string;
  /** The bare repository on disk. */
  readonly dir: string;
  /** Requests answered 401 (no or wrong credentials) and pushes received with them. */
  readonly counts: { unauthorized: number; authorized: number };
  /** `git ls-remote` of the bare repository, read from disk (no credentials needed). */
  refs(): Promise<string>;
  close(): Promise<void>;
}

/** Starts the remote with a bare repository holding nothing; outside /tmp, as a user's would be. */
export async function startGitHttpRemote(auth: { user: string; password: string }): Promise<GitHttpRemote> {
  const root = await outsideDir('nightshift-http-remote-');
  const dir = path.join(root, 'repo.git');
  await execa('git', ['init', '-q', '--bare', dir]);
  const expected = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  const counts = { unauthorized: 0, authorized: 0 };
  const server = http.createServer((request, response) => {
    if (request.headers.authorization !== expected) {
      counts.unauthorized += 1;
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="nightshift-test"' }).end();
      return;
    }
    counts.authorized += 1;
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: auth.user,
        REMOTE_ADDR: '127.0.0.1',
        REQUEST_METHOD: request.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        ...(request.headers['content-encoding'] && {
          HTTP_CONTENT_ENCODING: request.headers['content-encoding'],
        }),
        ...(request.headers['content-length'] && { CONTENT_LENGTH: request.headers['content-length'] }),
        GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    request.pipe(cgi.stdin);
    // CGI output: header lines, a blank line, then the body.
    let head = Buffer.alloc(0);
    let headerDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headerDone) {
        response.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      headerDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (/^status$/i.test(name)) status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      response.writeHead(status, headers);
      response.write(head.subarray(end + 4));
    });
    cgi.on('close', () => response.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/repo.git`,
    dir,
    counts,
    refs: async () => (await execa('git', ['ls-remote', dir])).stdout,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
