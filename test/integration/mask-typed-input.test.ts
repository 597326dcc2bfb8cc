/**
 * A key typed into an agent's terminal from the board (attach, `a`, passthrough: the `pty-input`
 * command) is never written in clear by nightshift (DESIGN.md §8): a sim agent asks its question,
 * the key is typed one keystroke at a time; the terminal echoes it into the agent's log and the
 * agent repeats it in its answer (its record, the attempt's summary, the events). No file under
 * `.nightshift/` holds it in clear, nor does `task show` or `run`'s output.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRunningEngine, runningEngineSocket } from '../../source/ipc/engine-connection.js';
import { SIM_QUESTION } from '../../source/agents/sim.js';
import { cleanupProjects, simProject, simTask, waitFor } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

const KEY = `sk-ant-api03-${'T9y'.repeat(14)}`;
const SECRET_PART = 'T9yT9yT9yT9y';

/** Files under `dir` that hold `part` in clear. */
function holding(dir: string, part: string): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(full);
      else if (stat?.isFile() && readFileSync(full, 'latin1').includes(part)) found.push(full);
    }
  };
  walk(dir);
  return found;
}

describe('a key typed into an agent terminal from the board', () => {
  it('is masked in every file nightshift writes', async () => {
    const project = await simProject({ run: { max_retries: 0 } });
    await project.importTasks([simTask('typed', 'sim: ask', ['true'])]);
    const engine = project.startCli(['run', '--no-ui']);
    const socket = await waitFor(() => runningEngineSocket(project.dir), {
      what: 'the engine socket',
      timeoutMs: 60_000,
    });
    const client = await connectRunningEngine(project.dir, socket);
    try {
      const agent = await waitFor(
        () => client.current()?.agents.find((a) => a.taskId === 'typed' && a.role === 'coding'),
        { what: 'the coding agent', timeoutMs: 60_000 },
      );
      let screen = '';
      client.onPty(agent.id, (data) => (screen += data));
      await waitFor(() => screen.includes(SIM_QUESTION), { what: 'the question', timeoutMs: 60_000 });
      // One keystroke at a time, as a person types it in passthrough.
      for (const key of `${KEY}\r`) await client.command('pty-input', { agentId: agent.id, data: key });
      await waitFor(() => screen.includes(SECRET_PART), { what: 'the echo', timeoutMs: 30_000 });
    } finally {
      client.close();
    }
    await engine.exited;
    const task = project.task('typed');
    expect(
      task.attempts.map((a) => a.outcome),
      engine.output(),
    ).toEqual(['failed']);
    // The agent repeated it; it was caught, masked, and kept so.
    expect(JSON.stringify(task.attempts[0])).toContain('sk-ant-…****');
    const show = await project.cli(['task', 'show', 'typed']);
    expect(show.stdout + engine.output()).not.toContain(SECRET_PART);
    expect(holding(path.join(project.dir, '.nightshift'), SECRET_PART)).toEqual([]);
  }, 180_000);
});
