/**
 * The commands clients send to a running engine (DESIGN.md §3), checked and dispatched. The engine
 * supplies what each one needs through EngineCommandTarget.
 */
import { UserError, assertNever } from '../errors.js';
import type { CommandName } from '../protocol/types.js';
import type { TaskInput } from '../tasks/model.js';
import type { TaskWrite } from '../tasks/task-write.js';
import type { LiveAgentControl } from '../attempt/types.js';

/** What the commands act on. */
export interface EngineCommandTarget {
  readonly setPaused: (paused: boolean) => void;
  readonly stop: () => void;
  readonly setParallel: (parallel: number) => void;
  readonly agentControl: (agentId: string) => LiveAgentControl | undefined;
  readonly taskWrite: (write: TaskWrite) => Promise<{ summary: string; backup?: string }>;
}

/** Runs one command; throws a UserError for bad arguments or an unknown agent. */
export async function runEngineCommand(
  target: EngineCommandTarget,
  name: CommandName,
  args: Readonly<Record<string, unknown>>,
): Promise<unknown> {
  switch (name) {
    case 'pause':
      target.setPaused(true);
      return 'paused';
    case 'resume':
      target.setPaused(false);
      return 'resumed';
    case 'stop':
      target.stop();
      return 'stopping';
    case 'stop-agent':
      await agent(target, args).stop('stopped');
      return 'stopped';
    case 'set-parallel': {
      const parallel = Number(args['parallel']);
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64)
        throw new UserError('parallel must be an integer from 1 to 64');
      target.setParallel(parallel);
      return parallel;
    }
    case 'retry':
      return target.taskWrite({ op: 'retry', ids: optionalIds(args) });
    case 'reset':
      return target.taskWrite({ op: 'reset', ids: optionalIds(args) });
    case 'block':
      return target.taskWrite({ op: 'block', id: stringArg(args, 'id'), reason: stringArg(args, 'reason') });
    case 'add-task':
      return target.taskWrite({ op: 'add', tasks: [args['task'] as TaskInput] });
    case 'task-write':
      return target.taskWrite(args['write'] as TaskWrite);
    case 'pty-input':
      agent(target, args).write(stringArg(args, 'data'));
      return 'ok';
    case 'pty-resize':
      agent(target, args).resize(Number(args['cols']), Number(args['rows']));
      return 'ok';
    case 'subscribe-pty':
    case 'unsubscribe-pty':
      // The IPC server wires pty streams itself through subscribePty.
      return 'ok';
    default:
      return assertNever(name);
  }
}

function agent(target: EngineCommandTarget, args: Readonly<Record<string, unknown>>): LiveAgentControl {
  const id = stringArg(args, 'agentId');
  const control = target.agentControl(id);
  if (!control) throw new UserError(`no running agent "${id}"`);
  return control;
}

function stringArg(args: Readonly<Record<string, unknown>>, key: string): string {
  const value = args[key];
  if (typeof value !== 'string' || value.length === 0) throw new UserError(`command needs "${key}"`);
  return value;
}

function optionalIds(args: Readonly<Record<string, unknown>>): string[] | undefined {
  const ids = args['ids'];
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string'))
    throw new UserError('"ids" must be a list of task ids');
  return ids;
}
