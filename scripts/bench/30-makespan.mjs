// Makespan against its lower bound (DESIGN.md §9: ≤ 1.10) on a random DAG of ~40 tasks with
// N = 4 agents. Each task's sim agent paces its one write with `sim: delay D` (the sim sleeps D
// before the step and D after it, so its nominal work is 2·D). Lower bound = max(critical path,
// total work / N). Two figures:
//   nominal  — work = 2·D per task: what a zero-overhead engine could reach (scheduling + overhead)
//   measured — work = each attempt's own start → end as recorded (agent, gate, commit, landing
//              included): how well the scheduler packs the tasks it actually had.
import { budget, median, seededRandom, simProject, simTask } from './_lib.mjs';
import { runJson } from './_lib.mjs';

export const name = 'makespan';
export const title = 'Makespan / lower bound on a random DAG (40 tasks, N = 4)';

function lowerBound(tasks, duration, agents) {
  const finish = new Map();
  for (const task of tasks) {
    const ready = Math.max(0, ...task.depends_on.map((dep) => finish.get(dep)));
    finish.set(task.id, ready + duration(task));
  }
  const criticalPath = Math.max(...finish.values());
  const work = tasks.reduce((sum, task) => sum + duration(task), 0);
  return { criticalPath, work, bound: Math.max(criticalPath, work / agents) };
}

export async function run({ print }) {
  const count = Number(process.env.BENCH_DAG_TASKS ?? 40);
  const agents = Number(process.env.BENCH_DAG_AGENTS ?? 4);
  const random = seededRandom(Number(process.env.BENCH_DAG_SEED ?? 42));
  const delays = new Map();
  const tasks = [];
  for (let i = 0; i < count; i++) {
    const id = `t${String(i).padStart(2, '0')}`;
    const deps = new Set();
    for (let k = 0; k < 2; k++)
      if (i > 0 && random() < 0.45) deps.add(`t${String(Math.floor(random() * i)).padStart(2, '0')}`);
    const delay = 200 + Math.round(random() * 1300);
    delays.set(id, delay);
    tasks.push(
      simTask(id, `sim: delay ${delay}\nsim: write ${id}.txt <<<\n${id}\n>>>`, [`test -f ${id}.txt`], {
        depends_on: [...deps],
      }),
    );
  }
  const project = simProject({ tasks, run: { parallel: agents } });
  const { events } = await runJson(project);
  const state = project.state();
  const starts = events
    .filter((e) => e.type === 'task' && e.task.status === 'running')
    .map((e) => Date.parse(e.at));
  const ended = Date.parse(events.find((e) => e.type === 'ended').at);
  const makespan = ended - Math.min(...starts);
  const attemptMs = new Map(
    state.tasks.map((t) => [
      t.id,
      t.attempts.reduce((sum, a) => sum + (Date.parse(a.endedAt) - Date.parse(a.startedAt)), 0),
    ]),
  );
  const nominal = lowerBound(tasks, (t) => 2 * delays.get(t.id), agents);
  const measured = lowerBound(tasks, (t) => attemptMs.get(t.id), agents);
  const edges = tasks.reduce((n, t) => n + t.depends_on.length, 0);
  const done = state.tasks.filter((t) => t.status === 'done').length;
  const perTaskExtra = [...attemptMs.entries()].map(([id, took]) => took - 2 * delays.get(id));

  print(
    `DAG: ${count} tasks, ${edges} edges, N = ${agents}; ${done} done; makespan ${(makespan / 1000).toFixed(2)} s`,
  );
  print(
    `nominal  (work = 2·delay):      critical path ${(nominal.criticalPath / 1000).toFixed(2)} s, work/N ${(nominal.work / agents / 1000).toFixed(2)} s → bound ${(nominal.bound / 1000).toFixed(2)} s; RATIO ${(makespan / nominal.bound).toFixed(3)}`,
  );
  print(
    `measured (work = attempt time): critical path ${(measured.criticalPath / 1000).toFixed(2)} s, work/N ${(measured.work / agents / 1000).toFixed(2)} s → bound ${(measured.bound / 1000).toFixed(2)} s; RATIO ${(makespan / measured.bound).toFixed(3)}`,
  );
  budget(
    'makespan / lower bound (measured work), N=4',
    makespan / measured.bound,
    1.1,
    '×',
    `nominal ${(makespan / nominal.bound).toFixed(2)}×`,
  );
  print(
    `median attempt time beyond the sim's delays: ${median(perTaskExtra).toFixed(0)} ms per task   (budget: ratio ≤ 1.10)`,
  );
}
