/**
 * The commands clients send to a running engine (DESIGN.md §3), checked and dispatched. The engine
 * supplies what each one needs through EngineCommandTarget.
 */
import { UserError, assertNever } from '../errors.js';
import type { CommandName, EngineSnapshot } from '../protocol/types.js';
import type { LiveAgentControl } from '../attempt/types.js';
import { checkCommandArgs } from './command-args.js';
import { engineStatus } from './engine-status.js';
import type { TaskWrite } from '../tasks/task-write.js';
import { taskDiffView, type TaskDiffView } from '../report/task-diff-view.js';
import type { EngineEvent, EventLine } from '../protocol/types.js';
import type { ProjectPaths } from '../paths.js';
import type { Store } from '../store/store.js';
import { applyTaskWriteToStore } from '../store/apply-task-write.js';

/** What the commands act on. */
export interface EngineCommandTarget {
  readonly setPaused: (paused: boolean) => void;
  readonly stop: () => void;
  readonly setParallel: (parallel: number) => void;
  readonly agentControl: (agentId: string) => LiveAgentControl | undefined;
  readonly taskWrite: (write: TaskWrite) => Promise<{ summary: string; backup?: string }>;
  /** A task's landed commit diff, or its newest kept attempt's patch. */
  readonly taskDiff: (id: string) => Promise<TaskDiffView>;
  /** The engine's snapshot (the `status` command answers a summary of it). */
  readonly snapshot: () => EngineSnapshot;
}

/** Runs one command; throws a UserError for bad arguments (checked with zod) or an unknown agent. */
export async function runEngineCommand(
  target: EngineCommandTarget,
  name: CommandName,
  args: Readonly<Record<string, unknown>>,
): Promise<unknown> {
  switch (name) {
    case 'pause':
      checkCommandArgs(name, args);
      target.setPaused(true);
      return 'paused';
    case 'resume':
      checkCommandArgs(name, args);
      target.setPaused(false);
      return 'resumed';
    case 'stop':
      checkCommandArgs(name, args);
      target.stop();
      return 'stopping';
    case 'stop-agent':
      await agent(target, checkCommandArgs(name, args).agentId).stop('stopped');
      return 'stopped';
    case 'set-parallel': {
      const { parallel } = checkCommandArgs(name, args);
      target.setParallel(parallel);
      return parallel;
    }
    case 'retry':
      return target.taskWrite({ op: 'retry', ids: checkCommandArgs(name, args).ids });
    case 'reset':
      return target.taskWrite({ op: 'reset', ids: checkCommandArgs(name, args).ids });
    case 'block': {
      const { id, reason } = checkCommandArgs(name, args);
      return target.taskWrite({ op: 'block', id, reason });
    }
    case 'add-task':
      return target.taskWrite({ op: 'add', tasks: [checkCommandArgs(name, args).task] });
    case 'task-write':
      return target.taskWrite(checkCommandArgs(name, args).write);
    case 'pty-input': {
      const { agentId, data } = checkCommandArgs(name, args);
      agent(target, agentId).write(data);
      return 'ok';
    }
    case 'pty-resize': {
      const { agentId, cols, rows } = checkCommandArgs(name, args);
      agent(target, agentId).resize(cols, rows);
      return 'ok';
    }
    case 'task-diff':
      return target.taskDiff(checkCommandArgs(name, args).id);
    case 'status':
      checkCommandArgs(name, args);
      return engineStatus(target.snapshot());
    case 'subscribe-pty':
    case 'unsubscribe-pty':
    case 'watch-output':
      // The IPC server wires pty streams and output watches itself (subscribePty, agentOutput).
      checkCommandArgs(name, args);
      return 'ok';
    default:
      return assertNever(name);
  }
}

function agent(target: EngineCommandTarget, id: string): LiveAgentControl {
  const control = target.agentControl(id);
  if (!control) throw new UserError(`no running agent "${id}"`);
  return control;
}

/** What a task write from a client needs of the engine. */
export interface TaskWriteHost {
  readonly store: Store;
  /** Tasks whose agent runs now: they may not be reset or blocked under it. */
  readonly running: ReadonlyMap<string, unknown>;
  readonly emit: (event: EngineEvent) => void;
  readonly line: (level: EventLine['level'], message: string) => void;
  /** After the write: regression checks see the change and the run loop wakes. */
  readonly changed: () => void;
}

/** Applies a client's task write to the store and tells every client what changed. */
export async function writeTasks(
  host: TaskWriteHost,
  write: TaskWrite,
): Promise<{ summary: string; backup?: string }> {
  if (write.op === 'reset' || write.op === 'block') {
    const busy = (write.op === 'block' ? [write.id] : (write.ids ?? [])).filter((id) => host.running.has(id));
    if (busy.length > 0)
      throw new UserError(`task ${busy.join(', ')} is running; stop its agent first (x on the board)`);
  }
  const { store } = host;
  const before = new Map(store.state.tasks.map((task) => [task.id, task]));
  const { summary, backup } = await applyTaskWriteToStore(store, write);
  // The client is told only once the change is on disk: a kill right after must not undo it.
  await store.flush();
  for (const task of store.state.tasks) if (before.get(task.id) !== task) host.emit({ type: 'task', task });
  for (const id of before.keys())
    if (!store.state.tasks.some((t) => t.id === id)) host.emit({ type: 'task-removed', taskId: id });
  host.line('info', summary);
  host.changed();
  return { summary, backup };
}

/** `task-diff`: a task's landed commit diff, or its newest kept attempt's patch. */
export function taskDiff(store: Store, paths: ProjectPaths, id: string): Promise<TaskDiffView> {
  const task = store.state.tasks.find((t) => t.id === id);
  if (!task) throw new UserError(`no task "${id}"`);
  return taskDiffView(paths.root, paths.dir, task);
}
