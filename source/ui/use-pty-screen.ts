/**
 * The selected agent's live terminal, rebuilt in the board's process: raw pty bytes from
 * `client.onPty` feed a headless xterm, and its text is read on a timer (not per chunk), so a
 * streaming agent costs one snapshot per PUBLISH_MS however fast it writes (DESIGN.md §4, §7).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import xterm from '@xterm/headless';
import type { EngineClient } from '../protocol/types.js';
import { PUBLISH_MS } from './use-engine.js';

/** The size agents' ptys start with (agents/agent-process.ts uses the same default). */
export const AGENT_PTY_SIZE = { cols: 120, rows: 35 } as const;

/** Lines kept above the screen for scrolling back in the log pane. */
const SCROLLBACK = 500;

/** What the log pane draws from an agent's terminal. */
export interface PtyScreen {
  /** Scrollback and screen, oldest first, trailing blank lines dropped. */
  readonly lines: readonly string[];
  /** True once any byte arrived (otherwise the log pane falls back to event lines). */
  readonly received: boolean;
  /** Resizes the local terminal (the caller resizes the agent's pty to match). */
  readonly resize: (cols: number, rows: number) => void;
}

function readLines(terminal: xterm.Terminal): string[] {
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let row = 0; row < buffer.length; row += 1)
    lines.push(buffer.getLine(row)?.translateToString(true) ?? '');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Subscribes to `agentId`'s pty while `enabled`, and returns its screen text. */
export function usePtyScreen(client: EngineClient, agentId: string | null, enabled: boolean): PtyScreen {
  const [state, setState] = useState<{ agentId: string | null; lines: readonly string[] }>({
    agentId: null,
    lines: [],
  });
  const terminalRef = useRef<xterm.Terminal | null>(null);

  useEffect(() => {
    if (!enabled || agentId === null) return;
    // @xterm/headless is CommonJS; its Terminal is reachable only through the default export.
    const terminal = new xterm.Terminal({
      cols: AGENT_PTY_SIZE.cols,
      rows: AGENT_PTY_SIZE.rows,
      scrollback: SCROLLBACK,
      allowProposedApi: true,
      convertEol: true,
    });
    terminalRef.current = terminal;
    let timer: NodeJS.Timeout | undefined;
    const publish = (): void => {
      timer = undefined;
      setState({ agentId, lines: readLines(terminal) });
    };
    const off = client.onPty(agentId, (data) => {
      // Mark dirty once xterm has parsed the chunk; one timer carries every chunk until it fires.
      terminal.write(data, () => {
        timer ??= setTimeout(publish, PUBLISH_MS);
      });
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
      terminalRef.current = null;
      terminal.dispose();
    };
  }, [client, agentId, enabled]);

  const resize = useCallback((cols: number, rows: number) => {
    terminalRef.current?.resize(Math.max(1, cols), Math.max(1, rows));
  }, []);

  const current = state.agentId === agentId && enabled;
  return { lines: current ? state.lines : [], received: current && state.lines.length > 0, resize };
}
