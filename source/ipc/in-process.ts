/**
 * The EngineClient for a board in the engine's own process (`run --no-detach`, tests): no
 * serialisation and no copies, since events are immutable by contract.
 */
import { errorMessage } from '../errors.js';
import {
  applyEvent,
  type EngineClient,
  type EngineEvent,
  type EngineHost,
  type EngineSnapshot,
} from '../protocol/types.js';

/** A client that calls `host` directly. */
export function inProcessClient(host: EngineHost): EngineClient {
  let snapshot: EngineSnapshot = host.snapshot();
  let closed = false;
  const eventListeners = new Set<(event: EngineEvent) => void>();
  const connectionListeners = new Set<(status: 'lost' | 'restored' | 'closed', detail: string) => void>();
  const ptyUnsubscribes = new Set<() => void>();
  const unsubscribe = host.subscribe((event) => {
    snapshot = applyEvent(snapshot, event);
    for (const listener of [...eventListeners]) listener(event);
  });

  return {
    current: () => snapshot,
    // The one snapshot is taken at creation and read through current(); no reconnects follow.
    onSnapshot: () => () => undefined,
    onEvent: (listener) => {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnection: (listener) => {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    onPty: (agentId, listener) => {
      if (closed) return () => undefined;
      const stop = host.subscribePty(agentId, listener);
      ptyUnsubscribes.add(stop);
      return () => {
        if (ptyUnsubscribes.delete(stop)) stop();
      };
    },
    command: async (name, args = {}) => {
      if (closed) return { ok: false, error: 'the connection to the engine is closed' };
      try {
        return await host.command(name, args);
      } catch (error) {
        return { ok: false, error: errorMessage(error) };
      }
    },
    close: () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      for (const stop of ptyUnsubscribes) stop();
      ptyUnsubscribes.clear();
      for (const listener of [...connectionListeners]) listener('closed', 'closed by the client');
    },
  };
}
