/**
 * The doctor's node-pty check: load the native module lazily (a broken build must not stop the
 * rest of the CLI) and prove it works by running `/bin/sh -c 'echo ok'` in a pseudo-terminal.
 */
import type * as NodePty from 'node-pty';
import { errorMessage } from '../errors.js';
import type { CheckResult } from './doctor-checks.js';

/** How long to keep reading after the shell exits: node-pty can deliver the last bytes late (microsoft/node-pty#72). */
const DRAIN_MS = 200;

/** Spawns a shell in a pty and expects to read `ok` from it within `timeoutMs`. */
export async function checkNodePty(cwd: string, timeoutMs: number): Promise<CheckResult> {
  let pty: typeof NodePty;
  try {
    pty = await import('node-pty');
  } catch (error) {
    return {
      status: 'fail',
      check: 'node-pty',
      detail: `cannot load: ${firstLineOf(errorMessage(error))}`,
      fix: 'reinstall nightshift (`npm install` in its folder); building node-pty needs python3, make and a C++ compiler',
    };
  }
  try {
    const output = await readShell(pty, cwd, timeoutMs);
    if (/\bok\b/.test(output))
      return { status: 'ok', check: 'node-pty', detail: 'spawned /bin/sh in a pty and read "ok"' };
    return {
      status: 'fail',
      check: 'node-pty',
      detail: `spawned /bin/sh but read ${JSON.stringify(output.slice(0, 60))} instead of "ok"`,
      fix: 'check that /bin/sh works and that ptys are available (/dev/ptmx, mounted devpts)',
    };
  } catch (error) {
    return {
      status: 'fail',
      check: 'node-pty',
      detail: `cannot spawn in a pty: ${firstLineOf(errorMessage(error))}`,
      fix: "if it says posix_spawnp failed, make node-pty's spawn-helper executable: chmod +x node_modules/node-pty/prebuilds/*/spawn-helper",
    };
  }
}

function readShell(pty: typeof NodePty, cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    let settled = false;
    const child = pty.spawn('/bin/sh', ['-c', 'echo ok'], {
      name: 'xterm',
      cols: 80,
      rows: 24,
      cwd,
      env: process.env,
    });
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(output);
    };
    const timer = setTimeout(() => {
      try {
        child.kill();
      } catch {
        // Already gone: the timeout is what we report.
      }
      finish(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.onData((data) => {
      output += data;
      if (/\bok\b/.test(output)) finish();
    });
    child.onExit(() => setTimeout(() => finish(), DRAIN_MS));
  });
}

function firstLineOf(text: string): string {
  return text.split('\n')[0] ?? text;
}
