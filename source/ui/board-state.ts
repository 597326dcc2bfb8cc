/**
 * The board's own state (focus, selection, mode, filter, log scroll, notice) as one reducer over a
 * discriminated union of actions. Engine state is not here: it comes from use-engine.
 */
import { assertNever } from '../errors.js';
import type { TaskDiffView } from '../protocol/types.js';

/** The three panes of the main view, in tab order. */
export const PANES = ['tasks', 'agents', 'log'] as const;
/** A pane of the main view. */
export type Pane = (typeof PANES)[number];

/** What a confirmation (y/n) is about. */
export type ConfirmIntent =
  | {
      readonly kind: 'stop-agent';
      readonly agentId: string;
      readonly agentName: string;
      readonly taskId: string;
      readonly attempt: number;
    }
  | { readonly kind: 'stop-run' };

/** What a form creates. */
export type FormPurpose = { readonly kind: 'new-task' } | { readonly kind: 'block'; readonly taskId: string };

/** One text field of a form. */
export interface FormField {
  readonly label: string;
  readonly value: string;
}

/** What the board is doing; each mode decides which keys mean what (keys/bindings.ts). */
export type Mode =
  | { readonly kind: 'normal' }
  | { readonly kind: 'help'; readonly scroll: number }
  | { readonly kind: 'detail'; readonly taskId: string; readonly scroll: number }
  | { readonly kind: 'graph'; readonly scroll: number }
  /** A task's diff (`d`): null until the engine answers, or why it could not. */
  | {
      readonly kind: 'diff';
      readonly taskId: string;
      readonly scroll: number;
      readonly view: TaskDiffView | null;
      readonly error?: string;
    }
  | { readonly kind: 'attach'; readonly agentId: string }
  | { readonly kind: 'filter'; readonly draft: string; readonly previous: string }
  | {
      readonly kind: 'form';
      readonly purpose: FormPurpose;
      readonly fields: readonly FormField[];
      readonly field: number;
      readonly error: string | undefined;
      readonly busy: boolean;
    }
  | { readonly kind: 'confirm'; readonly intent: ConfirmIntent };

/** Names of the modes. */
export type ModeKind = Mode['kind'];

/** A transient line under the header (command failures, read-only refusals, confirmations). */
export interface Notice {
  readonly id: number;
  readonly text: string;
  readonly level: 'info' | 'warn' | 'error';
}

/** Everything the board remembers between frames. */
export interface BoardState {
  readonly focus: Pane;
  readonly selectedTask: string | null;
  readonly selectedAgent: string | null;
  readonly mode: Mode;
  /** The applied task filter ('' = none). */
  readonly filter: string;
  /** Log pane content for a selected agent: its terminal screen or its structured output lines. */
  readonly logView: 'screen' | 'events';
  /** Lines scrolled back from the newest; 0 means follow mode (stick to the bottom). */
  readonly logScroll: number;
  readonly notice: Notice | null;
  readonly noticeSeq: number;
}

/** Everything that changes BoardState. */
export type BoardAction =
  | { readonly type: 'focus'; readonly delta: 1 | -1; readonly firstAgentId: string | null }
  | { readonly type: 'select-task'; readonly id: string | null }
  | { readonly type: 'select-agent'; readonly id: string | null }
  | { readonly type: 'scroll-log'; readonly delta: number; readonly max: number }
  | { readonly type: 'follow' }
  | { readonly type: 'scroll-mode'; readonly delta: number; readonly max: number }
  | { readonly type: 'enter-mode'; readonly mode: Mode }
  | { readonly type: 'back' }
  | { readonly type: 'text-insert'; readonly text: string }
  | { readonly type: 'text-backspace' }
  | { readonly type: 'form-field'; readonly delta: 1 | -1 }
  | { readonly type: 'form-status'; readonly busy: boolean; readonly error: string | undefined }
  | { readonly type: 'filter-apply' }
  | { readonly type: 'clear-filter' }
  | { readonly type: 'toggle-log-view' }
  | {
      readonly type: 'diff-loaded';
      readonly taskId: string;
      readonly view?: TaskDiffView;
      readonly error?: string;
    }
  | { readonly type: 'notice'; readonly text: string; readonly level: Notice['level'] }
  | { readonly type: 'clear-notice'; readonly id: number };

/** The state a board opens with: tasks focused, following the log, nothing selected. */
export const initialBoardState: BoardState = {
  focus: 'tasks',
  selectedTask: null,
  selectedAgent: null,
  mode: { kind: 'normal' },
  filter: '',
  // Event lines read at a glance; the raw terminal of a stream-json CLI is JSON (`l` shows it).
  logView: 'events',
  logScroll: 0,
  notice: null,
  noticeSeq: 0,
};

/** Moves a selection through `order` by `delta`, starting from the first item when none is selected. */
export function moveSelection(
  current: string | null,
  order: readonly string[],
  delta: number,
): string | null {
  if (order.length === 0) return null;
  const index = current === null ? -1 : order.indexOf(current);
  if (index === -1) return order[0] ?? null;
  const next = Math.min(order.length - 1, Math.max(0, index + delta));
  return order[next] ?? null;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

/** Edits the text of the field being typed into (filter draft or the focused form field). */
function editText(mode: Mode, edit: (text: string) => string): Mode {
  if (mode.kind === 'filter') return { ...mode, draft: edit(mode.draft) };
  if (mode.kind === 'form' && !mode.busy) {
    const fields = mode.fields.map((field, index) =>
      index === mode.field ? { ...field, value: edit(field.value) } : field,
    );
    return { ...mode, fields, error: undefined };
  }
  return mode;
}

/** The board reducer: pure, no side effects (commands are sent by use-board-actions). */
export function boardReducer(state: BoardState, action: BoardAction): BoardState {
  switch (action.type) {
    case 'focus': {
      const index = PANES.indexOf(state.focus);
      const focus = PANES[(index + action.delta + PANES.length) % PANES.length] ?? 'tasks';
      // Entering the agents pane picks the first agent so the log pane follows something at once.
      const selectedAgent =
        focus === 'agents' && state.selectedAgent === null ? action.firstAgentId : state.selectedAgent;
      return { ...state, focus, selectedAgent };
    }
    case 'select-task':
      return { ...state, selectedTask: action.id };
    case 'select-agent':
      // A different agent's log starts at its newest line.
      return {
        ...state,
        selectedAgent: action.id,
        logScroll: action.id === state.selectedAgent ? state.logScroll : 0,
      };
    case 'scroll-log':
      return { ...state, logScroll: clamp(state.logScroll + action.delta, 0, action.max) };
    case 'follow':
      return { ...state, logScroll: 0 };
    case 'scroll-mode': {
      const mode = state.mode;
      if (mode.kind === 'help' || mode.kind === 'detail' || mode.kind === 'graph' || mode.kind === 'diff') {
        return { ...state, mode: { ...mode, scroll: clamp(mode.scroll + action.delta, 0, action.max) } };
      }
      return state;
    }
    case 'enter-mode':
      return { ...state, mode: action.mode };
    case 'back':
      // Leaving the filter prompt with esc restores the filter that was applied before.
      if (state.mode.kind === 'filter')
        return { ...state, filter: state.mode.previous, mode: { kind: 'normal' } };
      return { ...state, mode: { kind: 'normal' } };
    case 'text-insert':
      return { ...state, mode: editText(state.mode, (text) => text + action.text) };
    case 'text-backspace':
      return { ...state, mode: editText(state.mode, (text) => [...text].slice(0, -1).join('')) };
    case 'form-field': {
      const mode = state.mode;
      if (mode.kind !== 'form') return state;
      const field = (mode.field + action.delta + mode.fields.length) % mode.fields.length;
      return { ...state, mode: { ...mode, field } };
    }
    case 'form-status': {
      const mode = state.mode;
      if (mode.kind !== 'form') return state;
      return { ...state, mode: { ...mode, busy: action.busy, error: action.error } };
    }
    case 'filter-apply':
      if (state.mode.kind !== 'filter') return state;
      return { ...state, filter: state.mode.draft.trim(), mode: { kind: 'normal' } };
    case 'clear-filter':
      return { ...state, filter: '' };
    case 'diff-loaded': {
      const mode = state.mode;
      // An answer for a view already left (esc, or `d` on another task) changes nothing.
      if (mode.kind !== 'diff' || mode.taskId !== action.taskId) return state;
      return {
        ...state,
        mode: { ...mode, view: action.view ?? null, ...(action.error ? { error: action.error } : {}) },
      };
    }
    case 'toggle-log-view':
      return { ...state, logView: state.logView === 'screen' ? 'events' : 'screen', logScroll: 0 };
    case 'notice': {
      const id = state.noticeSeq + 1;
      return { ...state, noticeSeq: id, notice: { id, text: action.text, level: action.level } };
    }
    case 'clear-notice':
      return state.notice?.id === action.id ? { ...state, notice: null } : state;
    default:
      return assertNever(action);
  }
}
