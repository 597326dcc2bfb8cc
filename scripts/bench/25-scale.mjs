// The queue at scale (DESIGN.md §9: `nightshift status` ≤ 250 ms at 10,000 tasks): stores of 1,000
// and 10,000 tasks with history (largeStore), and for each
//   status / status --json / task list — wall time of the built CLI, a new node process each run
//   status, engine running — the same with an engine serving the queue (paused after it started, so
//                  it holds the whole queue in memory and answers status over its socket)
//   store write — one coalesced write (Store.flush) after changing one task: with updateTask (the
//                  changed task is checked and serialised again, the others' texts reused, and of a
//                  large queue only its task file written) and with update (may change anything:
//                  every task checked and written again); in this process
//   scheduling   — readyTasks over the whole queue (the engine's pick of what can start)
// BENCH_SCALE_SIZES=1000,10000 and BENCH_SCALE_RUNS=10 choose the sizes and runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { budget, check, largeStore, median, ms, percentile, repoRoot, timeCli } from './_lib.mjs';

export const name = 'scale';
export const title = 'Queues of 1,000 and 10,000 tasks: status, task list, store writes, scheduling';

const dist = (file) => pathToFileURL(path.join(repoRoot, 'dist', file)).href;

function times(runs, once) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    once(i);
    out.push(performance.now() - started);
  }
  return out;
}

async function asyncTimes(runs, once) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await once(i);
    out.push(performance.now() - started);
  }
  return out;
}

/** CPU seconds (user + system) of this process's waited-for children, from /proc/self/stat. */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime and cstime are fields 16 and 17 of stat(5); the slice starts at field 3. Clock ticks (100/s).
  return ((Number(fields[13]) + Number(fields[14])) / 100) * 1000;
}

/**
 * Wall times of a CLI command, with the CPU it used (the child's user + system time, 10 ms
 * resolution): on a loaded machine the wall time is mostly waiting for a core, the CPU is not.
 */
function cliTimes(project, args, runs) {
  const wall = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const cpu0 = childrenCpuMs();
    wall.push(timeCli(project, args));
    cpu.push(childrenCpuMs() - cpu0);
  }
  return { wall, cpu };
}

const cliRow = (label, { wall, cpu }, extra = '') =>
  `${row(label, wall)}   cpu ${ms(median(cpu)).padStart(9)}${extra}`;

const row = (label, values, extra = '') =>
  `${label.padEnd(40)} median ${ms(median(values)).padStart(10)}   p90 ${ms(percentile(values, 90)).padStart(10)}${extra}`;

/**
 * `nightshift status` with 8 kept worktrees (a checkout of ~200 files each, as a killed run leaves
 * them) and their `nightshift/*` branches; they are removed afterwards.
 */
function statusWithKept(project, runs) {
  const git = (...args) => execFileSync('git', args, { cwd: project.dir, stdio: 'ignore' });
  for (let i = 0; i < 200; i++)
    writeFileSync(path.join(project.dir, `file-${i}.txt`), `line ${i}\n`.repeat(50));
  git('add', '-A');
  git('commit', '-q', '-m', 'files for kept worktrees');
  // worktreesDir hashes the project path; kept worktrees live in that folder.
  const kept = keptFolder(project);
  mkdirSync(kept, { recursive: true });
  for (let i = 0; i < 8; i++)
    git('worktree', 'add', '-q', '-b', `nightshift/kept-${i}`, path.join(kept, `kept-${i}.1`));
  try {
    timeCli(project, ['status']);
    return cliTimes(project, ['status'], runs);
  } finally {
    for (let i = 0; i < 8; i++) git('worktree', 'remove', '--force', path.join(kept, `kept-${i}.1`));
    for (let i = 0; i < 8; i++) git('branch', '-D', `nightshift/kept-${i}`);
  }
}

/** The folder nightshift keeps this project's worktrees in (git/worktree.ts worktreesDir). */
function keptFolder(project) {
  const real = realpathSync(project.dir);
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 12);
  return path.join(project.env.XDG_STATE_HOME, 'nightshift', 'worktrees', `${path.basename(real)}-${hash}`);
}

/**
 * `nightshift status` wall times while an engine runs on the project (paused when it answers in
 * time, else working through the queue), then stopped (killed when it does not stop).
 */
async function statusWithEngine(project, runs) {
  check(project.cli(['run', '--detach', '--parallel', '1']), 'run --detach');
  const engine = JSON.parse(check(project.cli(['status', '--json']), 'status').stdout).engine;
  try {
    project.cli(['pause']);
    timeCli(project, ['status']);
    return cliTimes(project, ['status'], runs);
  } finally {
    project.cli(['stop']);
    const gone = () => {
      try {
        process.kill(engine.pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !gone()) spawnSync('sleep', ['0.2']);
    if (!gone()) process.kill(engine.pid, 'SIGKILL');
  }
}

export async function run({ print }) {
  const sizes = (process.env.BENCH_SCALE_SIZES ?? '1000,10000').split(',').map(Number);
  const runs = Number(process.env.BENCH_SCALE_RUNS ?? (process.env.BENCH_QUICK === '1' ? 3 : 10));
  const { Store } = await import(dist('store/store.js'));
  const { readyTasks } = await import(dist('tasks/graph.js'));
  const { StateText } = await import(dist('store/state-text.js'));
  const floor = { wall: [], cpu: [] };
  for (let i = 0; i < runs; i++) {
    const cpu0 = childrenCpuMs();
    const started = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    floor.wall.push(performance.now() - started);
    floor.cpu.push(childrenCpuMs() - cpu0);
  }
  print(cliRow('node -e 0 (the floor of any command)', floor));
  for (const count of sizes) {
    const project = largeStore(count);
    // Open and close the store once, as the first command after an upgrade would: state.json in
    // this version's format, and the status summary next to it.
    const first = await Store.open(project.dir);
    first.update(() => undefined);
    await first.close();
    // A queue over 500 tasks keeps them in task files beside state.json (store/task-files.ts).
    const state = path.join(project.dir, '.nightshift', 'state.json');
    const tasksDir = path.join(project.dir, '.nightshift', 'state-tasks');
    const files = existsSync(tasksDir) ? readdirSync(tasksDir) : [];
    const bytes = files.reduce(
      (sum, name) => sum + statSync(path.join(tasksDir, name)).size,
      statSync(state).size,
    );
    print(
      `${count} tasks (state.json and ${files.length} task files: ${(bytes / 1024 / 1024).toFixed(1)} MB)`,
    );
    timeCli(project, ['status']); // warm the file cache
    const status = cliTimes(project, ['status'], runs);
    const within = median(status.wall) <= 250;
    print(cliRow(`  nightshift status`, status, `   budget ≤ 250 ms  ${within ? 'within' : 'OVER'}`));
    budget(`status wall time, ${count} tasks`, median(status.wall), 250, 'ms');
    print(cliRow(`  nightshift status --json`, cliTimes(project, ['status', '--json'], runs)));
    print(cliRow(`  nightshift status, 8 kept worktrees`, statusWithKept(project, runs)));
    print(cliRow(`  nightshift status, engine running`, await statusWithEngine(project, runs)));
    const listRuns = count >= 10_000 ? Math.min(runs, 5) : runs;
    print(
      row(
        `  nightshift task list (piped)`,
        times(listRuns, () => timeCli(project, ['task', 'list'])),
      ),
    );

    const store = await Store.open(project.dir);
    const ids = store.state.tasks.map((t) => t.id);
    const one = await asyncTimes(runs, async (i) => {
      store.updateTask(ids[(i * 7919) % ids.length], (task) => {
        task.notes = `note ${i}`;
      });
      await store.flush();
    });
    const reused = store.lastTasksWritten;
    const all = await asyncTimes(runs, async (i) => {
      store.update((state) => {
        state.tasks[(i * 7919) % ids.length].notes = `again ${i}`;
      });
      await store.flush();
    });
    await store.close();
    print(row(`  store write, one task changed (updateTask)`, one, `   (${reused} task re-serialised)`));
    print(row(`  store write after update (all checked)`, all));
    const tasks = store.state.tasks;
    print(
      row(
        `  scheduling: readyTasks over the queue`,
        times(runs, () => readyTasks(tasks)),
      ),
    );
    const text = new StateText();
    text.render(store.state);
    print(
      row(
        `  state text, nothing changed (in memory)`,
        times(runs, () => text.render(store.state)),
      ),
    );
  }
}
