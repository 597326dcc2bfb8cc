/**
 * Finding and ending every process of an agent (DESIGN.md §4), from /proc (Linux).
 *
 * Two ways a process belongs to an agent:
 * - ppid links from the agent's leader (children, grandchildren, ...), snapshotted before signalling;
 * - an environment tag (`NIGHTSHIFT_PROCESS_TAG=<unique>`) that agent-process puts in the agent's env
 *   and every descendant inherits. This catches what ppid links cannot: a `setsid cmd &` started by
 *   a shell that has already exited is re-parented to init and sits in its own session and group,
 *   so neither the process group nor the ppid walk reaches it. (Jenkins' ProcessTreeKiller tags
 *   builds with BUILD_ID for the same reason.) A process that scrubs its environment escapes the
 *   tag; that is a deliberate act, not an accident.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The environment variable that marks every process of one agent. */
export const PROCESS_TAG_VAR = 'NIGHTSHIFT_PROCESS_TAG';

/** The process tag every process of one attempt carries. */
export function attemptProcessTag(runId: string, taskId: string, attempt: number): string {
  return `ns-${runId}-${taskId}-${attempt}`;
}

/** The fields of /proc/PID/stat that matter here. */
interface ProcStat {
  readonly pid: number;
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** Clock ticks since boot; with the pid it identifies a process across pid reuse. */
  readonly startTime: string;
}

/** Reads /proc/PID/stat, or undefined when the process is gone. */
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  const [state, ppid, pgrp, session] = fields;
  const startTime = fields[19];
  if (
    state === undefined ||
    ppid === undefined ||
    pgrp === undefined ||
    session === undefined ||
    startTime === undefined
  ) {
    return undefined;
  }
  return { pid, state, ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session), startTime };
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** True when `pid` exists and is not a zombie (a zombie has exited; it only waits to be reaped). */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** Every live descendant of `pid` by ppid links (not `pid` itself), parents before children. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const candidate of allPids()) {
    const stat = readStat(candidate);
    if (!stat || stat.state === 'Z') continue;
    const list = children.get(stat.ppid);
    if (list) list.push(candidate);
    else children.set(stat.ppid, [candidate]);
  }
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      if (child === pid || found.includes(child)) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Live processes whose environment holds `PROCESS_TAG_VAR=tag` (only our own are readable). */
export function taggedProcesses(tag: string): number[] {
  const needle = `\0${PROCESS_TAG_VAR}=${tag}\0`;
  const found: number[] = [];
  for (const pid of allPids()) {
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (`\0${environ}`.includes(needle) && isAlive(pid)) found.push(pid);
  }
  return found;
}

/** How to end a tree. */
export interface KillTreeOptions {
  /** Time between SIGTERM and SIGKILL. Default 3000 ms. */
  readonly graceMs?: number;
  /** The agent's `NIGHTSHIFT_PROCESS_TAG` value, to find processes that left the tree. */
  readonly tag?: string;
  /** How long to wait for SIGKILLed processes to vanish before giving up. Default 5000 ms. */
  readonly killWaitMs?: number;
}

/** What killTree did. `survivors` is empty unless a process ignored SIGKILL (uninterruptible sleep). */
export interface KillTreeResult {
  readonly signalled: number;
  readonly killed: number;
  readonly survivors: readonly number[];
}

// /proc polling interval while waiting for processes to die: short enough that a cooperative
// agent's stop takes ~one tick past its exit, long enough to cost nothing.
const POLL_MS = 20;

/**
 * Ends `pid`, its process group, its descendants and (with `tag`) every tagged process: SIGTERM to
 * all of them, SIGKILL to what is left after `graceMs`, and returns once none is alive.
 */
export async function killTree(pid: number, options: KillTreeOptions = {}): Promise<KillTreeResult> {
  const graceMs = options.graceMs ?? 3000;
  const killWaitMs = options.killWaitMs ?? 5000;
  // Remember each process with its start time so a recycled pid is never signalled by mistake.
  const members = new Map<number, string>();
  const collect = (): void => {
    // Once the leader is gone its children are re-parented, and its pid may be recycled: only walk
    // ppid links from a live leader; the tag still finds the rest.
    const tree = isAlive(pid) ? [pid, ...descendants(pid)] : [];
    const pids = [...tree, ...(options.tag ? taggedProcesses(options.tag) : [])];
    for (const member of pids) {
      if (members.has(member)) continue;
      const stat = readStat(member);
      if (stat && stat.state !== 'Z') members.set(member, stat.startTime);
    }
  };
  const alive = (): number[] =>
    [...members]
      .filter(([member, startTime]) => readStat(member)?.startTime === startTime && isAlive(member))
      .map(([member]) => member);
  const signalAll = (signal: NodeJS.Signals): void => {
    // The group first: one syscall reaches everything that stayed in the agent's group, including
    // processes forked after the snapshot.
    trySignal(-pid, signal);
    for (const member of alive()) trySignal(member, signal);
  };

  collect();
  const signalled = alive().length;
  signalAll('SIGTERM');
  const termDeadline = Date.now() + graceMs;
  while (Date.now() < termDeadline) {
    // Children forked during the grace period (a shell's trap handler, say) join the tree too.
    collect();
    if (alive().length === 0) return { signalled, killed: 0, survivors: [] };
    await sleep(POLL_MS);
  }
  collect();
  const killed = alive().length;
  signalAll('SIGKILL');
  const killDeadline = Date.now() + killWaitMs;
  for (;;) {
    collect();
    const left = alive();
    if (left.length === 0) return { signalled, killed, survivors: [] };
    if (Date.now() >= killDeadline) return { signalled, killed, survivors: left };
    for (const member of left) trySignal(member, 'SIGKILL');
    await sleep(POLL_MS);
  }
}

function trySignal(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch {
    // ESRCH: already gone (or the group is empty); EPERM: not ours, not our business.
  }
}
