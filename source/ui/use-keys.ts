/**
 * The board's single input pipeline. Outside attach mode one `useInput` resolves each key through
 * the binding table; in the filter and forms, unbound printable keys are typed text. While
 * attached, that handler is inactive and only a raw listener runs: every byte goes to the agent's
 * terminal untouched (ctrl-c included) and only ctrl-] (0x1d) comes back (STYLE.md §2).
 */
import { useCallback, useLayoutEffect, useSyncExternalStore } from 'react';
import { useInput, useStdin, type Key } from 'ink';
import type { BoardStore } from './board-store.js';
import { keyName, resolveAction } from './keys/bindings.js';
import type { BoardActions } from './use-board-actions.js';

/** The byte ctrl-] sends: the way back from an agent's terminal (telnet's escape, too). */
export const DETACH_BYTE = '\x1d';

/** Routes keyboard input to `actions` for as long as the component is mounted. */
export function useKeys(store: BoardStore, actions: BoardActions): void {
  const attached = useSyncExternalStore(store.subscribe, () => store.getState().mode.kind === 'attach');

  // Stable, and reads the store at each key: keys that arrive in one tick each see the state the
  // previous one left (Ink re-subscribes a changed handler only after the next frame).
  const onKey = useCallback(
    (input: string, key: Key) => {
      const handle = (text: string, flags: Key): void => {
        const { mode, focus } = store.getState();
        // Until Ink drops this handler, attach mode belongs to the raw listener alone.
        if (mode.kind === 'attach') return;
        const action = resolveAction(keyName(text, flags), { mode: mode.kind, focus });
        if (action) actions.perform(action);
        else if (
          (mode.kind === 'filter' || mode.kind === 'form') &&
          !flags.ctrl &&
          !flags.meta &&
          text.length > 0
        )
          actions.insertText(text);
      };
      const { mode } = store.getState();
      const typing = mode.kind === 'filter' || mode.kind === 'form';
      // Keys typed faster than a read (ssh, key repeat) arrive as one chunk: outside text fields
      // each character is its own key.
      if (!typing && input.length > 1 && !key.ctrl && !key.meta)
        for (const char of input) handle(char, { ...key, shift: char !== char.toLowerCase() });
      else handle(input, key);
    },
    [store, actions],
  );
  useInput(onKey, { isActive: !attached });

  const { internal_eventEmitter: events, setRawMode } = useStdin();
  // A layout effect, so no byte typed right after `a` slips past both listeners.
  useLayoutEffect(() => {
    if (!attached) return;
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
  }, [attached, events, setRawMode, actions]);
}
