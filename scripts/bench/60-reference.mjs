// Reference rows for the board's figures (DESIGN.md §9 "peers"): the same load as the board
// section's 8 agents (8 sim agents, `sim: spam 1000 N` each) shown by
//   tmux      — 8 tiled panes at 120x35, one agent in each (the existing baseline, ~320 KB/s)
//   naive Ink — one Ink app that re-renders 8 boxes of each agent's last lines on every chunk
//               (~140–215 KB/s)
// each attached through a pty of 120x35: bytes written to the terminal per second and the CPU of
// the process(es) drawing it, over the same window as the board section.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { repoRoot, scratchDir } from './_lib.mjs';

export const name = 'reference';
export const title =
  'reference rows: tmux showing the same 8 logs, a naive Ink pane (8 agents × 1,000 lines/s)';

const QUICK = process.env.BENCH_QUICK === '1';
const AGENTS = 8;
const RATE = 1000;
const WINDOW_MS = QUICK ? 5_000 : 15_000;
const SPAM_SECONDS = Math.ceil((WINDOW_MS + 6_000) / 1000);
const simAgent = path.join(repoRoot, 'dist', 'agents', 'sim-agent.js');

/** utime + stime of a process and its waited-for children, in seconds; 0 when it is gone. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Bytes a pty process writes and CPU of `pids()` over the window, after `settleMs`. */
async function measure(term, pids, settleMs) {
  let written = 0;
  term.onData((data) => {
    written += Buffer.byteLength(data);
  });
  await sleep(settleMs);
  const cpu0 = pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const bytes0 = written;
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpu0;
  return { bytesPerSecond: (written - bytes0) / seconds, cpu: (cpu / seconds) * 100, seconds };
}

const spamCommand = `${JSON.stringify(process.execPath)} ${JSON.stringify(simAgent)} -p 'sim: spam ${RATE} ${SPAM_SECONDS}'`;

/** tmux: 8 tiled panes, one sim agent in each, a client attached through a pty. */
async function tmuxRow(pty) {
  const socket = `nightshift-bench-${process.pid}`;
  const tmux = (...args) =>
    execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', stdio: 'pipe' });
  try {
    tmux('new-session', '-d', '-s', 'b', '-x', '120', '-y', '35', `sleep 3; ${spamCommand}; sleep 600`);
    for (let i = 1; i < AGENTS; i++) {
      tmux('split-window', '-t', 'b', `sleep 3; ${spamCommand}; sleep 600`);
      tmux('select-layout', '-t', 'b', 'tiled');
    }
    const server = Number(tmux('display-message', '-p', '#{pid}').trim());
    const client = pty.spawn('tmux', ['-L', socket, 'attach', '-t', 'b'], {
      name: 'xterm-256color',
      cols: 120,
      rows: 35,
      env: { ...process.env, TMUX: '' },
    });
    try {
      return await measure(client, () => [server, client.pid], 4_000);
    } finally {
      client.kill();
    }
  } finally {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

/** The naive Ink pane: one Ink app, 8 boxes of each agent's last lines, a render per chunk. */
const NAIVE_INK = `
import { spawn } from 'node:child_process';
import React from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'node_modules', 'react', 'index.js')).href)};
import { render, Box, Text } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'node_modules', 'ink', 'build', 'index.js')).href)};
const h = React.createElement;
const lines = Array.from({ length: ${AGENTS} }, () => []);
let update = () => {};
function App() {
  const [, setTick] = React.useState(0);
  update = () => setTick((n) => n + 1);
  return h(Box, { flexDirection: 'row', flexWrap: 'wrap', width: 120 },
    lines.map((agent, i) => h(Box, { key: i, borderStyle: 'round', width: 30, height: 17, flexDirection: 'column' },
      h(Text, { bold: true }, 'agent ' + (i + 1)),
      agent.slice(-14).map((line, j) => h(Text, { key: j, wrap: 'truncate' }, line)))));
}
render(h(App));
setTimeout(() => {
  for (let i = 0; i < ${AGENTS}; i++) {
    const child = spawn(process.execPath, [${JSON.stringify(simAgent)}, '-p', 'sim: spam ${RATE} ${SPAM_SECONDS}'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let rest = '';
    child.stdout.on('data', (chunk) => {
      const parts = (rest + chunk.toString('utf8')).split('\\n');
      rest = parts.pop() ?? '';
      lines[i].push(...parts);
      if (lines[i].length > 100) lines[i].splice(0, lines[i].length - 100);
      update();
    });
  }
}, 3000);
`;

async function naiveInkRow(pty) {
  const dir = scratchDir('nightshift-bench-ink-');
  const script = path.join(dir, 'naive-ink.mjs');
  writeFileSync(script, NAIVE_INK);
  const env = { ...process.env };
  delete env.CI;
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  const app = pty.spawn(process.execPath, [script], {
    name: 'xterm-256color',
    cols: 120,
    rows: 35,
    cwd: dir,
    env,
  });
  try {
    return await measure(app, () => [app.pid], 4_000);
  } finally {
    app.kill();
  }
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB/s`;

export async function run({ print }) {
  const pty = (await import('@lydell/node-pty')).default;
  print(
    `load: ${AGENTS} sim agents × ${RATE} lines/s, measured over ${(WINDOW_MS / 1000).toFixed(0)} s, 120x35`,
  );
  try {
    const tmux = await tmuxRow(pty);
    print(
      `tmux, 8 tiled panes    → terminal ${kb(tmux.bytesPerSecond).padEnd(12)} CPU (server + client) ${tmux.cpu.toFixed(1)}% of one core   (board budget ≤ 40 KB/s)`,
    );
  } catch (error) {
    print(`tmux row failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  const ink = await naiveInkRow(pty);
  print(
    `naive Ink pane         → terminal ${kb(ink.bytesPerSecond).padEnd(12)} CPU ${ink.cpu.toFixed(1)}% of one core (the app; its 8 agents not counted)`,
  );
}
