/**
 * The one bridge from an EngineClient into React. Events update a ref at once; React state is
 * published at most every PUBLISH_MS by a single timer, because batching engine updates (not
 * maxFps) is what keeps the board's CPU low under load (DESIGN.md §7).
 */
import { useEffect, useRef, useState } from 'react';
import type { EngineClient, EngineSnapshot } from '../protocol/types.js';
import { OutputRings } from './output-rings.js';

/**
 * Publish cadence of engine updates into React. Each Ink frame of a 120x35 board costs ~25–35 ms
 * here (string-width and ANSI slicing of every cell), so under load (8 agents × 1,000 lines/s) the
 * cadence sets the board's CPU: 100 ms → 23%, 250 ms → 12–14%, 333 ms → 9.3–9.5% of a core
 * (npm run bench -- board). Keys re-render at once regardless.
 */
export const PUBLISH_MS = 333;

/** The connection as the board shows it. */
export type ConnectionState =
  | { readonly status: 'connected' }
  | { readonly status: 'lost'; readonly detail: string }
  | { readonly status: 'restored'; readonly detail: string }
  | { readonly status: 'closed'; readonly detail: string };

/** What the board reads from the engine. */
export interface EngineView {
  readonly snapshot: EngineSnapshot | null;
  readonly connection: ConnectionState;
  /** Set once the engine reported the end of the run. */
  readonly ended: { readonly exitCode: number; readonly outcome: string } | null;
  /** The buffered structured output lines of an agent. */
  readonly outputLines: (agentId: string) => readonly string[];
  /** Wall-clock time of the last publish (drives elapsed times between clock ticks). */
  readonly publishedAt: number;
}

interface Published {
  readonly snapshot: EngineSnapshot | null;
  readonly ended: EngineView['ended'];
  readonly publishedAt: number;
}

/** Subscribes to `client` for the lifetime of the component and returns the batched view. */
export function useEngine(client: EngineClient): EngineView {
  const rings = useRef<OutputRings | null>(null);
  // Seeded once from the snapshot the client already holds: agents' lines from before the board.
  rings.current ??= seeded(new OutputRings(), client.current());
  const [published, setPublished] = useState<Published>(() => ({
    snapshot: client.current(),
    ended: null,
    publishedAt: Date.now(),
  }));
  const [connection, setConnection] = useState<ConnectionState>({ status: 'connected' });

  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    let ended: EngineView['ended'] = null;
    const publish = (): void => {
      timer = undefined;
      const now = Date.now();
      rings.current?.prune(now);
      setPublished({ snapshot: client.current(), ended, publishedAt: now });
    };
    // One pending timer at most: events arriving while it waits ride along with it.
    const schedule = (): void => {
      timer ??= setTimeout(publish, PUBLISH_MS);
    };
    const offEvent = client.onEvent((event) => {
      const ring = rings.current;
      if (event.type === 'agent-output' && event.replace)
        ring?.seed(event.agentId, event.text === '' ? [] : event.text.split('\n'), Date.now());
      else if (event.type === 'agent-output') ring?.push(event.agentId, event.text, Date.now());
      else if (event.type === 'agent-removed') ring?.markRemoved(event.agentId, Date.now());
      else if (event.type === 'ended') ended = { exitCode: event.exitCode, outcome: event.outcome };
      schedule();
    });
    // A reconnect's snapshot carries what the agents said while the board was away.
    const offSnapshot = client.onSnapshot((snapshot) => {
      if (rings.current) seeded(rings.current, snapshot);
      schedule();
    });
    const offConnection = client.onConnection((status, detail) => {
      setConnection({ status, detail });
      // Publish with it: the board must see the end of the run (an 'ended' event still waiting
      // for the timer) in the same frame as the engine's connection closing after it.
      if (timer) clearTimeout(timer);
      publish();
    });
    // The client may have moved on between the first render and this subscription.
    schedule();
    return () => {
      offEvent();
      offSnapshot();
      offConnection();
      if (timer) clearTimeout(timer);
    };
  }, [client]);

  return {
    snapshot: published.snapshot,
    connection,
    ended: published.ended,
    outputLines: (agentId) => rings.current?.lines(agentId) ?? [],
    publishedAt: published.publishedAt,
  };
}

/** `rings` with every agent's lines from `snapshot` (a board opened mid-run starts with them). */
function seeded(rings: OutputRings, snapshot: EngineSnapshot | null): OutputRings {
  const now = Date.now();
  for (const [agentId, lines] of Object.entries(snapshot?.output ?? {})) rings.seed(agentId, lines, now);
  return rings;
}
