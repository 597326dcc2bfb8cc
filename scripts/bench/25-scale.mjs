// The queue at scale (DESIGN.md §9: `nightshift status` ≤ 250 ms at 10,000 tasks): stores of 1,000
// and 10,000 tasks with history (largeStore), and for each
//   status / status --json / task list — wall time of the built CLI, a new node process each run
//   store write — one coalesced write (Store.flush) after changing one task: with updateTask (the
//                  changed task is checked and serialised again, the others' texts reused) and with
//                  update (may change anything: every task checked again); in this process
//   scheduling   — readyTasks over the whole queue (the engine's pick of what can start)
// BENCH_SCALE_SIZES=1000,10000 and BENCH_SCALE_RUNS=10 choose the sizes and runs.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { largeStore, median, ms, percentile, repoRoot, timeCli } from './_lib.mjs';

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

const row = (label, values, extra = '') =>
  `${label.padEnd(40)} median ${ms(median(values)).padStart(10)}   p90 ${ms(percentile(values, 90)).padStart(10)}${extra}`;

export async function run({ print }) {
  const sizes = (process.env.BENCH_SCALE_SIZES ?? '1000,10000').split(',').map(Number);
  const runs = Number(process.env.BENCH_SCALE_RUNS ?? (process.env.BENCH_QUICK === '1' ? 3 : 10));
  const { Store } = await import(dist('store/store.js'));
  const { readyTasks } = await import(dist('tasks/graph.js'));
  const { StateText } = await import(dist('store/state-text.js'));
  const floor = times(runs, () => spawnSync(process.execPath, ['-e', '0']));
  print(row('node -e 0 (the floor of any command)', floor));
  for (const count of sizes) {
    const project = largeStore(count);
    // Open and close the store once, as the first command after an upgrade would: state.json in
    // this version's format, and the status summary next to it.
    const first = await Store.open(project.dir);
    first.update(() => undefined);
    await first.close();
    const bytes = statSync(path.join(project.dir, '.nightshift', 'state.json')).size;
    print(`${count} tasks (state.json ${(bytes / 1024 / 1024).toFixed(1)} MB)`);
    timeCli(project, ['status']); // warm the file cache
    const status = times(runs, () => timeCli(project, ['status']));
    print(
      row(`  nightshift status`, status, `   budget ≤ 250 ms  ${median(status) <= 250 ? 'within' : 'OVER'}`),
    );
    print(
      row(
        `  nightshift status --json`,
        times(runs, () => timeCli(project, ['status', '--json'])),
      ),
    );
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
