// Wall time of read commands on a large store (DESIGN.md §9: `nightshift status` ≤ 250 ms):
// medians of repeated runs of the built CLI, each a new node process, on a 1,000-task store.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import pty from '@lydell/node-pty';
import { cliArgs, median, ms, percentile, seededRandom, simProject, simTask, timeCli } from './_lib.mjs';

export const name = 'cli';
export const title = 'CLI wall time on a 1,000-task store (median of 20 runs each)';

/** Wall time of the CLI in a real pty (120x35), as a person at a terminal runs it. */
async function timeInPty(project, args) {
  const env = { ...project.env };
  delete env.CI;
  const started = performance.now();
  const term = pty.spawn(process.execPath, cliArgs(...args), {
    cwd: project.dir,
    cols: 120,
    rows: 35,
    env,
  });
  term.onData(() => undefined);
  await new Promise((resolve) => term.onExit(resolve));
  return performance.now() - started;
}

export async function run({ print }) {
  const count = Number(process.env.BENCH_CLI_TASKS ?? 1000);
  const runs = Number(process.env.BENCH_CLI_RUNS ?? (process.env.BENCH_QUICK === '1' ? 5 : 20));
  const random = seededRandom(7);
  const tasks = Array.from({ length: count }, (_, i) => {
    const deps = i > 0 && random() < 0.5 ? [`t${String(Math.floor(random() * i)).padStart(4, '0')}`] : [];
    return simTask(
      `t${String(i).padStart(4, '0')}`,
      `Task number ${i}: write its file.\nsim: write f${i}.txt <<<\nline ${i}\n>>>`,
      [`test -f f${i}.txt`],
      { depends_on: deps },
    );
  });
  const project = simProject({ tasks });
  print(`store: ${project.state().tasks.length} tasks`);
  // Up to `runs` runs, but no more than ~60 s per command (a slow one still gets 3 runs).
  const measure = (label, args, on = project) => {
    timeCli(on, args); // warm the file cache
    const times = [];
    const started = performance.now();
    while (times.length < runs && (times.length < 3 || performance.now() - started < 60_000))
      times.push(timeCli(on, args));
    print(
      `${label.padEnd(34)} median ${ms(median(times))}   p90 ${ms(percentile(times, 90))}   (${times.length} runs)`,
    );
    return median(times);
  };
  const baseline = Array.from({ length: runs }, () => {
    const started = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    return performance.now() - started;
  });
  print(
    `${'node -e 0 (floor)'.padEnd(34)} median ${ms(median(baseline))}   p90 ${ms(percentile(baseline, 90))}`,
  );
  measure('nightshift --help', ['--help']);
  const status = measure('nightshift status', ['status']);
  measure('nightshift status --json', ['status', '--json']);
  measure('nightshift task list', ['task', 'list']);
  // On a terminal, up to INK_TABLE_MAX_ROWS tasks, `task list` draws the boxed Ink table; piped, the plain one.
  const small = simProject({ tasks: tasks.slice(0, 20).map((t) => ({ ...t, depends_on: [] })) });
  measure('nightshift task list (20, piped)', ['task', 'list'], small);
  const inTerminal = [];
  for (let i = 0; i < Math.min(runs, 10); i++) inTerminal.push(await timeInPty(small, ['task', 'list']));
  print(
    `${'nightshift task list (20, terminal)'.padEnd(34)} median ${ms(median(inTerminal))}   p90 ${ms(percentile(inTerminal, 90))}   (${inTerminal.length} runs, boxed Ink table)`,
  );
  print(`status budget ≤ 250 ms: ${status <= 250 ? 'within' : 'OVER'}`);
  await Promise.resolve();
}
