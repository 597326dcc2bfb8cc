/** Whether bubblewrap works on this machine (`doctor`, `run`'s refusal). */
import { spawnSync } from 'node:child_process';

/** The bwrap program: NIGHTSHIFT_BWRAP when set (tests, a bwrap outside PATH), else `bwrap`. */
export function bwrapBinary(): string {
  return process.env['NIGHTSHIFT_BWRAP'] || 'bwrap';
}

/** Whether bwrap can run here, and why not. */
export interface BwrapProbe {
  readonly ok: boolean;
  readonly detail: string;
}

/** A read-only sandbox in its own pid namespace, as the agents' but with nothing writable, running `command`. */
function probeArgs(command: readonly string[]): string[] {
  return [
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--unshare-pid',
    '--die-with-parent',
    ...command,
  ];
}

/** Runs `bwrap --ro-bind / / … sh -c true`: the check behind `doctor` and `run`'s refusal. */
export function probeBwrap(bwrap = bwrapBinary()): BwrapProbe {
  const result = spawnSync(bwrap, probeArgs(['/bin/sh', '-c', 'true']), {
    encoding: 'utf8',
    timeout: 10_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      ok: false,
      detail: missing
        ? 'bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)'
        : `bwrap could not start: ${result.error.message}`,
    };
  }
  if (result.status !== 0) {
    const stderr = result.stderr.trim().split('\n').slice(-2).join(' ');
    return {
      ok: false,
      detail: `bwrap cannot create namespaces here (${stderr || `exit ${String(result.status)}`}); enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu 24.04 an AppArmor profile for bwrap), or set [sandbox] mode = "off"`,
    };
  }
  const version = spawnSync(bwrap, ['--version'], { encoding: 'utf8', timeout: 5000 });
  return { ok: true, detail: (version.stdout || 'bwrap').trim() };
}
