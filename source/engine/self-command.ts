/**
 * How to invoke this very nightshift from a child process (hooks, the detached engine): the node
 * binary plus the CLI script, so it works without `nightshift` on PATH.
 */
import path from 'node:path';
import { packageRoot } from '../paths.js';

/** argv prefix that runs nightshift, e.g. `[/usr/bin/node, /…/dist/cli/index.js]`. */
export function nightshiftCommand(): string[] {
  return [process.execPath, path.join(packageRoot, 'dist', 'cli', 'index.js')];
}
