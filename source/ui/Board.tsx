/**
 * The board: header, status line, the body for the current mode (the three panes, help, task
 * detail, graph, a form, or the attached agent's terminal), footer. Thin on purpose: what to draw
 * comes from useBoard, how to draw it from the pane components.
 */
import React, { useMemo } from 'react';
import { Box } from 'ink';
import { assertNever } from '../errors.js';
import type { EngineClient } from '../protocol/types.js';
import { AgentPane } from './AgentPane.js';
import { DiffView } from './DiffView.js';
import { Footer } from './Footer.js';
import { GraphView } from './GraphView.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { LogPane } from './LogPane.js';
import { RunSummary } from './RunSummary.js';
import { StatusLine } from './StatusLine.js';
import { TaskDetail } from './TaskDetail.js';
import { TaskForm } from './TaskForm.js';
import { TaskPane } from './TaskPane.js';
import { createTheme, noColorRequested, ThemeContext } from './theme.js';
import type { BoardExit } from './use-board-actions.js';
import { useBoard, type BoardModel } from './use-board.js';
import { useTerminalSize, type TerminalSize } from './use-terminal-size.js';

/** Props of Board. */
export interface BoardProps {
  readonly client: EngineClient;
  /** Refuse every write (attach --readonly). */
  readonly readonly?: boolean;
  /** Called once when the board should close. */
  readonly onExit: (exit: BoardExit) => void;
  /** Shown first in the header (default "nightshift"). */
  readonly title?: string;
  /** Lay out at this size instead of the terminal's (tests). */
  readonly size?: TerminalSize;
  /** Drop every colour (default: NO_COLOR in the environment). */
  readonly noColor?: boolean;
}

/** The full-screen board. */
export function Board(props: BoardProps): React.JSX.Element {
  const size = useTerminalSize(props.size);
  const noColor = props.noColor ?? noColorRequested();
  const theme = useMemo(() => createTheme(noColor), [noColor]);
  return (
    <ThemeContext.Provider value={theme}>
      <BoardFrame {...props} size={size} theme={theme} />
    </ThemeContext.Provider>
  );
}

function BoardFrame(
  props: BoardProps & { size: TerminalSize; theme: ReturnType<typeof createTheme> },
): React.JSX.Element {
  const model = useBoard({
    client: props.client,
    readonly: props.readonly ?? false,
    size: props.size,
    theme: props.theme,
    onExit: props.onExit,
  });
  const { layout, state, engine } = model;
  const attached = state.mode.kind === 'attach';
  const attachedName = attached
    ? (model.agents.find((agent) => agent.id === state.selectedAgent)?.name ?? 'agent')
    : '';
  return (
    <Box flexDirection="column" width={layout.width} height={layout.height} overflow="hidden">
      <Header
        title={props.title ?? 'nightshift'}
        project={engine.snapshot?.project ?? '…'}
        run={engine.snapshot?.run ?? null}
        agents={model.agents}
        tasks={model.tasks}
        progress={model.progress}
        outcome={model.outcome}
        readonly={props.readonly ?? false}
        now={model.now}
        width={layout.width}
      />
      <StatusLine
        state={state}
        connection={engine.connection}
        outcome={model.outcome}
        connecting={engine.snapshot === null}
        width={layout.width}
      />
      <Box width={layout.width} height={layout.bodyHeight} overflow="hidden">
        <Body model={model} />
      </Box>
      <Footer
        context={{ mode: state.mode.kind, focus: state.focus }}
        width={layout.width}
        message={
          attached ? `attached to ${attachedName}: keys go to its terminal · ctrl-] returns` : undefined
        }
      />
    </Box>
  );
}

function Body({ model }: { readonly model: BoardModel }): React.JSX.Element {
  const { layout, state } = model;
  const full = { width: layout.width, height: layout.bodyHeight };
  const mode = state.mode;
  switch (mode.kind) {
    case 'help':
      return <HelpOverlay {...full} scroll={mode.scroll} />;
    case 'detail':
      return (
        <TaskDetail
          {...full}
          taskId={mode.taskId}
          task={model.tasks.find((task) => task.id === mode.taskId)}
          scroll={mode.scroll}
        />
      );
    case 'diff':
      return (
        <DiffView {...full} taskId={mode.taskId} view={mode.view} error={mode.error} scroll={mode.scroll} />
      );
    case 'graph':
      return <GraphView {...full} tasks={model.tasks} scroll={mode.scroll} />;
    case 'form':
      return (
        <TaskForm
          {...full}
          purpose={mode.purpose}
          fields={mode.fields}
          field={mode.field}
          error={mode.error}
          busy={mode.busy}
        />
      );
    case 'attach':
      return <LogPane {...full} content={model.log} scroll={0} focused hint="attached · ctrl-] returns" />;
    case 'normal':
    case 'filter':
    case 'confirm':
      return <Panes model={model} />;
    default:
      return assertNever(mode);
  }
}

function Panes({ model }: { readonly model: BoardModel }): React.JSX.Element {
  const { layout, state } = model;
  const tasks = (
    <TaskPane
      {...layout.tasks}
      groups={model.groups}
      tasks={model.tasks}
      agents={model.agents}
      selectedId={model.selectedTask?.id ?? null}
      focused={state.focus === 'tasks'}
      filter={model.activeFilter}
    />
  );
  const right = (
    <>
      {model.outcome !== null ? (
        <RunSummary
          {...layout.agents}
          run={model.engine.snapshot?.run ?? null}
          tasks={model.tasks}
          outcome={model.outcome}
        />
      ) : (
        <AgentPane
          {...layout.agents}
          agents={model.agents}
          tasks={model.tasks}
          selectedId={model.selectedAgent?.id ?? null}
          focused={state.focus === 'agents'}
          paused={model.engine.snapshot?.run?.paused ?? false}
          parallel={model.engine.snapshot?.run?.parallel}
          runBackend={model.engine.snapshot?.run?.backend}
          now={model.now}
        />
      )}
      <LogPane {...layout.log} content={model.log} scroll={state.logScroll} focused={state.focus === 'log'} />
    </>
  );
  if (!layout.wide) {
    return (
      <Box flexDirection="column" width={layout.width} height={layout.bodyHeight}>
        {tasks}
        {right}
      </Box>
    );
  }
  return (
    <Box flexDirection="row" width={layout.width} height={layout.bodyHeight}>
      {layout.events ? (
        <Box flexDirection="column" width={layout.tasks.width} height={layout.bodyHeight}>
          {tasks}
          <LogPane {...layout.events} content={model.events} scroll={0} focused={false} />
        </Box>
      ) : (
        tasks
      )}
      <Box width={1} />
      <Box flexDirection="column" width={layout.agents.width} height={layout.bodyHeight}>
        {right}
      </Box>
    </Box>
  );
}
