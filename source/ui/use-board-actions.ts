/**
 * What each key action does: board-state changes through the reducer, run changes through
 * `client.command`. Side effects live here, never in reducers or setState updaters. The returned
 * functions are stable; they read the latest committed frame's facts through a ref.
 */
import { useCallback, useLayoutEffect, useMemo, useRef } from 'react';
import {
  READ_ONLY_COMMANDS,
  type CommandName,
  type EngineClient,
  type EngineSnapshot,
  type TaskDiffView,
} from '../protocol/types.js';
import { assertNever, errorMessage } from '../errors.js';
import { moveSelection } from './board-state.js';
import type { BoardStore } from './board-store.js';
import { deriveSelection } from './derive.js';
import type { ActionName } from './keys/bindings.js';
import { buildNewTask, NEW_TASK_FIELDS } from './new-task.js';
import type { TypedKeys } from '../terminal/typed-keys.js';

/** Why the board closed (what runBoard resolves with). */
export type BoardExit = 'left' | 'stop-requested' | 'engine-ended' | 'connection-closed';

/** Everything an action needs to know about the current frame. */
export interface ActionContext {
  readonly client: EngineClient;
  readonly readonly: boolean;
  /** Board state, read fresh by every action (several keys may arrive between two frames). */
  readonly store: BoardStore;
  /** The engine snapshot on screen: actions act on what the user sees. */
  readonly snapshot: EngineSnapshot | null;
  readonly logScrollMax: number;
  readonly modeScrollMax: number;
  readonly pageSize: number;
  readonly ended: boolean;
  /** Clears the terminal and draws the whole frame again (ctrl-l). */
  readonly redraw: () => void;
  readonly onExit: (exit: BoardExit) => void;
  /** What this board typed into each agent's terminal: the keys in it are masked on its screen. */
  readonly typed: TypedKeys;
}

/** The board's action performers. */
export interface BoardActions {
  readonly perform: (action: ActionName) => void;
  /** Typed text for the filter or a form field. */
  readonly insertText: (text: string) => void;
  /** Raw bytes for the attached agent's terminal. */
  readonly sendToAgent: (data: string) => void;
}

/** Builds the performers for the board. */
export function useBoardActions(context: ActionContext): BoardActions {
  const ref = useRef(context);
  // A layout effect runs inside the commit, so a key that arrives right after a frame (a paste, a
  // fast typist, a test) already sees that frame's state; a passive effect could lag behind it.
  useLayoutEffect(() => {
    ref.current = context;
  });

  /** Sends a command; failures become a notice; `then` runs on success. */
  const send = useCallback(
    (
      name: CommandName,
      args: Readonly<Record<string, unknown>>,
      then?: (value: unknown) => void,
      onError?: (error: string) => void,
    ): void => {
      const { client, readonly, store } = ref.current;
      const dispatch = store.dispatch;
      if (readonly && !READ_ONLY_COMMANDS.has(name)) {
        dispatch({
          type: 'notice',
          text: 'read-only attach: this board cannot change the run',
          level: 'warn',
        });
        return;
      }
      void client.command(name, args).then(
        (result) => {
          if (result.ok) then?.(result.value);
          else if (onError) onError(result.error ?? `${name} failed`);
          else
            ref.current.store.dispatch({
              type: 'notice',
              text: `${name} failed: ${result.error ?? 'no reason given'}`,
              level: 'error',
            });
        },
        (error: unknown) =>
          onError
            ? onError(errorMessage(error))
            : ref.current.store.dispatch({
                type: 'notice',
                text: `${name} failed: ${errorMessage(error)}`,
                level: 'error',
              }),
      );
    },
    [],
  );

  const submit = useCallback((): void => {
    const { store, snapshot } = ref.current;
    const dispatch = store.dispatch;
    const tasks = snapshot?.tasks ?? [];
    const mode = store.getState().mode;
    if (mode.kind === 'filter') {
      dispatch({ type: 'filter-apply' });
      return;
    }
    if (mode.kind !== 'form' || mode.busy) return;
    const fail = (error: string): void =>
      ref.current.store.dispatch({ type: 'form-status', busy: false, error });
    const done = (text: string): void => {
      ref.current.store.dispatch({ type: 'back' });
      ref.current.store.dispatch({ type: 'notice', text, level: 'info' });
    };
    if (mode.purpose.kind === 'new-task') {
      const task = buildNewTask(mode.fields, new Set(tasks.map((t) => t.id)));
      if ('error' in task) return fail(task.error);
      dispatch({ type: 'form-status', busy: true, error: undefined });
      send('add-task', { task }, () => done(`added task ${task.id}`), fail);
      return;
    }
    const reason = mode.fields[0]?.value.trim() ?? '';
    if (!reason) return fail('a reason is required');
    const id = mode.purpose.taskId;
    dispatch({ type: 'form-status', busy: true, error: undefined });
    send('block', { id, reason }, () => done(`blocked ${id}`), fail);
  }, [send]);

  const perform = useCallback(
    (action: ActionName): void => {
      const c = ref.current;
      const state = c.store.getState();
      const dispatch = c.store.dispatch;
      const run = c.snapshot?.run ?? null;
      const tasks = c.snapshot?.tasks ?? [];
      const agentOrder = (c.snapshot?.agents ?? []).map((agent) => agent.id);
      const { order, selectedTask, targetAgent } = deriveSelection(state, c.snapshot);
      const notice = (text: string, level: 'info' | 'warn' | 'error' = 'warn'): void =>
        dispatch({ type: 'notice', text, level });
      const refuseReadOnly = (): boolean => {
        if (c.readonly) notice('read-only attach: this board cannot change the run');
        return c.readonly;
      };
      const inMode = state.mode.kind !== 'normal';
      switch (action) {
        case 'help':
          return dispatch(
            state.mode.kind === 'help'
              ? { type: 'back' }
              : { type: 'enter-mode', mode: { kind: 'help', scroll: 0 } },
          );
        case 'focus-next':
        case 'focus-prev':
          return dispatch({
            type: 'focus',
            delta: action === 'focus-next' ? 1 : -1,
            firstAgentId: agentOrder[0] ?? null,
          });
        case 'down':
        case 'up':
        case 'page-down':
        case 'page-up': {
          const sign = action === 'down' || action === 'page-down' ? 1 : -1;
          const step = action === 'down' || action === 'up' ? 1 : c.pageSize;
          if (inMode) return dispatch({ type: 'scroll-mode', delta: sign * step, max: c.modeScrollMax });
          if (state.focus === 'tasks')
            return dispatch({
              type: 'select-task',
              id: moveSelection(selectedTask?.id ?? null, order, sign * step),
            });
          if (state.focus === 'agents' && step === 1)
            return dispatch({
              type: 'select-agent',
              id: moveSelection(targetAgent?.id ?? null, agentOrder, sign),
            });
          // The log pane, and paging anywhere but the tasks: scroll the log (up = back in time).
          return dispatch({ type: 'scroll-log', delta: -sign * step, max: c.logScrollMax });
        }
        case 'follow':
          return dispatch({ type: 'follow' });
        case 'open-detail': {
          const taskId = state.focus === 'agents' ? targetAgent?.taskId : selectedTask?.id;
          if (!taskId) return notice('select a task first');
          return dispatch({ type: 'enter-mode', mode: { kind: 'detail', taskId, scroll: 0 } });
        }
        case 'back':
          if (state.mode.kind === 'normal')
            return state.filter ? dispatch({ type: 'clear-filter' }) : undefined;
          return dispatch({ type: 'back' });
        case 'attach': {
          if (refuseReadOnly()) return;
          const agent = targetAgent;
          if (!agent) return notice('no agent selected: tab to the agents pane and pick one');
          dispatch({ type: 'select-agent', id: agent.id });
          // use-board resizes the agent's pty to the pane on entering, and on every resize after.
          return dispatch({ type: 'enter-mode', mode: { kind: 'attach', agentId: agent.id } });
        }
        case 'detach':
          return dispatch({ type: 'back' });
        case 'pause':
          return send(run?.paused ? 'resume' : 'pause', {});
        case 'stop-agent': {
          if (refuseReadOnly()) return;
          const agent = targetAgent;
          if (!agent)
            return notice(
              state.focus === 'tasks'
                ? `no agent works on ${selectedTask?.id ?? 'the selected task'}`
                : 'no agent selected',
            );
          return dispatch({
            type: 'enter-mode',
            mode: {
              kind: 'confirm',
              intent: {
                kind: 'stop-agent',
                agentId: agent.id,
                agentName: agent.name,
                taskId: agent.taskId,
                attempt: agent.attempt,
              },
            },
          });
        }
        case 'retry': {
          const detailId = state.mode.kind === 'detail' ? state.mode.taskId : undefined;
          const task = detailId === undefined ? selectedTask : tasks.find((t) => t.id === detailId);
          if (!task) return notice('select a task first');
          if (task.status !== 'blocked')
            return notice(`only blocked tasks can be retried; ${task.id} is ${task.status}`);
          return send('retry', { ids: [task.id] }, () => notice(`${task.id} back to pending`, 'info'));
        }
        case 'block': {
          if (refuseReadOnly()) return;
          const taskId = state.mode.kind === 'detail' ? state.mode.taskId : selectedTask?.id;
          if (!taskId) return notice('select a task first');
          const blocking = tasks.find((t) => t.id === taskId);
          if (blocking?.status === 'running' || blocking?.status === 'verifying')
            return notice(`${taskId} is ${blocking.status}: stop its agent first (x), then block it`);
          if (blocking?.status === 'blocked' || blocking?.status === 'done')
            return notice(`${taskId} is already ${blocking.status}`);
          const mode = {
            kind: 'form',
            purpose: { kind: 'block', taskId },
            fields: [{ label: 'reason', value: '' }],
            field: 0,
            error: undefined,
            busy: false,
          } as const;
          return dispatch({ type: 'enter-mode', mode });
        }
        case 'new-task':
          if (refuseReadOnly()) return;
          return dispatch({
            type: 'enter-mode',
            mode: {
              kind: 'form',
              purpose: { kind: 'new-task' },
              fields: NEW_TASK_FIELDS,
              field: 0,
              error: undefined,
              busy: false,
            },
          });
        case 'diff': {
          const taskId =
            state.mode.kind === 'detail'
              ? state.mode.taskId
              : state.focus === 'agents'
                ? targetAgent?.taskId
                : selectedTask?.id;
          if (!taskId) return notice('select a task first');
          dispatch({ type: 'enter-mode', mode: { kind: 'diff', taskId, scroll: 0, view: null } });
          const loaded = (result: { view?: TaskDiffView; error?: string }): void =>
            ref.current.store.dispatch({ type: 'diff-loaded', taskId, ...result });
          return send(
            'task-diff',
            { id: taskId },
            (value) => loaded({ view: value as TaskDiffView }),
            (error) => loaded({ error }),
          );
        }
        case 'graph':
          return dispatch(
            state.mode.kind === 'graph'
              ? { type: 'back' }
              : { type: 'enter-mode', mode: { kind: 'graph', scroll: 0 } },
          );
        case 'filter':
          return dispatch({
            type: 'enter-mode',
            mode: { kind: 'filter', draft: state.filter, previous: state.filter },
          });
        case 'parallel-up':
        case 'parallel-down': {
          if (!run) return notice('no run yet');
          const parallel = run.parallel + (action === 'parallel-up' ? 1 : -1);
          if (parallel < 1) return notice('parallelism is already 1');
          return send('set-parallel', { parallel });
        }
        case 'toggle-log':
          return dispatch({ type: 'toggle-log-view' });
        case 'leave':
          if (state.mode.kind === 'diff') return dispatch({ type: 'back' });
          return c.onExit(c.ended ? 'engine-ended' : 'left');
        case 'stop-run':
          if (refuseReadOnly()) return;
          return dispatch({ type: 'enter-mode', mode: { kind: 'confirm', intent: { kind: 'stop-run' } } });
        case 'confirm-yes': {
          if (state.mode.kind !== 'confirm') return;
          const intent = state.mode.intent;
          dispatch({ type: 'back' });
          if (intent.kind === 'stop-agent')
            return send('stop-agent', { agentId: intent.agentId }, () =>
              notice(`stopped ${intent.agentName}`, 'info'),
            );
          return send('stop', {}, () => ref.current.onExit('stop-requested'));
        }
        case 'confirm-no':
        case 'cancel':
          return dispatch({ type: 'back' });
        case 'submit':
          return submit();
        case 'next-field':
        case 'prev-field':
          return dispatch({ type: 'form-field', delta: action === 'next-field' ? 1 : -1 });
        case 'backspace':
          return dispatch({ type: 'text-backspace' });
        case 'redraw':
          return c.redraw();
        default:
          return assertNever(action);
      }
    },
    [send, submit],
  );

  const insertText = useCallback((text: string): void => {
    // Pasted text may carry newlines or escapes; a one-line field keeps only what prints.
    const clean = [...text].filter((char) => char >= ' ' && char !== '\x7f').join('');
    if (clean) ref.current.store.dispatch({ type: 'text-insert', text: clean });
  }, []);

  const sendToAgent = useCallback(
    (data: string): void => {
      const mode = ref.current.store.getState().mode;
      if (mode.kind !== 'attach') return;
      ref.current.typed.type(mode.agentId, data);
      send('pty-input', { agentId: mode.agentId, data });
    },
    [send],
  );

  return useMemo(() => ({ perform, insertText, sendToAgent }), [perform, insertText, sendToAgent]);
}
