/**
 * The board's single input pipeline: one raw listener reads every chunk of stdin and splits it
 * into keys in order (keys/key-reader.ts), so a burst typed over ssh or a bracketed paste loses
 * nothing and merges nothing. Outside attach mode each key resolves through the binding table; in
 * the filter and forms, unbound printable keys and pastes are typed text. While attached, every
 * byte goes to the agent's terminal untouched (ctrl-c included) and only ctrl-] (0x1d) comes back
 * (STYLE.md §2).
 */
import { useLayoutEffect, useRef } from 'react';
import { useStdin } from 'ink';
import type { BoardStore } from './board-store.js';
import { resolveAction } from './keys/bindings.js';
import { KeyReader, type KeyToken } from './keys/key-reader.js';
import type { BoardActions } from './use-board-actions.js';

/** The byte ctrl-] sends: the way back from an agent's terminal (telnet's escape, too). */
export const DETACH_BYTE = '\x1d';

/** Bracketed paste markers dropped from what goes to an attached agent. */
function withoutPasteMarkers(data: string): string {
  return data.split('\x1b[200~').join('').split('\x1b[201~').join('');
}

/** Routes keyboard input to `actions` for as long as the component is mounted. */
export function useKeys(store: BoardStore, actions: BoardActions): void {
  const { internal_eventEmitter: events, setRawMode } = useStdin();
  const reader = useRef(new KeyReader());

  // A layout effect, so no byte typed right after the first frame slips past.
  useLayoutEffect(() => {
    setRawMode(true);
    const onToken = (token: KeyToken): void => {
      const { mode, focus } = store.getState();
      const typing = mode.kind === 'filter' || mode.kind === 'form';
      if (token.kind === 'paste') {
        // One-line fields: line breaks and tabs become spaces.
        if (typing) actions.insertText(token.text.replace(/\r\n|[\r\n\t]/g, ' '));
        return;
      }
      const action = resolveAction(token.name, { mode: mode.kind, focus });
      if (action) actions.perform(action);
      else if (typing && token.text !== undefined) actions.insertText(token.text);
    };
    const onInput = (chunk: string | Buffer): void => {
      let data = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      while (data.length > 0) {
        if (store.getState().mode.kind === 'attach') {
          // Every byte is the agent's until ctrl-]; what follows it is the board's again.
          const stop = data.indexOf(DETACH_BYTE);
          const forAgent = withoutPasteMarkers(stop === -1 ? data : data.slice(0, stop));
          if (forAgent.length > 0) actions.sendToAgent(forAgent);
          if (stop === -1) return;
          actions.perform('detach');
          data = data.slice(stop + 1);
          continue;
        }
        // Keys one by one: `a` (attach) in a burst hands the rest of the burst to the agent.
        const tokens = reader.current.feed(data);
        data = '';
        for (const [index, token] of tokens.entries()) {
          onToken(token);
          if (store.getState().mode.kind === 'attach' && index < tokens.length - 1) {
            const rest = tokens.slice(index + 1);
            data = rest.map((t) => (t.kind === 'key' ? (t.text ?? '') : t.text)).join('');
            break;
          }
        }
      }
    };
    events.on('input', onInput);
    return () => {
      events.off('input', onInput);
      setRawMode(false);
    };
  }, [events, setRawMode, store, actions]);
}
