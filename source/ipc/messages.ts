/**
 * The wire messages between an engine and its clients, on the local Unix socket, or at
 * the far end of an ssh channel (DESIGN.md §3). Wire format: one JSON message per line.
 */
import type { CommandName, EngineEvent, EngineSnapshot } from '../protocol/types.js';

/** Protocol version; a client with another major version is refused with a clear message. */
export const PROTOCOL_VERSION = 1;

/** Client → engine. */
export type ClientMessage =
  | {
      readonly type: 'hello';
      readonly version: number;
      readonly readonly?: boolean;
      /**
       * false: no snapshot and no events, only command results (`status` asks one question and
       * goes; the whole queue's snapshot is ~19 MB at 10,000 tasks). Default true.
       */
      readonly snapshot?: boolean;
    }
  | {
      readonly type: 'command';
      readonly id: number;
      readonly name: CommandName;
      readonly args: Readonly<Record<string, unknown>>;
    };

/** Engine → client. */
export type ServerMessage =
  | { readonly type: 'snapshot'; readonly state: EngineSnapshot }
  | { readonly type: 'event'; readonly event: EngineEvent }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly ok: boolean;
      readonly error?: string;
      readonly value?: unknown;
    }
  /** Raw pty bytes of an agent a client subscribed to (base64 is not needed: JSON strings carry UTF-8). */
  | { readonly type: 'pty'; readonly agentId: string; readonly data: string }
  | { readonly type: 'error'; readonly message: string };
