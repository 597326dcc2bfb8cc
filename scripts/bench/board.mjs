// The board's cost (DESIGN.md §9): a board attached through a real pty (node-pty, 120x35, CI unset)
// to an engine whose sim agents each stream 1,000 lines/s (`sim: spam 1000 20`), side by side for
// 1, 8 and 32 agents (BENCH_BOARD_AGENTS=1,8,32; BENCH_QUICK=1: 8 agents, shorter windows). Measured: the
// board process's CPU (% of one core, /proc/<pid>/stat utime+stime over the window), the bytes it
// writes to its terminal per second, and the peak RSS (VmHWM) of engine and board; plus the idle
// figure: the same board on a paused engine with nothing running, for 10 s.
// Exports `name`, `title` and `run({ print })` for scripts/bench.mjs, and a default function that
// prints the section on its own (`node scripts/bench/board.mjs`).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { budget, check, cliArgs, requireBuild, simProject, simTask, cleanup } from './_lib.mjs';

export const name = 'board';
export const title = 'board attached through a pty while 1, 8 and 32 sim agents stream 1,000 lines/s each';

const QUICK = process.env.BENCH_QUICK === '1';
const AGENT_COUNTS = (process.env.BENCH_BOARD_AGENTS ?? (QUICK ? '8' : '1,8,32')).split(',').map(Number);
const LINES_PER_SECOND = Number(process.env.BENCH_BOARD_RATE ?? 1000);
const SPAM_SECONDS = QUICK ? 8 : 20;
/** Measure inside the spam period: skip its first second (agents starting), stop before its end. */
const LOAD_WINDOW_MS = QUICK ? 5_000 : 15_000;
const IDLE_WINDOW_MS = QUICK ? 3_000 : 10_000;
const BUDGET = { cpu: 10, bytes: 40 * 1024, idleBytes: 1024, rssMb: 200 };

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5); the slice starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Peak resident set size of a process in MB (VmHWM), or NaN when it is gone. */
function peakRssMb(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function folderBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : statSync(full).size;
  }
  return total;
}

async function waitUntil(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Board CPU and bytes (and the engine's CPU) over a window: samples at its start and end. */
async function measure(board, enginePid, windowMs) {
  const cpu0 = cpuSeconds(board.pid);
  const engine0 = cpuSeconds(enginePid);
  const bytes0 = board.bytes();
  const t0 = performance.now();
  await sleep(windowMs);
  const seconds = (performance.now() - t0) / 1000;
  return {
    cpu: ((cpuSeconds(board.pid) - cpu0) / seconds) * 100,
    engineCpu: ((cpuSeconds(enginePid) - engine0) / seconds) * 100,
    bytesPerSecond: (board.bytes() - bytes0) / seconds,
    seconds,
  };
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB/s`;
const verdict = (ok) => (ok ? 'within' : 'OVER');

export async function run({ print }) {
  for (const [index, agents] of AGENT_COUNTS.entries()) {
    print(`— ${agents} agent${agents === 1 ? '' : 's'} —`);
    await measureBoard(agents, index === 0, (line) => print(`  ${line}`));
  }
  await measureFirstFrame(print);
}

/** Starts of `attach` on a paused engine measured for the first frame (median). */
const FIRST_FRAME_STARTS = QUICK ? 5 : 7;

/**
 * Time from starting `nightshift attach` in a pty to its first frame (the header's `nightshift ·`
 * on screen), and to the board drawn from the engine's snapshot (`tasks (N)`): the median of
 * FIRST_FRAME_STARTS starts on one paused engine.
 */
async function measureFirstFrame(print) {
  const pty = (await import('@lydell/node-pty')).default;
  const project = simProject({ tasks: [simTask('hold', 'sim: delay 1500\nsim: run true', ['true'])] });
  const env = { ...project.env };
  delete env.CI;
  check(project.cli(['run', '--detach', '--parallel', '1']), 'run --detach');
  check(project.cli(['pause']), 'pause');
  const first = [];
  const drawn = [];
  for (let i = 0; i < FIRST_FRAME_STARTS; i++) {
    let text = '';
    const started = performance.now();
    let firstAt;
    let drawnAt;
    const board = pty.spawn(process.execPath, cliArgs('attach'), {
      name: 'xterm-256color',
      cols: 120,
      rows: 35,
      cwd: project.dir,
      env,
    });
    board.onData((data) => {
      text += data;
      if (firstAt === undefined && text.includes('nightshift')) firstAt = performance.now();
      if (drawnAt === undefined && /tasks \(\d+\)/.test(text)) drawnAt = performance.now();
    });
    await waitUntil(() => drawnAt !== undefined, 30_000, 'the board to draw its snapshot');
    board.kill();
    first.push(firstAt - started);
    drawn.push(drawnAt - started);
  }
  check(project.cli(['stop']), 'stop');
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  print(
    `time to first frame  ${median(first).toFixed(0)} ms median of ${first.length} starts of attach (board with the snapshot: ${median(drawn).toFixed(0)} ms; all: ${first.map((v) => v.toFixed(0)).join(', ')} ms)`,
  );
}

/** One engine with `agents` spamming sim agents and a board on it; the idle figure when `withIdle`. */
async function measureBoard(agents, withIdle, print) {
  const pty = (await import('@lydell/node-pty')).default;
  // A first task holds the spam tasks back, so the engine can be paused and the board measured idle.
  const tasks = [
    simTask('hold', 'sim: delay 1500\nsim: run true', ['true']),
    ...Array.from({ length: agents }, (_, i) =>
      simTask(`spam-${i + 1}`, `sim: spam ${LINES_PER_SECOND} ${SPAM_SECONDS}`, ['true'], {
        depends_on: ['hold'],
      }),
    ),
  ];
  const project = simProject({ tasks });
  const env = { ...project.env };
  delete env.CI; // with CI set, Ink prints only the last frame (DESIGN.md §7)
  delete env.NO_COLOR; // measure the board as people see it, in colour
  delete env.FORCE_COLOR;
  const status = () => JSON.parse(check(project.cli(['status', '--json']), 'status').stdout);
  check(project.cli(['run', '--detach', '--parallel', String(agents)]), 'run --detach');
  check(project.cli(['pause']), 'pause');
  const enginePid = status().engine.pid;

  let written = 0;
  const board = pty.spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE] : []),
      ...cliArgs('attach'),
    ],
    { name: 'xterm-256color', cols: 120, rows: 35, cwd: project.dir, env },
  );
  let exited = false;
  board.onData((data) => {
    written += Buffer.byteLength(data);
  });
  board.onExit(() => {
    exited = true;
  });
  const handle = { pid: board.pid, bytes: () => written };
  try {
    await waitUntil(() => written > 0, 15_000, 'the board to draw');
    await waitUntil(
      () => {
        const now = status();
        return now.counts.done >= 1 && now.agents.filter((a) => a.state !== 'exited').length === 0;
      },
      30_000,
      'the hold task to finish',
    );
    await sleep(1_000); // let the board settle after the last change before measuring idle
    const idle = withIdle ? await measure(handle, enginePid, IDLE_WINDOW_MS) : undefined;

    check(project.cli(['resume']), 'resume');
    await waitUntil(
      () => status().agents.filter((a) => a.state !== 'exited').length >= agents,
      30_000,
      `${agents} agents to run`,
    );
    await sleep(1_000);
    const load = await measure(handle, enginePid, LOAD_WINDOW_MS);
    const boardRss = peakRssMb(board.pid);
    const engineRss = peakRssMb(enginePid);
    const output = folderBytes(path.join(project.dir, '.nightshift', 'logs'));

    print(
      `load: ${agents} agents × ${LINES_PER_SECOND} lines/s, measured over ${load.seconds.toFixed(1)} s; agent output so far ${(output / 1024 / 1024).toFixed(1)} MB`,
    );
    print(
      `board CPU             ${load.cpu.toFixed(1)}% of one core     budget ≤ ${BUDGET.cpu}%        ${verdict(load.cpu <= BUDGET.cpu)}`,
    );
    print(
      `board → terminal      ${kb(load.bytesPerSecond).padEnd(18)}  budget ≤ ${kb(BUDGET.bytes).padEnd(10)} ${verdict(load.bytesPerSecond <= BUDGET.bytes)}`,
    );
    if (idle)
      print(
        `idle board → terminal ${kb(idle.bytesPerSecond).padEnd(18)}  budget ≤ ${kb(BUDGET.idleBytes).padEnd(10)} ${verdict(idle.bytesPerSecond <= BUDGET.idleBytes)}   (CPU ${idle.cpu.toFixed(1)}%, ${idle.seconds.toFixed(1)} s, engine paused, nothing running)`,
      );
    print(
      `peak RSS: board ${boardRss.toFixed(0)} MB + engine ${engineRss.toFixed(0)} MB = ${(boardRss + engineRss).toFixed(0)} MB   budget ≤ ${BUDGET.rssMb} MB   ${verdict(boardRss + engineRss <= BUDGET.rssMb)}   (after ${(output / 1024 / 1024).toFixed(0)} MB of output, not the budget's 1 GB)`,
    );
    recordBoardBudgets(agents, load, idle);
    print(
      `for reference: engine CPU ${load.engineCpu.toFixed(1)}% of one core under load${idle ? `, ${idle.engineCpu.toFixed(1)}% idle` : ''}`,
    );
  } finally {
    if (!exited) board.write('q');
    await waitUntil(() => exited, 5_000, 'the board to close').catch(() => board.kill());
    project.cli(['stop']);
    await waitUntil(() => !alive(enginePid), 30_000, 'the engine to stop').catch(() => undefined);
  }
}

/** The board's budget rows for the bench summary (scripts/bench.mjs). */
function recordBoardBudgets(agents, load, idle) {
  const at = `${agents} agent${agents === 1 ? '' : 's'} × ${LINES_PER_SECOND} lines/s`;
  budget(`board CPU, ${at}`, load.cpu, BUDGET.cpu, '%');
  budget(`board → terminal, ${at}`, load.bytesPerSecond / 1024, BUDGET.bytes / 1024, 'KB/s');
  if (idle) budget('board → terminal, idle', idle.bytesPerSecond / 1024, BUDGET.idleBytes / 1024, 'KB/s');
}

/** Prints this section alone. */
export default async function main() {
  requireBuild();
  console.log(`## ${name}: ${title}`);
  try {
    await run({ print: (line) => console.log(`  ${line}`) });
  } finally {
    cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
