/**
 * The board's single input pipeline. Outside attach mode one `useInput` resolves each key through
 * the binding table; in the filter and forms, unbound printable keys are typed text. While
 * attached, that handler is inactive and only a raw listener runs: every byte goes to the agent's
 * terminal untouched (ctrl-c included) and only ctrl-] (0x1d) comes back (STYLE.md §2).
 */
import { useCallback, useLayoutEffect, useRef } from 'react';
import { useInput, useStdin, type Key } from 'ink';
import type { ModeKind, Pane } from './board-state.js';
import { keyName, resolveAction } from './keys/bindings.js';
import type { BoardActions } from './use-board-actions.js';

/** The byte ctrl-] sends: the way back from an agent's terminal (telnet's escape, too). */
export const DETACH_BYTE = '\x1d';

/** Where the board is. */
export interface KeyState {
  readonly mode: ModeKind;
  readonly focus: Pane;
  /** False while the board is closing; no handler listens then. */
  readonly active: boolean;
}

/** Routes keyboard input to `actions` for as long as the component is mounted. */
export function useKeys({ mode, focus, active }: KeyState, actions: BoardActions): void {
  const attached = mode === 'attach';
  // The handler is stable and reads where the board is from a ref set during the commit: Ink
  // re-subscribes a changed handler only in a passive effect, which can run after the next key.
  const latest = useRef({ mode, focus, actions });
  useLayoutEffect(() => {
    latest.current = { mode, focus, actions };
  });

  const onKey = useCallback((input: string, key: Key) => {
    const { mode: current, focus: pane, actions: perform } = latest.current;
    // Until Ink drops this handler (passive effect), attach mode belongs to the raw listener alone.
    if (current === 'attach') return;
    const action = resolveAction(keyName(input, key), { mode: current, focus: pane });
    if (action) perform.perform(action);
    else if ((current === 'filter' || current === 'form') && !key.ctrl && !key.meta && input.length > 0) perform.insertText(input);
  }, []);
  useInput(onKey, { isActive: active && !attached });

  const { internal_eventEmitter: events, setRawMode } = useStdin();
  // A layout effect, so no byte typed right after `a` slips past both listeners.
  useLayoutEffect(() => {
    if (!active || !attached) return;
    // Raw mode stays on while attached even though the useInput above let go of it.
    setRawMode(true);
    const onInput = (chunk: string | Buffer): void => {
      const data = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const stop = data.indexOf(DETACH_BYTE);
      if (stop === -1) {
        actions.sendToAgent(data);
        return;
      }
      if (stop > 0) actions.sendToAgent(data.slice(0, stop));
      actions.perform('detach');
    };
    events.on('input', onInput);
    return () => {
      events.off('input', onInput);
      setRawMode(false);
    };
  }, [active, attached, events, setRawMode, actions]);
}
