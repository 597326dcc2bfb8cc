/**
 * The one key-binding table of the board. Every action is named here once, with its keys, what it
 * does, and where it applies; the help overlay and the footer are generated from this table and the
 * input pipeline (use-keys.ts) resolves keys through it. Add a key here, nowhere else.
 */
import type { ModeKind, Pane } from '../board-state.js';

/** Every action a key can trigger. */
export type ActionName =
  | 'help'
  | 'focus-next'
  | 'focus-prev'
  | 'down'
  | 'up'
  | 'page-down'
  | 'page-up'
  | 'follow'
  | 'open-detail'
  | 'back'
  | 'attach'
  | 'detach'
  | 'pause'
  | 'stop-agent'
  | 'retry'
  | 'block'
  | 'new-task'
  | 'graph'
  | 'diff'
  | 'filter'
  | 'parallel-up'
  | 'parallel-down'
  | 'toggle-log'
  | 'leave'
  | 'stop-run'
  | 'confirm-yes'
  | 'confirm-no'
  | 'submit'
  | 'cancel'
  | 'next-field'
  | 'prev-field'
  | 'backspace'
  | 'redraw';

/** One row of the table. */
export interface Binding {
  readonly action: ActionName;
  /** Key names as produced by `keyName` (`j`, `down`, `ctrl-u`, `shift-tab`, `?`, `Q`). */
  readonly keys: readonly string[];
  readonly description: string;
  /** The footer's word for it; bindings without one show only in help. */
  readonly short?: string;
  /** Modes in which the binding is live. */
  readonly modes: readonly ModeKind[];
  /** In normal mode, the panes whose focus it needs (absent: any pane). */
  readonly panes?: readonly Pane[];
  /** True for actions that change the run; a read-only board refuses them. */
  readonly writes?: boolean;
}

const BROWSE: readonly ModeKind[] = ['normal', 'help', 'detail', 'graph'];
/** Where j/k and the page keys scroll or move. */
const SCROLLS: readonly ModeKind[] = [...BROWSE, 'diff'];
const VIEWS: readonly ModeKind[] = ['normal', 'detail', 'graph'];

/** The bindings, in the order help and the footer list them. */
export const BINDINGS: readonly Binding[] = [
  { action: 'help', keys: ['?'], description: 'show or hide this help', short: 'help', modes: BROWSE },
  { action: 'focus-next', keys: ['tab'], description: 'next pane', short: 'pane', modes: ['normal'] },
  { action: 'focus-prev', keys: ['shift-tab'], description: 'previous pane', modes: ['normal'] },
  {
    action: 'down',
    keys: ['j', 'down'],
    description: 'select next / scroll down',
    short: 'move',
    modes: SCROLLS,
  },
  { action: 'up', keys: ['k', 'up'], description: 'previous / scroll up', modes: SCROLLS },
  {
    action: 'page-up',
    keys: ['pageup', 'ctrl-u'],
    description: 'page up (log: scroll back)',
    short: 'scroll',
    modes: SCROLLS,
  },
  { action: 'page-down', keys: ['pagedown', 'ctrl-d'], description: 'page down', modes: SCROLLS },
  {
    action: 'follow',
    keys: ['f', 'end'],
    description: 'follow the newest lines',
    short: 'follow',
    modes: ['normal'],
    panes: ['agents', 'log'],
  },
  {
    action: 'open-detail',
    keys: ['enter'],
    description: 'task detail',
    short: 'detail',
    modes: ['normal'],
    panes: ['tasks', 'agents'],
  },
  {
    action: 'back',
    keys: ['esc'],
    description: 'back (clears the filter)',
    short: 'back',
    modes: ['normal', 'help', 'detail', 'graph', 'diff'],
  },
  {
    action: 'attach',
    keys: ['a'],
    description: 'attach to agent terminal',
    short: 'attach',
    modes: ['normal'],
    writes: true,
  },
  {
    action: 'detach',
    keys: ['ctrl-]'],
    description: 'back from the terminal',
    short: 'return',
    modes: ['attach'],
  },
  {
    action: 'toggle-log',
    keys: ['l'],
    description: 'log: terminal / events',
    short: 'log view',
    modes: ['normal'],
  },
  {
    action: 'pause',
    keys: ['p'],
    description: 'pause / resume the run',
    short: 'pause',
    modes: VIEWS,
    writes: true,
  },
  {
    action: 'stop-agent',
    keys: ['x'],
    description: 'stop the agent (y/n)',
    short: 'stop agent',
    modes: ['normal'],
    writes: true,
  },
  {
    action: 'retry',
    keys: ['r'],
    description: 'retry a blocked task',
    short: 'retry',
    modes: ['normal', 'detail'],
    panes: ['tasks'],
    writes: true,
  },
  {
    action: 'block',
    keys: ['b'],
    description: 'block a task (reason)',
    short: 'block',
    modes: ['normal', 'detail'],
    panes: ['tasks'],
    writes: true,
  },
  {
    action: 'new-task',
    keys: ['n'],
    description: 'new task (title, verify)',
    short: 'new',
    modes: ['normal'],
    writes: true,
  },
  {
    action: 'graph',
    keys: ['g'],
    description: 'dependency graph',
    short: 'graph',
    modes: ['normal', 'graph'],
  },
  {
    action: 'diff',
    keys: ['d'],
    description: 'task diff (landed/failed)',
    short: 'diff',
    modes: ['normal', 'detail'],
    panes: ['tasks', 'agents'],
  },
  { action: 'filter', keys: ['/'], description: 'filter tasks', short: 'filter', modes: ['normal'] },
  {
    action: 'parallel-up',
    keys: ['+', '='],
    description: 'one more parallel agent',
    short: 'agents+',
    modes: VIEWS,
    writes: true,
  },
  {
    action: 'parallel-down',
    keys: ['-'],
    description: 'one less parallel agent',
    short: 'agents-',
    modes: VIEWS,
    writes: true,
  },
  {
    action: 'leave',
    keys: ['q', 'ctrl-c'],
    // In the diff view q goes back, as in a pager (use-board-actions.ts).
    description: 'leave (the run goes on)',
    short: 'leave',
    modes: [...BROWSE, 'diff'],
  },
  {
    action: 'stop-run',
    keys: ['Q'],
    description: 'stop the run (y/n)',
    short: 'stop run',
    modes: ['normal'],
    writes: true,
  },
  { action: 'confirm-yes', keys: ['y'], description: 'yes', short: 'yes', modes: ['confirm'] },
  { action: 'confirm-no', keys: ['n', 'esc'], description: 'no', short: 'no', modes: ['confirm'] },
  { action: 'submit', keys: ['enter'], description: 'submit', short: 'submit', modes: ['form', 'filter'] },
  { action: 'cancel', keys: ['esc'], description: 'cancel', short: 'cancel', modes: ['form', 'filter'] },
  {
    action: 'next-field',
    keys: ['tab', 'down'],
    description: 'next field',
    short: 'next field',
    modes: ['form'],
  },
  { action: 'prev-field', keys: ['shift-tab', 'up'], description: 'previous field', modes: ['form'] },
  { action: 'backspace', keys: ['backspace'], description: 'delete a character', modes: ['form', 'filter'] },
  {
    action: 'redraw',
    keys: ['ctrl-l'],
    description: 'redraw the screen',
    modes: ['normal', 'help', 'detail', 'graph', 'diff', 'filter', 'form', 'confirm'],
  },
];

/** The parts of Ink's Key that name a key. */
export interface KeyFlags {
  readonly upArrow: boolean;
  readonly downArrow: boolean;
  readonly leftArrow: boolean;
  readonly rightArrow: boolean;
  readonly pageUp: boolean;
  readonly pageDown: boolean;
  readonly home: boolean;
  readonly end: boolean;
  readonly return: boolean;
  readonly escape: boolean;
  readonly ctrl: boolean;
  readonly shift: boolean;
  readonly tab: boolean;
  readonly backspace: boolean;
  readonly delete: boolean;
}

/** The table's name for a key press (Ink's `input` and `key`), or undefined for unnamed input. */
export function keyName(input: string, key: KeyFlags): string | undefined {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  // Terminals send DEL (0x7f) for the backspace key; Ink calls that `delete`.
  if (key.backspace || key.delete) return 'backspace';
  if (key.escape) return 'esc';
  if (key.ctrl && input.length === 1) return `ctrl-${input}`;
  return input.length === 1 ? input : undefined;
}

/** Where the board is, for resolving a key. */
export interface KeyContext {
  readonly mode: ModeKind;
  readonly focus: Pane;
}

/** True when `binding` is live in `context`. */
export function bindingApplies(binding: Binding, context: KeyContext): boolean {
  if (!binding.modes.includes(context.mode)) return false;
  return context.mode !== 'normal' || binding.panes === undefined || binding.panes.includes(context.focus);
}

/** The action a key triggers in `context`, if any. */
export function resolveAction(name: string | undefined, context: KeyContext): ActionName | undefined {
  if (name === undefined) return undefined;
  return BINDINGS.find((binding) => binding.keys.includes(name) && bindingApplies(binding, context))?.action;
}

const KEY_LABELS: Readonly<Record<string, string>> = {
  down: '↓',
  up: '↑',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  enter: '⏎',
  'shift-tab': 'S-tab',
};

/** How a binding's keys are written in help and the footer, e.g. `j/↓`. */
export function keyLabel(binding: Binding): string {
  return binding.keys.map((key) => KEY_LABELS[key] ?? key).join('/');
}

/** The bindings live in `context`. */
export function bindingsFor(context: KeyContext): Binding[] {
  return BINDINGS.filter((binding) => bindingApplies(binding, context));
}

/** The footer's order: what a person acts with first; what is not listed comes after, in table order. */
const FOOTER_ORDER: readonly ActionName[] = [
  'leave',
  'focus-next',
  'down',
  'open-detail',
  'attach',
  'stop-agent',
  'retry',
  'block',
  'new-task',
  'diff',
  'filter',
  'graph',
  'pause',
  'toggle-log',
  'parallel-up',
  'parallel-down',
  'stop-run',
  'follow',
  'page-up',
  'back',
];

/**
 * The footer's bindings in `context`, by priority (FOOTER_ORDER): those with a short word; help is
 * not among them (the footer always ends with it, as `? help` or `? more`).
 */
export function footerBindings(context: KeyContext): Binding[] {
  const live = bindingsFor(context).filter(
    (binding) =>
      binding.short !== undefined &&
      binding.action !== 'help' &&
      // q in the diff view goes back (esc's entry says so), it does not leave.
      !(context.mode === 'diff' && binding.action === 'leave'),
  );
  const rank = (binding: Binding): number => {
    const index = FOOTER_ORDER.indexOf(binding.action);
    return index === -1 ? FOOTER_ORDER.length : index;
  };
  // Array.prototype.sort is stable: unlisted bindings keep the table's order.
  return [...live].sort((a, b) => rank(a) - rank(b));
}

/** How the footer writes a binding's keys: its first key only (`j/k` for moving), to save room. */
export function footerKeyLabel(binding: Binding): string {
  if (binding.action === 'down') return 'j/k';
  const first = binding.keys[0] ?? '';
  return KEY_LABELS[first] ?? first;
}
