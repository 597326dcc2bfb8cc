/**
 * The commands clients send to a running engine (DESIGN.md §3), checked and dispatched. The engine
 * supplies what each one needs through EngineCommandTarget.
 */
import { UserError, assertNever } from '../errors.js';
import type { CommandName } from '../protocol/types.js';
import type { LiveAgentControl } from '../attempt/types.js';
import { checkCommandArgs } from './command-args.js';
import type { TaskWrite } from '../tasks/task-write.js';
import type { TaskDiffView } from '../report/task-diff-view.js';

/** What the commands act on. */
export interface EngineCommandTarget {
  readonly setPaused: (paused: boolean) => void;
  readonly stop: () => void;
  readonly setParallel: (parallel: number) => void;
  readonly agentControl: (agentId: string) => LiveAgentControl | undefined;
  readonly taskWrite: (write: TaskWrite) => Promise<{ summary: string; backup?: string }>;
  /** A task's landed commit diff, or its newest kept attempt's patch. */
  readonly taskDiff: (id: string) => Promise<TaskDiffView>;
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
    case 'subscribe-pty':
    case 'unsubscribe-pty':
      // The IPC server wires pty streams itself through subscribePty.
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
