/**
 * The selected agent's live terminal, rebuilt in the board's process: raw pty bytes from
 * `client.onPty` feed a headless xterm, and its text is read on a timer (not per chunk), so a
 * streaming agent costs one snapshot per PUBLISH_MS however fast it writes (DESIGN.md §4, §7).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { EngineClient } from '../protocol/types.js';
import type { TypedKeys } from '../terminal/typed-keys.js';
import { createScreen, type AgentScreen } from '../terminal/screen.js';
import { displayText, textWidth, wrapColumns } from './text.js';
import { PUBLISH_MS } from './use-engine.js';

/** The size agents' ptys start with (agents/agent-process.ts uses the same default). */
export const AGENT_PTY_SIZE = { cols: 120, rows: 35 } as const;

/** Lines kept above the screen for scrolling back in the log pane. */
const SCROLLBACK = 500;

const NONE: readonly string[] = [];

/** What the log pane draws from an agent's terminal. */
export interface PtyScreen {
  /** Scrollback and screen, oldest first, trailing blank lines dropped, wrapped at words to the pane. */
  readonly lines: readonly string[];
  /** True once any byte arrived (otherwise the log pane falls back to event lines). */
  readonly received: boolean;
  /** Resizes the local terminal (the caller resizes the agent's pty to match). */
  readonly resize: (cols: number, rows: number) => void;
}

/**
 * `lines` for a pane `width` columns wide: a line of a wider pty wraps at spaces, never inside a
 * word (text.ts wrapColumns).
 */
export function wrapScreen(lines: readonly string[], width: number): readonly string[] {
  if (lines.every((line) => textWidth(line) <= width)) return lines;
  return lines.flatMap((line) => wrapColumns(displayText(line), width));
}

/**
 * Subscribes to `agentId`'s pty while `enabled`, masks in it the keys `typed` says this board
 * typed there, and returns its screen text wrapped to `width`
 * (the pane the screen is shown in).
 */
export function usePtyScreen(
  client: EngineClient,
  agentId: string | null,
  typed: TypedKeys,
  enabled: boolean,
  width: number,
): PtyScreen {
  const [state, setState] = useState<{ agentId: string | null; lines: readonly string[] }>({
    agentId: null,
    lines: [],
  });
  const terminalRef = useRef<AgentScreen | null>(null);

  useEffect(() => {
    if (!enabled || agentId === null) return;
    const terminal = createScreen({ ...AGENT_PTY_SIZE, scrollback: SCROLLBACK });
    terminalRef.current = terminal;
    let timer: NodeJS.Timeout | undefined;
    const publish = (): void => {
      timer = undefined;
      // allLines masks secrets: the pty's bytes are the agent's own, unmasked (DESIGN.md §8). A key
      // this board typed is masked in pieces too: output may have cut its echo where no pattern sees it.
      setState({ agentId, lines: terminal.allLines(typed.known(agentId)) });
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
  }, [client, agentId, typed, enabled]);

  const resize = useCallback((cols: number, rows: number) => {
    terminalRef.current?.resize(cols, rows);
  }, []);

  const current = state.agentId === agentId && enabled;
  const raw = current ? state.lines : NONE;
  // Wrapped once per published screen or pane width, not on every frame.
  const lines = useMemo(() => wrapScreen(raw, width), [raw, width]);
  return { lines, received: current && raw.length > 0, resize };
}
