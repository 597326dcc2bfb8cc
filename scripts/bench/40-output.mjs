// Agent output at volume (DESIGN.md §9). One long line: an agent prints a single JSON record line
// of 5 and 40 MB (then a result line) through the real runner (pty, tee'd record, log, screen,
// parser): wall time from start to result, which must grow linearly with the line (the record
// reader once joined and rescanned the unfinished line on every read: 5/10/20/40 MB took
// 6.8/27/84/>300 s). BENCH_LONG_LINE_MB=5,40 picks the sizes.
// A gigabyte of output (DESIGN.md §9: engine + board RSS ≤ 200 MB after 1 GB): 8 sim agents
// print text as fast as it goes (`sim: spam-mb`, a bench device: 64 KB records of ~85-character
// lines; line by line the sim managed only 0.2 MB/s, so 1 GB took hours) until together they
// printed 1 GB, through a detached engine with a board attached through a pty (120x35); at the
// end the RSS (now and peak) of engine and board.
// BENCH_OUTPUT_MB=1024 sets the volume (--quick: 128).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Buffer } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';
import { budget, check, cliArgs, repoRoot, simProject, simTask } from './_lib.mjs';

export const name = 'output';
export const title = 'Agent output at volume: one long record line; a gigabyte through engine + board';

const dist = (file) => pathToFileURL(path.join(repoRoot, 'dist', file)).href;

/** Runs `node -e` printing one text record line of `mb` MB and a result line, through startAgent. */
async function longLine(mb) {
  const { startAgent } = await import(dist('agents/agent-process.js'));
  const { simBackend } = await import(dist('agents/sim.js'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nightshift-bench-line-'));
  try {
    const script =
      `process.stdout.write('{"type":"text","text":"' + 'a'.repeat(${mb} * 1024 * 1024) + '"}\\n');` +
      `process.stdout.write('{"type":"result","ok":true,"text":"done"}\\n');`;
    const started = performance.now();
    const agent = await startAgent({
      command: { file: process.execPath, args: ['-e', script], cwd: dir, env: {} },
      backend: simBackend,
      logPath: path.join(dir, 'a.log'),
      jsonlPath: path.join(dir, 'a.jsonl'),
    });
    let longest = 0;
    agent.on('event', (event) => {
      if (event.type === 'text') longest = Math.max(longest, event.text.length);
    });
    const result = await agent.result;
    return {
      seconds: (performance.now() - started) / 1000,
      whole: longest === mb * 1024 * 1024,
      ok: result.ok,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run({ print }) {
  const sizes = (process.env.BENCH_LONG_LINE_MB ?? '5,40').split(',').map(Number);
  const figures = [];
  for (const mb of sizes) {
    const { seconds, whole, ok } = await longLine(mb);
    figures.push({ mb, seconds });
    print(
      `one ${String(mb).padStart(3)} MB record line: ${seconds.toFixed(2)} s to the result   (${whole ? 'parsed whole' : 'NOT parsed whole'}, result ${ok ? 'ok' : 'NOT ok'})`,
    );
  }
  await gigabyte(print);
  if (figures.length > 1) {
    const first = figures[0];
    const last = figures[figures.length - 1];
    print(
      `time ratio ${last.mb}/${first.mb} MB: ${(last.seconds / first.seconds).toFixed(1)}× for ${(last.mb / first.mb).toFixed(0)}× the bytes   (budget: linear)`,
    );
  }
}

/** RSS now and peak (VmRSS, VmHWM) of a process in MB; NaN when it is gone. */
function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { now: field('VmRSS'), peak: field('VmHWM') };
  } catch {
    return { now: Number.NaN, peak: Number.NaN };
  }
}

/** Bytes of the files under `dir` whose names match `pattern`. */
function bytesUnder(dir, pattern) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += bytesUnder(full, pattern);
    else if (pattern.test(entry.name)) total += statSync(full).size;
  }
  return total;
}

async function waitUntil(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** 1 GB (BENCH_OUTPUT_MB) of agent output through a detached engine and an attached board. */
async function gigabyte(print) {
  const quick = process.env.BENCH_QUICK === '1';
  const mb = Number(process.env.BENCH_OUTPUT_MB ?? (quick ? 128 : 1024));
  const agents = 8;
  const ids = Array.from({ length: agents }, (_, i) => `gb-${i + 1}`);
  const tasks = [
    // Holds the others back a few seconds: engine and board are measured before any output.
    simTask('start', 'sim: delay 4000\nsim: run true', ['true']),
    ...ids.map((id) =>
      simTask(id, `sim: spam-mb ${(mb / agents).toFixed(3)}`, ['true'], { depends_on: ['start'] }),
    ),
    // Keeps the engine running once the others are done, to be measured then (it ends with the queue).
    simTask('hold', 'sim: hang', ['true'], { depends_on: ids }),
  ];
  const project = simProject({ tasks });
  // BENCH_NODE_OPTIONS: node flags for engine and board (e.g. --max-semi-space-size=2), to compare.
  if (process.env.BENCH_NODE_OPTIONS) project.env.NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS;
  const env = { ...project.env };
  delete env.CI; // the board as people see it (with CI set Ink prints only the last frame)
  const status = () => JSON.parse(check(project.cli(['status', '--json']), 'status').stdout);
  const started = performance.now();
  check(project.cli(['run', '--detach', '--parallel', String(agents)]), 'run --detach');
  const enginePid = status().engine.pid;
  const pty = (await import('@lydell/node-pty')).default;
  let written = 0;
  let exited = false;
  const board = pty.spawn(process.execPath, cliArgs('attach'), {
    name: 'xterm-256color',
    cols: 120,
    rows: 35,
    cwd: project.dir,
    env,
  });
  board.onData((data) => {
    written += Buffer.byteLength(data);
  });
  board.onExit(() => {
    exited = true;
  });
  let peak = { engine: 0, board: 0 };
  try {
    await waitUntil(() => written > 0, 30_000, 'the board to draw');
    await sleep(1_500);
    const before = { engine: rssMb(enginePid).now, board: rssMb(board.pid).now };
    const logs = path.join(project.dir, '.nightshift', 'logs');
    await waitUntil(
      () => {
        const now = status();
        peak = {
          engine: Math.max(peak.engine, rssMb(enginePid).peak),
          board: Math.max(peak.board, rssMb(board.pid).peak),
        };
        if ((now.counts.blocked ?? 0) > 0) throw new Error('a spam task was blocked');
        return (now.counts.done ?? 0) >= agents + 1;
      },
      3_600_000,
      `${agents} agents to print ${mb} MB`,
    );
    const seconds = (performance.now() - started) / 1000;
    await sleep(2_000); // the board draws the last of it
    const engine = rssMb(enginePid);
    const boardRss = rssMb(board.pid);
    const record = bytesUnder(logs, /\.jsonl$/);
    const log = bytesUnder(logs, /\.log(\.1)?$/);
    print(
      `${agents} agents printed ${(record / 1024 / 1024).toFixed(0)} MB of records in ${seconds.toFixed(0)} s (${(record / 1024 / 1024 / seconds).toFixed(1)} MB/s); terminal logs on disk ${(log / 1024 / 1024).toFixed(0)} MB (capped, [run] max_log_mb = 50 each); the board wrote ${(written / 1024 / 1024).toFixed(1)} MB to its terminal`,
    );
    const total = engine.now + boardRss.now;
    print(
      `RSS at the end: engine ${engine.now.toFixed(0)} MB + board ${boardRss.now.toFixed(0)} MB = ${total.toFixed(0)} MB   budget ≤ 200 MB   ${total <= 200 ? 'within' : 'OVER'}`,
    );
    print(
      `RSS before any output (board drawn, first task running): engine ${before.engine.toFixed(0)} MB + board ${before.board.toFixed(0)} MB = ${(before.engine + before.board).toFixed(0)} MB`,
    );
    print(
      `peak RSS: engine ${engine.peak.toFixed(0)} MB, board ${boardRss.peak.toFixed(0)} MB (sum of peaks ${(engine.peak + boardRss.peak).toFixed(0)} MB)`,
    );
    await sleep(10_000);
    const settled = { engine: rssMb(enginePid).now, board: rssMb(board.pid).now };
    print(
      `RSS 10 s later (no output): engine ${settled.engine.toFixed(0)} MB + board ${settled.board.toFixed(0)} MB = ${(settled.engine + settled.board).toFixed(0)} MB`,
    );
    budget(
      `engine + board RSS after ${(record / 1024 / 1024 / 1024).toFixed(2)} GB of output`,
      total,
      200,
      'MB',
      `peaks ${engine.peak.toFixed(0)} + ${boardRss.peak.toFixed(0)} MB`,
    );
  } finally {
    if (!exited) board.write('q');
    await waitUntil(() => exited, 5_000, 'the board to close').catch(() => board.kill());
    project.cli(['stop']);
    await waitUntil(
      () => {
        try {
          process.kill(enginePid, 0);
          return false;
        } catch {
          return true;
        }
      },
      60_000,
      'the engine to stop',
    ).catch(() => undefined);
  }
}
