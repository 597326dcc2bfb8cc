/**
 * A loopback fake of the Anthropic Messages API, for driving the real `claude` CLI without a model.
 *
 *   const server = await startFakeAnthropic({ scenario: writesPassingCode({ file: 'a.txt', content: 'hi' }) });
 *   // run claude with ANTHROPIC_BASE_URL=server.url ANTHROPIC_API_KEY=test …
 *   expect(server.toolResults().some((r) => r.text.includes('blocked by nightshift'))).toBe(true);
 *   await server.close();
 *
 * `POST /v1/messages` answers with SSE (`stream: true`: message_start, content_block_start/delta/stop
 * for text and tool_use with input_json_delta, message_delta with stop_reason and usage,
 * message_stop) or one JSON message. Requests that offer no tools (title generation, quota checks)
 * get a short text; requests with tools get the scenario's next turn. `count_tokens` is answered,
 * and any other route gets a 404 and is recorded in `unknownRoutes`. Every request is recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A content block the fake can send as the assistant. */
export type AssistantBlock =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'tool_use';
      readonly name: string;
      readonly input: Readonly<Record<string, unknown>>;
      readonly id?: string;
    };

/** One assistant turn. `stop_reason` defaults to `tool_use` when a tool is called, else `end_turn`. */
export interface AssistantTurn {
  readonly content: readonly AssistantBlock[];
  readonly stop_reason?: 'end_turn' | 'tool_use' | 'max_tokens';
}

/** A message of the conversation as the client sent it. */
export interface RequestMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string | readonly Readonly<Record<string, unknown>>[];
}

/** The body of a Messages API request (the fields scenarios read). */
export interface MessagesRequest {
  readonly model: string;
  readonly messages: readonly RequestMessage[];
  readonly system?: string | readonly { readonly type: string; readonly text?: string }[];
  readonly tools?: readonly { readonly name: string }[];
  readonly stream?: boolean;
  readonly max_tokens?: number;
}

/** Decides the next assistant turn from the conversation so far. */
export type Scenario = (request: MessagesRequest) => AssistantTurn;

/** One HTTP request the fake received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body, or undefined when there was none or it was not JSON. */
  readonly body: unknown;
  readonly time: number;
}

/** A tool_result block the client sent back, with its text flattened. */
export interface SeenToolResult {
  readonly toolUseId: string;
  readonly isError: boolean;
  readonly text: string;
}

/** A running fake server. */
export interface FakeAnthropic {
  /** `http://127.0.0.1:PORT` — give it to claude as ANTHROPIC_BASE_URL (no /v1). */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** `METHOD path` of requests to routes the fake does not implement. */
  readonly unknownRoutes: readonly string[];
  /** The Messages requests that offered tools (the agent's main loop). */
  readonly agentRequests: () => readonly MessagesRequest[];
  /** Every tool_result the client sent, in order. */
  readonly toolResults: () => readonly SeenToolResult[];
  /** The usage sent with each agent request (only with the `usage` option). */
  readonly sent: () => readonly SentRequestUsage[];
  /** Replaces the scenario for later requests. */
  readonly setScenario: (scenario: Scenario) => void;
  /**
   * Answers every later Messages request with this HTTP error (Anthropic's error body: 500
   * `api_error`, 429 `rate_limit_error`, 529 `overloaded_error`, 401 `authentication_error`) until
   * cleared with `setFault(undefined)`: an outage of the model API.
   */
  readonly setFault: (status: 401 | 429 | 500 | 529 | undefined) => void;
  readonly close: () => Promise<void>;
}

/** Options of {@link startFakeAnthropic}. */
export interface FakeAnthropicOptions {
  readonly scenario: Scenario;
  /** Text for requests without tools (titles, quota checks). */
  readonly sideText?: string;
  /** Called with one line per request, e.g. `console.log` while debugging. */
  readonly log?: (line: string) => void;
  /**
   * The usage reported for agent request N (1-based), cache tokens included; default a rough count
   * of the request and no cache. Requests without tools then report none, so `sent()` is all.
   */
  readonly usage?: (n: number) => SentUsage;
  /** A fixed port (to bring the fake back up where claude expects it); default random. */
  readonly port?: number;
}

/** The usage the fake reported for one Messages request. */
export interface SentUsage {
  readonly input: number;
  readonly output: number;
  readonly cacheCreation: number;
  readonly cacheRead: number;
}

/** The usage sent for one agent request, with the session's first prompt (which attempt it was). */
export interface SentRequestUsage extends SentUsage {
  readonly prompt: string;
}

/** The text of a content array or string (text blocks and tool_result contents). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) => {
      if (typeof block !== 'object' || block === null) return '';
      const record = block as Record<string, unknown>;
      if (typeof record['text'] === 'string') return record['text'];
      if (record['type'] === 'tool_result') return contentText(record['content']);
      return '';
    })
    .join('\n');
}

/** Every tool_result block in a request's messages. */
export function toolResultsOf(request: MessagesRequest): SeenToolResult[] {
  const results: SeenToolResult[] = [];
  for (const message of request.messages) {
    if (message.role !== 'user' || typeof message.content === 'string') continue;
    for (const block of message.content) {
      if (block['type'] !== 'tool_result') continue;
      results.push({
        toolUseId: typeof block['tool_use_id'] === 'string' ? block['tool_use_id'] : '',
        isError: block['is_error'] === true,
        text: contentText(block['content']),
      });
    }
  }
  return results;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake_${Date.now()}` });
  response.end(JSON.stringify(body));
}

/** A rough token count: enough for usage fields that clients sum up. */
function approxTokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));
}

let idCounter = 0;

function withIds(turn: AssistantTurn): { blocks: AssistantBlock[]; stopReason: string } {
  const blocks = turn.content.map((block) =>
    block.type === 'tool_use' ? { ...block, id: block.id ?? `toolu_fake_${++idCounter}` } : block,
  );
  const stopReason =
    turn.stop_reason ?? (blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
  return { blocks, stopReason };
}

function apiBlock(block: AssistantBlock): Record<string, unknown> {
  return block.type === 'text'
    ? { type: 'text', text: block.text }
    : { type: 'tool_use', id: block.id, name: block.name, input: block.input };
}

function sendStream(
  response: ServerResponse,
  request: MessagesRequest,
  turn: AssistantTurn,
  usage?: SentUsage,
): void {
  const { blocks, stopReason } = withIds(turn);
  const id = `msg_fake_${++idCounter}`;
  const inputTokens = usage?.input ?? approxTokens(request.messages);
  const outputTokens = usage?.output ?? approxTokens(blocks);
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const send = (event: string, data: unknown): void => {
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  send('message_start', {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: inputTokens,
        output_tokens: usage ? 0 : 1,
        cache_creation_input_tokens: usage?.cacheCreation ?? 0,
        cache_read_input_tokens: usage?.cacheRead ?? 0,
      },
    },
  });
  send('ping', { type: 'ping' });
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'text', text: '' },
      });
      // Two deltas, so clients that join deltas are exercised.
      const half = Math.ceil(block.text.length / 2);
      for (const part of [block.text.slice(0, half), block.text.slice(half)]) {
        if (part)
          send('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'text_delta', text: part },
          });
      }
    } else {
      send('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      const json = JSON.stringify(block.input);
      const half = Math.ceil(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)]) {
        if (part)
          send('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: part },
          });
      }
    }
    send('content_block_stop', { type: 'content_block_stop', index });
  });
  send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: outputTokens },
  });
  send('message_stop', { type: 'message_stop' });
  response.end();
}

function sendMessage(
  response: ServerResponse,
  request: MessagesRequest,
  turn: AssistantTurn,
  usage?: SentUsage,
): void {
  const { blocks, stopReason } = withIds(turn);
  sendJson(response, 200, {
    id: `msg_fake_${++idCounter}`,
    type: 'message',
    role: 'assistant',
    model: request.model,
    content: blocks.map(apiBlock),
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: usage?.input ?? approxTokens(request.messages),
      output_tokens: usage?.output ?? approxTokens(blocks),
      cache_creation_input_tokens: usage?.cacheCreation ?? 0,
      cache_read_input_tokens: usage?.cacheRead ?? 0,
    },
  });
}

function isMessagesRequest(body: unknown): body is MessagesRequest {
  return (
    typeof body === 'object' && body !== null && Array.isArray((body as Record<string, unknown>)['messages'])
  );
}

/** The error the real API answers with for each injected status. */
const ERRORS: Readonly<Record<401 | 429 | 500 | 529, { type: string; message: string }>> = {
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  429: { type: 'rate_limit_error', message: 'fake-anthropic: rate limited' },
  500: { type: 'api_error', message: 'fake-anthropic: internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

/** Starts the fake on 127.0.0.1 with a random port. */
export async function startFakeAnthropic(options: FakeAnthropicOptions): Promise<FakeAnthropic> {
  let scenario = options.scenario;
  let fault: 401 | 429 | 500 | 529 | undefined;
  const requests: RecordedRequest[] = [];
  const unknownRoutes: string[] = [];
  const messageBodies: MessagesRequest[] = [];
  const sent: SentRequestUsage[] = [];
  const NO_USAGE: SentUsage = { input: 0, output: 0, cacheCreation: 0, cacheRead: 0 };

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      let body: unknown;
      try {
        body = raw ? (JSON.parse(raw) as unknown) : undefined;
      } catch {
        body = undefined;
      }
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '/',
        headers: req.headers,
        body,
        time: Date.now(),
      });
      options.log?.(`${req.method ?? ''} ${req.url ?? ''}`);
      if (req.method === 'POST' && pathname.startsWith('/v1/messages') && fault !== undefined) {
        sendJson(res, fault, { type: 'error', error: ERRORS[fault] });
      } else if (req.method === 'POST' && pathname === '/v1/messages' && isMessagesRequest(body)) {
        messageBodies.push(body);
        const hasTools = (body.tools?.length ?? 0) > 0;
        const turn: AssistantTurn = hasTools
          ? scenario(body)
          : { content: [{ type: 'text', text: options.sideText ?? 'Fake title' }] };
        let usage: SentUsage | undefined;
        if (options.usage) {
          usage = hasTools ? options.usage(sent.length + 1) : NO_USAGE;
          if (hasTools) sent.push({ ...usage, prompt: contentText(body.messages[0]?.content) });
        }
        if (body.stream === true) sendStream(res, body, turn, usage);
        else sendMessage(res, body, turn, usage);
      } else if (req.method === 'POST' && pathname === '/v1/messages/count_tokens') {
        sendJson(res, 200, { input_tokens: approxTokens(body) });
      } else if ((req.method === 'GET' || req.method === 'HEAD') && pathname === '/') {
        sendJson(res, 200, { ok: true });
      } else {
        unknownRoutes.push(`${req.method ?? ''} ${pathname}`);
        sendJson(res, 404, {
          type: 'error',
          error: { type: 'not_found_error', message: `fake-anthropic: no route ${pathname}` },
        });
      }
    })().catch((error: unknown) => {
      sendJson(res, 500, {
        type: 'error',
        error: { type: 'api_error', message: `fake-anthropic: ${String(error)}` },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unknownRoutes,
    agentRequests: () => messageBodies.filter((b) => (b.tools?.length ?? 0) > 0),
    toolResults: () => {
      // The last agent request carries the whole conversation; dedupe by tool_use id across requests.
      const seen = new Map<string, SeenToolResult>();
      for (const body of messageBodies)
        for (const result of toolResultsOf(body)) seen.set(result.toolUseId, result);
      return [...seen.values()];
    },
    sent: () => [...sent],
    setScenario: (next) => {
      scenario = next;
    },
    setFault: (status) => {
      fault = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
