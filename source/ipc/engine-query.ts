/**
 * One question to a running engine, without its snapshot: a read-only hello that asks for no
 * snapshot and no events, one command, its result, and the connection closed. For `status`, which
 * must not wait for (and parse) the whole queue of a 10,000-task engine.
 */
import { UserError } from '../errors.js';
import type { CommandName, CommandResult } from '../protocol/types.js';
import { PROTOCOL_VERSION } from './messages.js';
import { socketConnector } from './transport.js';

/** Settings of `askEngine`. */
export interface QueryOptions {
  /** The project root, for the "no engine is running for …" message. */
  readonly root?: string;
  /** How long to wait for the result (default 10 s). */
  readonly timeoutMs?: number;
}

/**
 * Sends command `name` to the engine on `socketPath` and resolves with its result. Rejects with a
 * UserError when nothing listens there, the engine refuses the client, the connection ends first
 * or the answer does not come in time.
 */
export async function askEngine(
  socketPath: string,
  name: CommandName,
  args: Readonly<Record<string, unknown>> = {},
  options: QueryOptions = {},
): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let settle: { resolve: (result: CommandResult) => void; reject: (error: Error) => void } | undefined;
  const answer = new Promise<CommandResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const transport = await socketConnector(
    socketPath,
    options.root,
  )({
    message: (message) => {
      if (message.type === 'result' && message.id === 1)
        settle?.resolve({
          ok: message.ok,
          ...(message.error !== undefined && { error: message.error }),
          ...(message.value !== undefined && { value: message.value }),
        });
      // An error before the result is a refusal (another protocol version); a snapshot (an
      // older engine that sends one anyway) and events are not what was asked for.
      else if (message.type === 'error') settle?.reject(new UserError(message.message));
    },
    closed: (reason) => settle?.reject(new UserError(reason)),
  });
  const timer = setTimeout(
    () => settle?.reject(new UserError(`the engine did not answer "${name}" within ${timeoutMs / 1000} s`)),
    timeoutMs,
  );
  try {
    transport.send({ type: 'hello', version: PROTOCOL_VERSION, readonly: true, snapshot: false });
    transport.send({ type: 'command', id: 1, name, args });
    return await answer;
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
