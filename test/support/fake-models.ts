/**
 * Loopback fakes of three model APIs, for driving the real codex, gemini and opencode CLIs without a
 * model (the Anthropic one is test/support/fake-anthropic.ts):
 *
 * - `responses` — OpenAI Responses API, `POST /v1/responses` with `stream: true` (codex): SSE
 *   `response.created`, `response.output_item.added/done`, `response.output_text.delta`,
 *   `response.completed` with usage. A shell call is an `exec_command` function call (`{cmd}`).
 * - `gemini` — `POST /v1beta/models/M:streamGenerateContent?alt=sse` (gemini) and
 *   `:generateContent`: SSE `data:` chunks of `{candidates, usageMetadata}`. Shell calls are
 *   `run_shell_command`, file writes `write_file`.
 * - `chat` — OpenAI Chat Completions, `POST /v1/chat/completions` with `stream: true` (opencode):
 *   `chat.completion.chunk` deltas with tool_calls, then a usage chunk. Shell calls are `bash`,
 *   file writes `write`.
 *
 *   const fake = await startFakeModel({ api: 'chat', script: steps([shell('npm test'), say('done')]) });
 *   // run the CLI against fake.url …
 *   expect(attempt.tokensIn).toBe(fake.sent().tokensIn);
 *
 * A script reads the conversation (the prompt, the system text, earlier tool results) and returns
 * the next model turn. Requests that offer no tools (opencode's title, gemini's side questions) get a
 * short text and no usage, so `sent()` counts exactly the tokens of the agent's own loop. Faults
 * (`setFault`) answer with 500/429/401, hang, or reset the connection instead.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Which API the fake speaks. */
export type FakeApi = 'responses' | 'gemini' | 'chat';

/** A tool call the fake's model makes; each API maps it to its CLI's own tool. */
export type ToolCall =
  | { readonly kind: 'shell'; readonly command: string }
  | { readonly kind: 'write'; readonly path: string; readonly content: string };

/** One model turn: some text, then tool calls (none ends the agent's loop). */
export interface ModelTurn {
  readonly text?: string;
  readonly calls?: readonly ToolCall[];
}

/** What a script sees of the request. */
export interface Conversation {
  readonly api: FakeApi;
  /** Every user-authored text of the request joined (the prompt, context blocks the CLI adds). */
  readonly userText: string;
  /** The system / developer instructions (where CLIs put AGENTS.md, GEMINI.md). */
  readonly system: string;
  /** How many model turns the conversation already holds: the step to take now. */
  readonly step: number;
  /** Tool results the client sent back, in order (outputs as text). */
  readonly toolResults: readonly string[];
  /** The agent's working directory when the CLI says it, else undefined. */
  readonly cwd: string | undefined;
  readonly model: string;
}

/** Decides the next turn. */
export type ModelScript = (conversation: Conversation) => ModelTurn;

/** An injected failure for the next requests. */
export type Fault =
  | { readonly kind: 'status'; readonly status: 500 | 429 | 401 | 503; readonly retryAfterSec?: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' };

/** Usage the fake reported for one agent turn. */
export interface SentUsage {
  readonly tokensIn: number;
  readonly tokensOut: number;
}

/** One HTTP request the fake received. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
  /** True when it offered tools (the agent's own loop). */
  readonly agent: boolean;
  /** The fault it was answered with, if any. */
  readonly fault?: Fault['kind'];
}

/** A running fake. */
export interface FakeModel {
  /** `http://127.0.0.1:PORT` (no path): each CLI's config adds `/v1` or not, see `baseUrl`. */
  readonly url: string;
  /** The base URL to give the CLI: `/v1` for responses and chat, the origin for gemini. */
  readonly baseUrl: string;
  readonly requests: readonly FakeRequest[];
  /** Conversations of the agent requests, in order. */
  readonly conversations: readonly Conversation[];
  /** Totals of the usage sent with agent turns. */
  readonly sent: () => SentUsage;
  /** Every tool result seen (deduplicated across requests by call id). */
  readonly toolResults: () => readonly string[];
  /** Answers requests with `fault` until cleared with `setFault(undefined)`; `count` limits it. */
  readonly setFault: (fault: Fault | undefined, count?: number) => void;
  readonly setScript: (script: ModelScript) => void;
  readonly close: () => Promise<void>;
}

/** Options of {@link startFakeModel}. */
export interface FakeModelOptions {
  readonly api: FakeApi;
  readonly script: ModelScript;
  /** Input tokens reported for agent turn N (1-based); default 1000 + 10·N. */
  readonly inputTokens?: (turn: number) => number;
  /** Output tokens reported for agent turn N; default 20 + N. */
  readonly outputTokens?: (turn: number) => number;
  /** A fixed port (e.g. to bring the fake back up where a CLI expects it); default random. */
  readonly port?: number;
  readonly log?: (line: string) => void;
}

// --- scripts ---------------------------------------------------------------------------------

/** A turn that runs one shell command. */
export function shell(command: string, text = `Running ${command}.`): ModelTurn {
  return { text, calls: [{ kind: 'shell', command }] };
}

/** A turn that writes one file (relative to the agent's working directory). */
export function write(path: string, content: string, text = `Writing ${path}.`): ModelTurn {
  return { text, calls: [{ kind: 'write', path, content }] };
}

/** A text-only turn: ends the agent's loop. */
export function say(text: string): ModelTurn {
  return { text };
}

/** One turn per step; after the last, a summary of the last tool result. */
export function steps(list: readonly (ModelTurn | ModelScript)[]): ModelScript {
  return (conversation) => {
    const step = list[conversation.step];
    if (step !== undefined) return typeof step === 'function' ? step(conversation) : step;
    return say(`Done. ${(conversation.toolResults.at(-1) ?? '').slice(0, 300)}`);
  };
}

/** Picks a script by a `scenario: NAME` marker in the user's text. */
export function byMarker(
  scripts: Readonly<Record<string, ModelScript>>,
  fallback: ModelScript = () => say('Nothing to do.'),
): ModelScript {
  return (conversation) => {
    const name = /scenario:\s*([\w-]+)/.exec(conversation.userText)?.[1];
    return (name === undefined ? undefined : scripts[name])?.(conversation) ?? fallback(conversation);
  };
}

/** The attempt number the prompt names ("This is attempt 2 of"), 1 when none. */
export function attemptOf(conversation: Conversation): number {
  const match = /\battempt (\d+) of\b/i.exec(conversation.userText);
  return match?.[1] === undefined ? 1 : Number(match[1]);
}

// --- helpers ---------------------------------------------------------------------------------

type Json = Readonly<Record<string, unknown>>;

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function array(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Text of a content value: a string, or parts with `text`. */
function partsText(value: unknown): string {
  if (typeof value === 'string') return value;
  return array(value)
    .map((part) => str(object(part)?.['text']))
    .filter(Boolean)
    .join('\n');
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const CWD_PATTERNS = [
  /<cwd>([^<]+)<\/cwd>/,
  /Working directory:\s*(\S+)/i,
  /current working directory[^/]*?(\/\S+?)[`'".,]?\s/i,
  /<env>[\s\S]*?directory:\s*(\/\S+)/i,
];

function cwdOf(...texts: string[]): string | undefined {
  for (const text of texts)
    for (const pattern of CWD_PATTERNS) {
      const match = pattern.exec(text)?.[1];
      if (match) return match.trim();
    }
  return undefined;
}

/** A heredoc that writes `content` to `file` (codex has no write tool for unknown models). */
function writeCommand(file: string, content: string): string {
  const marker = 'NIGHTSHIFT_FAKE_EOF';
  return `cat > ${JSON.stringify(file)} <<'${marker}'\n${content.replace(/\n$/, '')}\n${marker}`;
}

let counter = 0;
const nextId = (prefix: string): string => `${prefix}_${++counter}`;

// --- the three APIs --------------------------------------------------------------------------

interface Adapter {
  /** Whether this request is one the adapter answers, and with streaming. */
  readonly match: (method: string, pathname: string) => boolean;
  readonly hasTools: (body: Json) => boolean;
  readonly conversation: (body: Json, pathname: string) => Conversation;
  /** Sends `turn` with `usage` (zero usage for side requests). */
  readonly send: (
    response: ServerResponse,
    body: Json,
    pathname: string,
    turn: ModelTurn,
    usage: SentUsage,
  ) => void;
  /** Tool results with their call ids, for deduplication. */
  readonly results: (body: Json) => readonly (readonly [string, string])[];
}

function sse(response: ServerResponse): (data: unknown, event?: string) => void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  return (data, event) =>
    response.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
}

const responses: Adapter = {
  match: (method, pathname) => method === 'POST' && pathname.endsWith('/responses'),
  hasTools: (body) => array(body['tools']).length > 0,
  results: (body) =>
    array(body['input'])
      .map(object)
      .filter((item) => item?.['type'] === 'function_call_output')
      .map((item) => [str(item?.['call_id']), outputText(item?.['output'])] as const),
  conversation: (body) => {
    const items = array(body['input']).map(object);
    const user = items
      .filter((item) => item?.['type'] === 'message' && item['role'] === 'user')
      .map((item) => partsText(item?.['content']));
    const system = [
      str(body['instructions']),
      ...items
        .filter((item) => item?.['type'] === 'message' && item['role'] === 'developer')
        .map((item) => partsText(item?.['content'])),
    ].join('\n');
    const userText = user.join('\n');
    return {
      api: 'responses',
      userText,
      system,
      step: items.filter((item) => item?.['type'] === 'function_call').length,
      toolResults: responses.results(body).map(([, text]) => text),
      cwd: cwdOf(userText, system),
      model: str(body['model']),
    };
  },
  send: (response, body, _pathname, turn, usage) => {
    const send = sse(response);
    const id = nextId('resp');
    const base = {
      id,
      object: 'response',
      model: str(body['model']),
      created_at: Math.floor(Date.now() / 1000),
    };
    send(
      { type: 'response.created', response: { ...base, status: 'in_progress', output: [] } },
      'response.created',
    );
    const output: Json[] = [];
    if (turn.text) {
      const item = {
        id: nextId('msg'),
        type: 'message',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: turn.text, annotations: [] }],
      };
      send(
        { type: 'response.output_item.added', output_index: 0, item: { ...item, content: [] } },
        'response.output_item.added',
      );
      send(
        {
          type: 'response.output_text.delta',
          item_id: item.id,
          output_index: 0,
          content_index: 0,
          delta: turn.text,
        },
        'response.output_text.delta',
      );
      send({ type: 'response.output_item.done', output_index: 0, item }, 'response.output_item.done');
      output.push(item);
    }
    for (const call of turn.calls ?? []) {
      const cmd = call.kind === 'shell' ? call.command : writeCommand(call.path, call.content);
      const item = {
        id: nextId('fc'),
        type: 'function_call',
        status: 'completed',
        call_id: nextId('call'),
        name: 'exec_command',
        arguments: JSON.stringify({ cmd }),
      };
      send(
        { type: 'response.output_item.added', output_index: output.length, item },
        'response.output_item.added',
      );
      send(
        { type: 'response.output_item.done', output_index: output.length, item },
        'response.output_item.done',
      );
      output.push(item);
    }
    send(
      {
        type: 'response.completed',
        response: {
          ...base,
          status: 'completed',
          output,
          usage: {
            input_tokens: usage.tokensIn,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: usage.tokensOut,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: usage.tokensIn + usage.tokensOut,
          },
        },
      },
      'response.completed',
    );
    response.end();
  },
};

/** A function_call_output's output: a string, or content parts. */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  const record = object(output);
  if (record) return str(record['content']) || partsText(record['content']);
  return partsText(output);
}

const gemini: Adapter = {
  match: (method, pathname) =>
    method === 'POST' && /:(stream)?[gG]enerateContent$/.test(pathname) && pathname.includes('/models/'),
  hasTools: (body) => array(body['tools']).length > 0,
  results: (body) => {
    const found: [string, string][] = [];
    array(body['contents']).forEach((content, index) => {
      array(object(content)?.['parts']).forEach((part, partIndex) => {
        const result = object(object(part)?.['functionResponse']);
        if (result === undefined) return;
        const response = object(result['response']);
        const text = str(response?.['output']) || str(response?.['error']) || JSON.stringify(response ?? {});
        found.push([str(result['id']) || `${index}.${partIndex}`, text]);
      });
    });
    return found;
  },
  conversation: (body, pathname) => {
    const contents = array(body['contents']).map(object);
    const userText = contents
      .filter((content) => content?.['role'] === 'user')
      .map((content) => partsText(content?.['parts']))
      .join('\n');
    const system = partsText(object(body['systemInstruction'])?.['parts']);
    return {
      api: 'gemini',
      userText,
      system,
      step: contents.filter((content) => content?.['role'] === 'model').length,
      toolResults: gemini.results(body).map(([, text]) => text),
      cwd: cwdOf(userText, system),
      model: /models\/([^:]+)/.exec(pathname)?.[1] ?? '',
    };
  },
  send: (response, _body, pathname, turn, usage) => {
    const parts: Json[] = [];
    if (turn.text) parts.push({ text: turn.text });
    for (const call of turn.calls ?? []) {
      parts.push({
        functionCall:
          call.kind === 'shell'
            ? { name: 'run_shell_command', args: { command: call.command, description: 'run it' } }
            : { name: 'write_file', args: { file_path: call.path, content: call.content } },
      });
    }
    const usageMetadata = {
      promptTokenCount: usage.tokensIn,
      candidatesTokenCount: usage.tokensOut,
      totalTokenCount: usage.tokensIn + usage.tokensOut,
    };
    const chunk = {
      candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
      usageMetadata,
      modelVersion: /models\/([^:]+)/.exec(pathname)?.[1] ?? 'fake',
    };
    if (!pathname.includes(':stream')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(chunk));
      return;
    }
    const send = sse(response);
    send(chunk);
    response.end();
  },
};

const chat: Adapter = {
  match: (method, pathname) => method === 'POST' && pathname.endsWith('/chat/completions'),
  hasTools: (body) => array(body['tools']).length > 0,
  results: (body) =>
    array(body['messages'])
      .map(object)
      .filter((message) => message?.['role'] === 'tool')
      .map((message) => [str(message?.['tool_call_id']), partsText(message?.['content'])] as const),
  conversation: (body) => {
    const messages = array(body['messages']).map(object);
    const userText = messages
      .filter((message) => message?.['role'] === 'user')
      .map((message) => partsText(message?.['content']))
      .join('\n');
    const system = messages
      .filter((message) => message?.['role'] === 'system')
      .map((message) => partsText(message?.['content']))
      .join('\n');
    return {
      api: 'chat',
      userText,
      system,
      step: messages.filter((message) => message?.['role'] === 'assistant').length,
      toolResults: chat.results(body).map(([, text]) => text),
      cwd: cwdOf(system, userText),
      model: str(body['model']),
    };
  },
  send: (response, body, _pathname, turn, usage) => {
    const id = nextId('chatcmpl');
    const base = {
      id,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: str(body['model']),
    };
    const send = sse(response);
    const cwd = chat.conversation(body, '').cwd;
    send({
      ...base,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
    if (turn.text)
      send({ ...base, choices: [{ index: 0, delta: { content: turn.text }, finish_reason: null }] });
    (turn.calls ?? []).forEach((call, index) => {
      const name = call.kind === 'shell' ? 'bash' : 'write';
      const filePath =
        call.kind === 'write' && cwd && !call.path.startsWith('/') ? `${cwd}/${call.path}` : '';
      const args =
        call.kind === 'shell'
          ? { command: call.command, description: 'run it' }
          : { filePath: filePath || call.path, content: call.content };
      send({
        ...base,
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index,
                  id: nextId('call'),
                  type: 'function',
                  function: { name, arguments: JSON.stringify(args) },
                },
              ],
            },
            finish_reason: null,
          },
        ],
      });
    });
    send({
      ...base,
      choices: [
        { index: 0, delta: {}, finish_reason: (turn.calls ?? []).length > 0 ? 'tool_calls' : 'stop' },
      ],
    });
    send({
      ...base,
      choices: [],
      usage: {
        prompt_tokens: usage.tokensIn,
        completion_tokens: usage.tokensOut,
        total_tokens: usage.tokensIn + usage.tokensOut,
      },
    });
    response.write('data: [DONE]\n\n');
    response.end();
  },
};

const ADAPTERS: Readonly<Record<FakeApi, Adapter>> = { responses, gemini, chat };

/** The error body each API's clients expect, with the real API's wording (nothing a CLI could match on the fake's words). */
function errorBody(api: FakeApi, status: number): Json {
  if (api === 'gemini') {
    const [message, statusText] =
      status === 401
        ? ['API key not valid. Please pass a valid API key.', 'UNAUTHENTICATED']
        : status === 429
          ? ['Resource has been exhausted (e.g. check quota).', 'RESOURCE_EXHAUSTED']
          : ['Internal error encountered.', status === 503 ? 'UNAVAILABLE' : 'INTERNAL'];
    return { error: { code: status, message, status: statusText } };
  }
  const [message, type, code] =
    status === 401
      ? ['Incorrect API key provided: fake-key.', 'invalid_request_error', 'invalid_api_key']
      : status === 429
        ? ['Rate limit reached for requests.', 'requests', 'rate_limit_exceeded']
        : ['The server had an error while processing your request. Sorry about that!', 'server_error', null];
  return { error: { message, type, param: null, code } };
}

/** Starts a fake on 127.0.0.1. */
export async function startFakeModel(options: FakeModelOptions): Promise<FakeModel> {
  const adapter = ADAPTERS[options.api];
  let script = options.script;
  let fault: Fault | undefined;
  let faultsLeft = Infinity;
  const requests: FakeRequest[] = [];
  const conversations: Conversation[] = [];
  const results = new Map<string, string>();
  const total = { tokensIn: 0, tokensOut: 0 };
  let turns = 0;
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      let body: Json = {};
      try {
        body = object(JSON.parse(raw)) ?? {};
      } catch {
        body = {};
      }
      const method = req.method ?? '';
      const known = adapter.match(method, pathname);
      const agent = known && adapter.hasTools(body);
      const active = fault !== undefined && faultsLeft > 0 && known ? fault : undefined;
      requests.push({
        method,
        path: req.url ?? '/',
        headers: req.headers,
        body,
        agent,
        ...(active !== undefined && { fault: active.kind }),
      });
      options.log?.(
        `${method} ${req.url ?? ''}${agent ? ' (agent)' : ''}${active ? ` fault ${active.kind}` : ''}`,
      );
      if (active !== undefined) {
        faultsLeft -= 1;
        if (active.kind === 'hang') {
          hanging.add(res);
          return;
        }
        if (active.kind === 'reset') {
          req.socket.destroy();
          return;
        }
        res.writeHead(active.status, {
          'content-type': 'application/json',
          ...(active.retryAfterSec !== undefined && { 'retry-after': String(active.retryAfterSec) }),
        });
        res.end(JSON.stringify(errorBody(options.api, active.status)));
        return;
      }
      if (!known) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `fake-models: no route ${method} ${pathname}` } }));
        return;
      }
      if (!agent) {
        adapter.send(res, body, pathname, say('Fake title'), { tokensIn: 0, tokensOut: 0 });
        return;
      }
      const conversation = adapter.conversation(body, pathname);
      conversations.push(conversation);
      for (const [id, text] of adapter.results(body)) results.set(id, text);
      turns += 1;
      const usage = {
        tokensIn: options.inputTokens?.(turns) ?? 1000 + 10 * turns,
        tokensOut: options.outputTokens?.(turns) ?? 20 + turns,
      };
      total.tokensIn += usage.tokensIn;
      total.tokensOut += usage.tokensOut;
      adapter.send(res, body, pathname, script(conversation), usage);
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `fake-models: ${String(error)}` } }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: options.api === 'gemini' ? url : `${url}/v1`,
    requests,
    conversations,
    sent: () => ({ ...total }),
    toolResults: () => [...results.values()],
    setFault: (next, count = Infinity) => {
      fault = next;
      faultsLeft = count;
      if (next === undefined) {
        for (const res of hanging) res.destroy();
        hanging.clear();
      }
    },
    setScript: (next) => {
      script = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens (connection refused): a port just freed. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
