// Engine overhead per task (DESIGN.md §9: ≤ 20 ms median): many tasks with the sim agent at zero
// delay and a trivial gate (`true`), one at a time. From the engine's own NDJSON event times:
//   span     = this task's start → the next task's start (the last: → the run's `ended`)
//   agent    = the agent shown on the board → the agent shown as exited (the sim's whole life:
//              node start-up, reading the prompt, one file write, exit; pty spawn is NOT in it)
//   gate     = the gate commands' own durations (the attempt's checks)
//   overhead = span − agent − gate: worktree add/remove, prompt rendering, pty spawn, the tee'd
//              record, commit, rebase + fast-forward onto main, store writes, scheduling.
import { median, ms, percentile, runJson, simProject, simTask } from './_lib.mjs';

export const name = 'engine';
export const title = 'Engine overhead per task (instant sim agent, trivial gate, parallel 1)';

export async function run({ print }) {
  const count = Number(process.env.BENCH_ENGINE_TASKS ?? 200);
  const tasks = Array.from({ length: count }, (_, i) => simTask(`t${String(i).padStart(4, '0')}`, `sim: write f${i}.txt <<<\nline ${i}\n>>>`, ['true']));
  const project = simProject({ tasks, run: { parallel: 1 } });
  const { wallMs, events } = await runJson(project);
  const state = project.state();

  const time = (event) => Date.parse(event.at);
  const taskStart = new Map();
  const agentOf = new Map();
  const agentStart = new Map();
  const agentEnd = new Map();
  const taskDone = new Map();
  let ended;
  for (const event of events) {
    if (event.type === 'task' && event.task.status === 'running' && !taskStart.has(event.task.id)) taskStart.set(event.task.id, time(event));
    if (event.type === 'agent' && event.agent.role === 'coding') {
      if (!agentStart.has(event.agent.id)) {
        agentStart.set(event.agent.id, time(event));
        agentOf.set(event.agent.taskId, event.agent.id);
      }
      if (event.agent.state === 'exited' && !agentEnd.has(event.agent.id)) agentEnd.set(event.agent.id, time(event));
    }
    if (event.type === 'task' && event.task.status === 'done' && !taskDone.has(event.task.id)) taskDone.set(event.task.id, time(event));
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
    const agent = agentEnd.get(agentId) - agentStart.get(agentId);
    const task = state.tasks.find((t) => t.id === id);
    const gate = task.attempts.reduce((sum, a) => sum + a.checks.reduce((s, c) => s + (c.durationMs ?? 0), 0), 0);
    const span = next - start;
    spans.push(span);
    agents.push(agent);
    gates.push(gate);
    overheads.push(span - agent - gate);
    before.push(agentStart.get(agentId) - start);
    after.push(taskDone.get(id) - agentEnd.get(agentId) - gate);
    between.push(next - taskDone.get(id));
  });
  const done = state.tasks.filter((t) => t.status === 'done').length;
  const firstStart = order[0]?.[1] ?? ended;
  const runStart = time(events.find((e) => e.type === 'run'));

  print(`tasks ${count} (${done} done, ${state.tasks.reduce((n, t) => n + t.attempts.length, 0)} attempts), process wall ${(wallMs / 1000).toFixed(1)} s`);
  print(`wall per task (process wall / tasks)          ${ms(wallMs / count)}`);
  print(`median task span (start → next start)          ${ms(median(spans))}   p90 ${ms(percentile(spans, 90))}`);
  print(`median agent lifetime (sim, as the engine saw) ${ms(median(agents))}`);
  print(`median gate command time (\`true\`)              ${ms(median(gates))}`);
  print(`MEDIAN ENGINE OVERHEAD PER TASK                ${ms(median(overheads))}   p90 ${ms(percentile(overheads, 90))}   (budget ≤ 20 ms)`);
  print(`  of which: task start → agent shown (worktree, prompt, pty spawn)      ${ms(median(before))}`);
  print(`            agent exited → task done, minus gate (commit, rebase, ff, cleanup) ${ms(median(after))}`);
  print(`            task done → next task start (store, scheduling)                  ${ms(median(between))}`);
  print(`process start-up + shut-down (wall − run span) ${ms(wallMs - (ended - runStart))}; run event → first task ${ms(firstStart - runStart)}`);
}
