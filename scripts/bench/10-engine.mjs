// Engine overhead per task (DESIGN.md §9: ≤ 20 ms median): many tasks with the sim agent at zero
// delay and a trivial gate (`true`), one at a time. From the engine's own NDJSON event times:
//   span     = this task's start → the next task's start (the last: → the run's `ended`)
//   agent    = the agent shown on the board → the task shown as verifying (the sim's whole life:
//              node start-up, reading the prompt, one file write, exit; pty spawn is NOT in it).
//              Not the agent's own "exited" event: agent updates are batched (AGENT_FLUSH_MS,
//              100 ms) and stamped when sent, so that one arrives up to 100 ms late and would
//              move commit/rebase/cleanup time into the agent's share. `verifying` is sent at once,
//              right after the agent's result.
//   gate     = the gate commands' own durations (the attempt's checks)
//   overhead = span − agent − gate: worktree add/remove, prompt rendering, pty spawn, the tee'd
//              record, commit, rebase + fast-forward onto main, store writes, scheduling.
// BENCH_ENGINE_TRACE_GIT=1 also lists the engine's git calls per task (NIGHTSHIFT_TRACE_GIT into a
// scratch file); off by default because tracing writes a line per call.
//
// Then the floor, measured beside it in the same run: the least that any engine running git as
// processes must spend per task, in a scratch repository with one worktree reused (a pool of one,
// so no worktree add/remove): spawn the agent in a pty (`true`, which exits at once), add, commit,
// and fast-forward the main checkout. Nothing else: no status, no diff for the quality facts, no
// store write, no record, and no reset of the worktree (timed apart: a pool needs it only when
// main moved on under the worktree). If that floor is over the budget, no such design meets it on
// this machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { budget, median, ms, percentile, runJson, scratchDir, simProject, simTask } from './_lib.mjs';

export const name = 'engine';
export const title = 'Engine overhead per task (instant sim agent, trivial gate, parallel 1)';

export async function run({ print }) {
  const count = Number(process.env.BENCH_ENGINE_TASKS ?? (process.env.BENCH_QUICK === '1' ? 50 : 200));
  const tasks = Array.from({ length: count }, (_, i) =>
    simTask(`t${String(i).padStart(4, '0')}`, `sim: write f${i}.txt <<<\nline ${i}\n>>>`, ['true']),
  );
  const project = simProject({ tasks, run: { parallel: 1 } });
  const traceFile =
    process.env.BENCH_ENGINE_TRACE_GIT === '1'
      ? path.join(scratchDir('nightshift-bench-trace-'), 'git.tsv')
      : undefined;
  if (traceFile) project.env.NIGHTSHIFT_TRACE_GIT = traceFile;
  const { wallMs, events } = await runJson(project);
  const state = project.state();

  const time = (event) => Date.parse(event.at);
  const taskStart = new Map();
  const agentOf = new Map();
  const agentStart = new Map();
  const agentEnd = new Map();
  const taskDone = new Map();
  const verifying = new Map();
  let ended;
  for (const event of events) {
    if (event.type === 'task' && event.task.status === 'running' && !taskStart.has(event.task.id))
      taskStart.set(event.task.id, time(event));
    if (event.type === 'agent' && event.agent.role === 'coding') {
      if (!agentStart.has(event.agent.id)) {
        agentStart.set(event.agent.id, time(event));
        agentOf.set(event.agent.taskId, event.agent.id);
      }
      if (event.agent.state === 'exited' && !agentEnd.has(event.agent.id))
        agentEnd.set(event.agent.id, time(event));
    }
    if (event.type === 'task' && event.task.status === 'verifying' && !verifying.has(event.task.id))
      verifying.set(event.task.id, time(event));
    if (event.type === 'task' && event.task.status === 'done' && !taskDone.has(event.task.id))
      taskDone.set(event.task.id, time(event));
    if (event.type === 'ended') ended = time(event);
  }
  const order = [...taskStart.entries()].sort((a, b) => a[1] - b[1]);
  const spans = [];
  const agents = [];
  const gates = [];
  const overheads = [];
  const before = [];
  const after = [];
  const between = [];
  order.forEach(([id, start], index) => {
    const next = order[index + 1]?.[1] ?? ended;
    const agentId = agentOf.get(id);
    const agentEnded = verifying.get(id) ?? agentEnd.get(agentId);
    const agent = agentEnded - agentStart.get(agentId);
    const task = state.tasks.find((t) => t.id === id);
    const gate = task.attempts.reduce(
      (sum, a) => sum + a.checks.reduce((s, c) => s + (c.durationMs ?? 0), 0),
      0,
    );
    const span = next - start;
    spans.push(span);
    agents.push(agent);
    gates.push(gate);
    overheads.push(span - agent - gate);
    before.push(agentStart.get(agentId) - start);
    after.push(taskDone.get(id) - agentEnded - gate);
    between.push(next - taskDone.get(id));
  });
  const done = state.tasks.filter((t) => t.status === 'done').length;
  const firstStart = order[0]?.[1] ?? ended;
  const runStart = time(events.find((e) => e.type === 'run'));

  print(
    `tasks ${count} (${done} done, ${state.tasks.reduce((n, t) => n + t.attempts.length, 0)} attempts), process wall ${(wallMs / 1000).toFixed(1)} s`,
  );
  print(`wall per task (process wall / tasks)          ${ms(wallMs / count)}`);
  print(
    `median task span (start → next start)          ${ms(median(spans))}   p90 ${ms(percentile(spans, 90))}`,
  );
  print(`median agent lifetime (sim, as the engine saw) ${ms(median(agents))}`);
  print(`median gate command time (\`true\`)              ${ms(median(gates))}`);
  print(
    `MEDIAN ENGINE OVERHEAD PER TASK                ${ms(median(overheads))}   p90 ${ms(percentile(overheads, 90))}   (budget ≤ 20 ms)`,
  );
  budget('engine overhead per task (median)', median(overheads), 20, 'ms');
  print(`  of which: task start → agent shown (worktree, prompt, pty spawn)      ${ms(median(before))}`);
  print(
    `            agent exited → task done, minus gate (commit, rebase, ff, cleanup) ${ms(median(after))}`,
  );
  print(
    `            task done → next task start (store, scheduling)                  ${ms(median(between))}`,
  );
  print(
    `process start-up + shut-down (wall − run span) ${ms(wallMs - (ended - runStart))}; run event → first task ${ms(firstStart - runStart)}`,
  );
  if (traceFile) printGitTrace(print, traceFile, count);
  await printFloor(print, Number(process.env.BENCH_ENGINE_FLOOR_ROUNDS ?? 50), median(overheads));
}

/** The floor of a git-as-processes design (the header), its steps' medians and their sum per task. */
async function printFloor(print, rounds, engineOverhead) {
  const pty = (await import('@lydell/node-pty')).default;
  const repo = scratchDir('nightshift-bench-floor-');
  const main = path.join(repo, 'main');
  const worktree = path.join(repo, 'wt');
  const git = (cwd, ...args) => {
    const started = performance.now();
    const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    return performance.now() - started;
  };
  mkdirSync(main, { recursive: true });
  git(main, 'init', '-q', '-b', 'main');
  git(main, 'config', 'user.email', 'bench@example.com');
  git(main, 'config', 'user.name', 'bench');
  writeFileSync(path.join(main, 'README.md'), 'floor\n');
  git(main, 'add', '-A');
  git(main, 'commit', '-q', '-m', 'start');
  git(main, 'worktree', 'add', '-q', '-B', 'ns-floor', worktree, 'main');
  const ptySpawn = () =>
    new Promise((resolve) => {
      const started = performance.now();
      const term = pty.spawn('/bin/true', [], { cols: 120, rows: 35, cwd: worktree, env: process.env });
      term.onExit(() => resolve(performance.now() - started));
    });

  const steps = { process: [], reset: [], pty: [], add: [], commit: [], ff: [], sum: [] };
  for (let round = 0; round < rounds; round += 1) {
    const bare = performance.now();
    spawnSync('/bin/true');
    steps.process.push(performance.now() - bare);
    const reset = git(worktree, 'reset', '-q', '--hard', 'main');
    const spawned = await ptySpawn();
    writeFileSync(path.join(worktree, `f${round}.txt`), `line ${round}\n`);
    const add = git(worktree, 'add', '-A');
    const commit = git(worktree, 'commit', '-q', '-m', `task ${round}`);
    const ff = git(main, 'merge', '-q', '--ff-only', 'ns-floor');
    steps.reset.push(reset);
    steps.pty.push(spawned);
    steps.add.push(add);
    steps.commit.push(commit);
    steps.ff.push(ff);
    steps.sum.push(spawned + add + commit + ff);
  }
  print(`floor of any git-as-processes engine, ${rounds} rounds in a scratch repo (one reused worktree):`);
  print(`  a bare process (spawnSync /bin/true)           ${ms(median(steps.process))}`);
  print(`  the agent's pty spawn (/bin/true to its exit)  ${ms(median(steps.pty))}`);
  print(`  add -A                                         ${ms(median(steps.add))}`);
  print(`  commit                                         ${ms(median(steps.commit))}`);
  print(`  merge --ff-only into the main checkout         ${ms(median(steps.ff))}`);
  print(
    `  (not in the floor: reset --hard of the worktree ${ms(median(steps.reset))}, when main has moved on)`,
  );
  print(
    `  FLOOR PER TASK (pty + add + commit + ff, median of the per-round sums)  ${ms(median(steps.sum))}   p90 ${ms(percentile(steps.sum, 90))}   (budget ≤ 20 ms; engine overhead above ${ms(engineOverhead)}, ${(engineOverhead / median(steps.sum)).toFixed(1)}× the floor)`,
  );
}

/** Git calls of the whole run per task, grouped by subcommand (options that name a path or sha dropped). */
function printGitTrace(print, file, count) {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const groups = new Map();
  for (const line of lines) {
    const [, duration, , , command] = line.split('\t');
    const key = command
      .split(' ')
      .map((word) => word.replace(/^[0-9a-f]{7,40}\b/, '<sha>').replace(/^.*\/.*$/, '<path>'))
      .join(' ');
    const group = groups.get(key) ?? { calls: 0, ms: [] };
    group.calls += 1;
    group.ms.push(Number(duration));
    groups.set(key, group);
  }
  const total = [...groups.values()].reduce((sum, g) => sum + g.ms.reduce((a, b) => a + b, 0), 0);
  print(
    `git calls: ${lines.length} in all, ${(lines.length / count).toFixed(1)} per task, ${ms(total / count)} of git time per task (sum of call durations)`,
  );
  for (const [key, group] of [...groups.entries()].sort((a, b) => b[1].calls - a[1].calls)) {
    print(
      `  ${(group.calls / count).toFixed(2).padStart(6)} × ${key.padEnd(70)} median ${ms(median(group.ms))}`,
    );
  }
}
