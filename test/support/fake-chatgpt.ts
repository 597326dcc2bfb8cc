/**
 * A loopback fake of what codex talks to when its user is logged in with ChatGPT (codex 0.169):
 * the OAuth token endpoint (`CODEX_REFRESH_TOKEN_URL_OVERRIDE`) and the ChatGPT backend
 * (`chatgpt_base_url` in the user's config.toml), in front of the Responses fake of fake-models.ts.
 *
 * What codex 0.169 does, read from its source and seen against this fake:
 * - at start it refreshes when the access token (a JWT) has expired, else when `last_refresh` is
 *   more than 8 days old (`refresh_reason: "proactive_expiry"`), and writes the new tokens and
 *   `last_refresh` into `$CODEX_HOME/auth.json`;
 * - it asks `GET {chatgpt_base_url}/wham/accounts/check` for the account's
 *   `workspace_backend_origin`, which must be an HTTPS origin — so this fake speaks HTTPS, with a
 *   certificate of a throwaway CA that codex is pointed at with `CODEX_CA_CERTIFICATE`;
 * - it then posts to `{origin}/backend-api/codex/responses` with `Authorization: Bearer <access>`
 *   and `ChatGPT-Account-Id`, the body zstd-compressed (decoded here with the `zstd` CLI: Node 20's
 *   zlib has no zstd), after trying a WebSocket on the same path (refused here with 426).
 *
 * Refresh tokens are single use, as OpenAI's are: a spent one is refused with
 * `401 {"error":{"code":"refresh_token_reused"}}`, and an access token of an older login with 401.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import type { FakeModel } from './fake-models.js';

/** Why the fake cannot run here (no openssl or zstd), or undefined. */
export function fakeChatgptSkip(): string | undefined {
  for (const tool of ['openssl', 'zstd']) {
    if (spawnSync(tool, ['version'], { stdio: 'ignore' }).error) return `${tool} is not installed`;
  }
  return undefined;
}

/** One login's tokens, as the fake issued them. */
export interface ChatgptTokens {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** A refresh the fake was asked for. */
export interface RefreshRequest {
  readonly refreshToken: string;
  readonly reason: string;
  /** Whether the fake accepted it (false: the token was spent or unknown). */
  readonly accepted: boolean;
}

/** A running fake ChatGPT backend. */
export interface FakeChatgpt {
  /** `https://127.0.0.1:PORT`. */
  readonly origin: string;
  /** For the user's config.toml: `chatgpt_base_url`. */
  readonly chatgptBaseUrl: string;
  /** For `CODEX_REFRESH_TOKEN_URL_OVERRIDE`. */
  readonly tokenUrl: string;
  /** The throwaway CA's certificate, for `CODEX_CA_CERTIFICATE`. */
  readonly caFile: string;
  readonly accountId: string;
  /** The tokens the fake accepts now: the latest login. */
  readonly current: () => ChatgptTokens;
  /** Every login issued, the first (the user's own, already expired) included. */
  readonly logins: readonly ChatgptTokens[];
  readonly refreshes: readonly RefreshRequest[];
  /** The bearer of each Responses request, and whether the fake let it through. */
  readonly responses: readonly { readonly bearer: string; readonly accepted: boolean }[];
  /** The user's `$CODEX_HOME/auth.json` for `tokens` (default: the first login, its access token expired). */
  readonly authJson: (tokens?: ChatgptTokens) => string;
  /** Another codex refreshed the login: its refresh token is spent, a new login is current. */
  readonly refreshElsewhere: () => void;
  /**
   * The backend out of reach (`true`) or back (`false`): while down, every connection is dropped as
   * it opens — codex sees no TLS handshake, as with a network or a ChatGPT outage.
   */
  readonly setDown: (down: boolean) => void;
  readonly close: () => Promise<void>;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An unsigned JWT: codex reads the claims, never the signature. */
const jwt = (claims: Record<string, unknown>): string =>
  `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.x`;

/** A CA and a certificate for 127.0.0.1 it signed, in `dir`. */
async function certificates(dir: string): Promise<{ ca: string; key: string; cert: string }> {
  await mkdir(dir, { recursive: true });
  const file = (name: string): string => path.join(dir, name);
  const run = (args: string[]) => execa('openssl', args, { cwd: dir, stdin: 'ignore' });
  await run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=nightshift test CA',
  ]);
  await run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'key.pem',
    '-out',
    'leaf.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await writeFile(
    file('leaf.ext'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  await run([
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'cert.pem',
    '-days',
    '2',
    '-extfile',
    'leaf.ext',
  ]);
  return { ca: file('ca.pem'), key: file('key.pem'), cert: file('cert.pem') };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Starts the fake in front of `model` (a `responses` fake), its certificates in `dir`. */
export async function startFakeChatgpt(model: FakeModel, dir: string): Promise<FakeChatgpt> {
  const pem = await certificates(dir);
  const accountId = `acct-${process.pid}`;
  const claims = { chatgpt_plan_type: 'plus', chatgpt_account_id: accountId, chatgpt_user_id: 'user-1' };
  const logins: ChatgptTokens[] = [];
  const spent = new Set<string>();
  const refreshes: RefreshRequest[] = [];
  const responses: { bearer: string; accepted: boolean }[] = [];
  const login = (expiresAt: number): ChatgptTokens => {
    const n = logins.length;
    const tokens = {
      idToken: jwt({ email: 'user@example.com', 'https://api.openai.com/auth': claims, exp: expiresAt }),
      accessToken: jwt({ exp: expiresAt, login: n }),
      refreshToken: `fake-refresh-token-${n}-${process.pid}`,
    };
    logins.push(tokens);
    return tokens;
  };
  // The user's own login: its access token expired a day ago, so codex refreshes at once.
  login(Math.floor(Date.now() / 1000) - 86_400);
  const current = (): ChatgptTokens => logins.at(-1)!;
  let origin = '';

  const refresh = (body: Buffer, response: ServerResponse): void => {
    const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const token = typeof request['refresh_token'] === 'string' ? request['refresh_token'] : '';
    const accepted = token === current().refreshToken && !spent.has(token);
    refreshes.push({
      refreshToken: token,
      reason: typeof request['refresh_reason'] === 'string' ? request['refresh_reason'] : '',
      accepted,
    });
    if (!accepted) {
      json(response, 401, { error: { code: spent.has(token) ? 'refresh_token_reused' : 'invalid_grant' } });
      return;
    }
    spent.add(token);
    const next = login(Math.floor(Date.now() / 1000) + 3600);
    json(response, 200, {
      id_token: next.idToken,
      access_token: next.accessToken,
      refresh_token: next.refreshToken,
    });
  };

  const forward = async (request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> => {
    const bearer = (request.headers['authorization'] ?? '').replace(/^Bearer /, '');
    const accepted = bearer === current().accessToken;
    responses.push({ bearer, accepted });
    if (!accepted) {
      json(response, 401, {
        error: { message: 'Your authentication token has expired.', code: 'token_expired' },
      });
      return;
    }
    const plain =
      request.headers['content-encoding'] === 'zstd'
        ? spawnSync('zstd', ['-dc'], { input: body, maxBuffer: 64 * 1024 * 1024 }).stdout
        : body;
    const upstream = await fetch(`${model.baseUrl}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: plain,
    });
    response.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'text/plain',
    });
    response.end(Buffer.from(await upstream.arrayBuffer()));
  };

  const server: Server = createServer(
    { key: await readFile(pem.key), cert: await readFile(pem.cert) },
    (request, response) => {
      void (async () => {
        const body = await readBody(request);
        const pathname = new URL(request.url ?? '/', 'https://127.0.0.1').pathname;
        if (request.method === 'POST' && pathname === '/oauth/token') return refresh(body, response);
        if (pathname === '/backend-api/wham/accounts/check') {
          return json(response, 200, {
            accounts: [
              {
                id: accountId,
                name: 'Personal',
                structure: 'personal',
                workspace_backend_origin: origin,
                account_routing_override: 'NO_CONSTRAINT',
              },
            ],
            account_ordering: [accountId],
            default_account_id: accountId,
          });
        }
        if (pathname === '/backend-api/codex/responses') {
          // A WebSocket upgrade is refused, so codex uses HTTPS.
          if (request.method !== 'POST')
            return json(response, 426, { error: { message: 'Upgrade Required' } });
          return forward(request, body, response);
        }
        // Plugins, analytics, settings, MCP: nothing the test needs.
        return json(response, 404, {});
      })().catch((error: unknown) =>
        json(response, 500, { error: { message: `fake-chatgpt: ${String(error)}` } }),
      );
    },
  );
  const sockets = new Set<Socket>();
  let down = false;
  server.on('connection', (socket: Socket) => {
    if (down) return void socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    chatgptBaseUrl: `${origin}/backend-api/`,
    tokenUrl: `${origin}/oauth/token`,
    caFile: pem.ca,
    accountId,
    current,
    logins,
    refreshes,
    responses,
    refreshElsewhere: () => {
      spent.add(current().refreshToken);
      login(Math.floor(Date.now() / 1000) + 3600);
    },
    setDown: (value) => {
      down = value;
      if (down) for (const socket of sockets) socket.destroy();
    },
    authJson: (tokens = logins[0]!) =>
      `${JSON.stringify(
        {
          OPENAI_API_KEY: null,
          tokens: {
            id_token: tokens.idToken,
            access_token: tokens.accessToken,
            refresh_token: tokens.refreshToken,
            account_id: accountId,
          },
          last_refresh: new Date(Date.now() - 9 * 86_400_000).toISOString(),
        },
        null,
        2,
      )}\n`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
