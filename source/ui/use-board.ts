/**
 * Everything the Board component draws, derived in one place: engine view, board state, layout,
 * selections, the log's content, and the key pipeline. Board.tsx only picks views.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useStdout } from 'ink';
import type { AgentView, EngineClient } from '../protocol/types.js';
import type { Task } from '../tasks/model.js';
import type { BoardState } from './board-state.js';
import { useBoardStore } from './board-store.js';
import { deriveSelection } from './derive.js';
import { detailRows } from './detail-lines.js';
import { diffRows } from './DiffView.js';
import { graphRows } from './GraphView.js';
import { displayText } from './text.js';
import { HELP_ROW_COUNT } from './HelpOverlay.js';
import { computeLayout, type BoardLayout } from './layout.js';
import { eventRow, logContent, type LogContent } from './log-content.js';
import { maxLogScroll } from './LogPane.js';
import { summaryHeight } from './RunSummary.js';
import { taskPaneNeeds } from './TaskPane.js';
import { queueProgress, type QueueProgress, type TaskGroup } from './task-groups.js';
import type { Theme } from './theme.js';
import { useBoardActions, type BoardExit } from './use-board-actions.js';
import { useClock } from './use-clock.js';
import { useEngine, type EngineView } from './use-engine.js';
import { useKeys } from './use-keys.js';
import { usePtyScreen } from './use-pty-screen.js';
import { createTypedKeys } from '../terminal/typed-keys.js';
import type { TerminalSize } from './use-terminal-size.js';

/** How long a notice stays on screen. */
export const NOTICE_MS = 4000;

/** Clear the screen and its scrollback, cursor home (ctrl-l). */
const CLEAR_SCREEN = '\x1b[2J\x1b[3J\x1b[H';

/** BEL, then an OSC 9 notification with `text` (control characters only: no cell moves). */
export function attentionBytes(text: string): string {
  return `\x07\x1b]9;${displayText(text)}\x07`;
}

/** Inputs of useBoard. */
export interface UseBoardOptions {
  readonly client: EngineClient;
  readonly readonly: boolean;
  readonly size: TerminalSize;
  readonly theme: Theme;
  readonly onExit: (exit: BoardExit) => void;
}

/** What Board renders. */
export interface BoardModel {
  readonly engine: EngineView;
  readonly state: BoardState;
  readonly layout: BoardLayout;
  readonly now: number;
  readonly tasks: readonly Task[];
  readonly agents: readonly AgentView[];
  readonly groups: readonly TaskGroup[];
  readonly progress: QueueProgress;
  readonly activeFilter: string;
  readonly selectedTask: Task | null;
  readonly selectedAgent: AgentView | null;
  readonly log: LogContent;
  /** The engine's event lines (the events pane under the tasks). */
  readonly events: LogContent;
  readonly outcome: string | null;
}

const NO_TASKS: readonly Task[] = [];
const NO_AGENTS: readonly AgentView[] = [];

/** The board's model and key handling. */
export function useBoard({ client, readonly, size, theme, onExit }: UseBoardOptions): BoardModel {
  const engine = useEngine(client);
  const { store, state } = useBoardStore();
  const dispatch = store.dispatch;
  const clock = useClock(engine.publishedAt);
  const now = Math.max(clock, engine.publishedAt);
  const snapshot = engine.snapshot;
  const tasks = snapshot?.tasks ?? NO_TASKS;
  const agents = snapshot?.agents ?? NO_AGENTS;
  const run = snapshot?.run ?? null;
  const outcome = engine.ended?.outcome ?? run?.outcome ?? null;
  const {
    filter: activeFilter,
    groups,
    selectedTask,
    selectedAgent,
    targetAgent,
  } = deriveSelection(state, snapshot);
  const attachedId = state.mode.kind === 'attach' ? state.mode.agentId : null;
  // Once a task is picked in the task pane the log follows its agent: moving through the tasks
  // shows what each running one is doing (before that, the engine's events).
  const followTask = state.focus === 'tasks' && state.selectedTask !== null;
  const logAgent = (followTask ? targetAgent : null) ?? selectedAgent;
  const screenAgent = attachedId ?? logAgent?.id ?? null;
  const needs = taskPaneNeeds(groups, tasks, agents, theme);
  const layout = computeLayout(size, {
    // At the end the agents pane gives way to the run's summary (RunSummary), sized to it.
    agentRows: outcome !== null ? summaryHeight(tasks) : Math.max(1, agents.length) + 1,
    taskRows: needs.rows,
    taskColumns: needs.columns,
    events: screenAgent !== null,
  });
  // The engine sends this board the output of the agent it shows, and no other's.
  useEffect(() => client.watchOutput(screenAgent === null ? [] : [screenAgent]), [client, screenAgent]);
  // What this board types into agents' terminals, so that a key in it is masked on its screen.
  const [typed] = useState(createTypedKeys);
  const screen = usePtyScreen(
    client,
    screenAgent,
    typed,
    attachedId !== null || state.logView === 'screen',
    attachedId !== null ? layout.width : layout.log.width,
  );
  const log = logContent({
    agent: agents.find((agent) => agent.id === screenAgent) ?? null,
    view: attachedId ? 'screen' : state.logView,
    screen,
    outputLines: screenAgent ? engine.outputLines(screenAgent) : [],
    recent: snapshot?.recent ?? [],
    theme,
  });
  const attachSize = { cols: layout.width, rows: layout.bodyHeight - 1 };

  let modeRows = 0;
  if (state.mode.kind === 'help') modeRows = HELP_ROW_COUNT;
  else if (state.mode.kind === 'graph') modeRows = graphRows(tasks, theme).length;
  else if (state.mode.kind === 'diff') modeRows = diffRows(state.mode.view, state.mode.error, theme).length;
  else if (state.mode.kind === 'detail') {
    const detailId = state.mode.taskId;
    const detailTask = tasks.find((task) => task.id === detailId);
    modeRows = detailTask ? detailRows(detailTask, layout.width, theme).length : 0;
  }

  const { write } = useStdout();
  // Ink erases its frame, writes this, and draws the whole frame again on a clean screen.
  const redraw = useCallback(() => write(CLEAR_SCREEN), [write]);
  const actions = useBoardActions({
    client,
    readonly,
    store,
    snapshot,
    logScrollMax: maxLogScroll(
      log.rows.length,
      state.mode.kind === 'attach' ? layout.bodyHeight : layout.log.height,
    ),
    modeScrollMax: Math.max(0, modeRows - (layout.bodyHeight - 1)),
    pageSize: Math.max(1, layout.log.height - 2),
    ended: outcome !== null,
    redraw,
    onExit,
    typed,
  });
  useKeys(store, actions);

  // Notices fade on their own; a newer notice replaces the timer of an older one.
  const noticeId = state.notice?.id;
  useEffect(() => {
    if (noticeId === undefined) return;
    const timer = setTimeout(() => dispatch({ type: 'clear-notice', id: noticeId }), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [noticeId, dispatch]);

  // Leaving attach mode (ctrl-] or the agent went away) while its agent is gone: back to normal.
  useEffect(() => {
    if (
      attachedId !== null &&
      snapshot !== null &&
      !snapshot.agents.some((agent) => agent.id === attachedId)
    ) {
      dispatch({ type: 'back' });
      dispatch({ type: 'notice', text: 'the agent ended; detached', level: 'info' });
    }
  }, [attachedId, snapshot, dispatch]);

  // The selected agent ended: say so, and leave nothing selected rather than jumping.
  const previousAgents = useRef(agents);
  const selectedAgentId = state.selectedAgent;
  useEffect(() => {
    const before = previousAgents.current;
    previousAgents.current = agents;
    if (selectedAgentId === null || agents.some((agent) => agent.id === selectedAgentId)) return;
    const gone = before.find((agent) => agent.id === selectedAgentId);
    if (gone)
      dispatch({
        type: 'notice',
        text: `${gone.name} ended (${gone.taskId} #${gone.attempt}); no agent selected`,
        level: 'info',
      });
  }, [agents, selectedAgentId, dispatch]);

  // What needs a person (the run ended, a task blocked, an agent waits for input, the budget or an
  // outage stopped the queue) rings the terminal's bell and posts an OSC 9 desktop notification
  // (iTerm2, kitty, WezTerm, Windows Terminal; others ignore it) when `[notify] bell` is on. The
  // engine sends each once; a board rings once per id, whatever a reconnect brings again. Agents
  // already waiting when the board opens have the header's badge.
  const rung = useRef(new Set<string>());
  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.type !== 'notify' || !event.notice.bell || rung.current.has(event.notice.id)) return;
        rung.current.add(event.notice.id);
        write(attentionBytes(event.notice.message));
      }),
    [client, write],
  );

  // While attached, a resized terminal resizes the agent's pty (and the local screen) to match.
  const { cols: attachCols, rows: attachRows } = attachSize;
  const resizeLocal = screen.resize;
  useEffect(() => {
    if (attachedId === null || readonly) return;
    resizeLocal(attachCols, attachRows);
    void client
      .command('pty-resize', { agentId: attachedId, cols: attachCols, rows: attachRows })
      .catch(() => undefined);
  }, [attachedId, attachCols, attachRows, client, readonly, resizeLocal]);

  const status = engine.connection.status;
  useEffect(() => {
    if (status === 'restored') dispatch({ type: 'notice', text: 'reconnected', level: 'info' });
  }, [status, dispatch]);
  // An ended run is a final state: its engine exits and the board stays on the end until `q`.
  // Only a connection lost for good in the middle of a run closes the board by itself.
  useEffect(() => {
    if (status === 'closed' && outcome === null) onExit('connection-closed');
  }, [status, outcome, onExit]);

  return {
    engine,
    state,
    layout,
    now,
    tasks,
    agents,
    groups,
    progress: queueProgress(tasks, run?.parallel ?? 1),
    activeFilter,
    selectedTask,
    selectedAgent,
    log,
    events: {
      title: 'engine events',
      rows: (snapshot?.recent ?? []).map((line) => eventRow(line, theme)),
    },
    outcome,
  };
}
