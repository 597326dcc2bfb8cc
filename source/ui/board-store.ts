/**
 * The board state behind a tiny synchronous store: dispatch applies the reducer at once, so a key
 * that follows another in the same tick (a paste, a fast typist over ssh, a test) acts on the
 * state the first one left, not on the last rendered frame. React reads it with
 * useSyncExternalStore.
 */
import { useState, useSyncExternalStore } from 'react';
import { boardReducer, initialBoardState, type BoardAction, type BoardState } from './board-state.js';

/** A store of BoardState. */
export interface BoardStore {
  readonly getState: () => BoardState;
  readonly dispatch: (action: BoardAction) => void;
  readonly subscribe: (listener: () => void) => () => void;
}

/** A new store starting from `initial`. */
export function createBoardStore(initial: BoardState = initialBoardState): BoardStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch: (action) => {
      const next = boardReducer(state, action);
      if (next === state) return;
      state = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** One store for the component's lifetime, and its current state. */
export function useBoardStore(): { readonly store: BoardStore; readonly state: BoardState } {
  const [store] = useState(createBoardStore);
  const state = useSyncExternalStore(store.subscribe, store.getState);
  return { store, state };
}
