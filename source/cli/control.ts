/**
 * `nightshift stop | pause | resume`: control a running engine.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import type { CommandName } from '../protocol/types.js';
import { requireEngine } from '../ipc/engine-connection.js';
import { findProjectRoot } from './project.js';
import { printLine } from './output.js';

const CONTROLS: readonly { name: string; command: CommandName; description: string; done: string }[] = [
  {
    name: 'stop',
    command: 'stop',
    description: 'stop the running engine: agents are stopped, their attempts closed as interrupted',
    done: 'stop requested; the engine is winding down',
  },
  {
    name: 'pause',
    command: 'pause',
    description: 'pause the running engine: running agents finish, no new task starts',
    done: 'paused',
  },
  { name: 'resume', command: 'resume', description: 'resume a paused engine', done: 'resumed' },
];

/** Registers `stop`, `pause` and `resume`. */
export function registerControl(program: Command): void {
  for (const control of CONTROLS) {
    program
      .command(control.name)
      .description(control.description)
      .action(async () => {
        const client = await requireEngine(findProjectRoot());
        try {
          const result = await client.command(control.command);
          if (!result.ok) throw new UserError(result.error ?? `${control.name} failed`);
          printLine(control.done);
        } finally {
          client.close();
        }
      });
  }
}
