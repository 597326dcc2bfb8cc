/**
 * The sandbox scope of an attempt's agents and gate commands (sandbox/bwrap.ts): the worktree and
 * what else they may write, and the engine's socket they must still reach.
 */
import path from 'node:path';
import { engineSocketPath } from '../ipc/socket-path.js';
import type { Sandbox, SandboxScope } from '../sandbox/bwrap.js';
import type { AttemptDeps } from './types.js';

/** What an attempt's sandbox may write besides its worktree (`extra`), and what it must still reach. */
export function sandboxFor(
  deps: Pick<AttemptDeps, 'sandbox' | 'paths'>,
  worktree: string,
  extra: readonly string[] = [],
): { sandbox: Sandbox; scope: SandboxScope } | undefined {
  if (!deps.sandbox || deps.sandbox.kind === 'off') return undefined;
  return {
    sandbox: deps.sandbox,
    scope: {
      worktree,
      projectRoot: deps.paths.root,
      writable: extra,
      // The task tool server and the hook inside reach the engine through its socket.
      readable: [path.dirname(engineSocketPath(deps.paths.root))],
    },
  };
}
