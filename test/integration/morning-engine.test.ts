/**
 * The morning after, engine side (issue 13), with the built CLI on real repos and the sim backend:
 * the notify command gets each event once, the run's report and totals are written when it ends,
 * a failed attempt's diff, prompt and gate output stay for `task diff`, a limit that leaves work
 * pending exits 3, and a task's own backend and model are the ones its agent runs with.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli.js';
import { cleanupProjects, simProject, simTask, simWrite, waitFor } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

const FAILING_CHECK = 'echo "FAIL: expected 3 got 2" >&2; exit 1';

interface Delivered {
  readonly event: string;
  readonly project: string;
  readonly runId: string;
  readonly message: string;
  readonly taskId?: string;
  readonly reason?: string;
  readonly report?: string;
  readonly exitCode?: number;
}

function delivered(file: string): Delivered[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Delivered);
}

describe('the morning after: what the engine leaves', () => {
  it('notifies each event once, writes the report and the totals, and keeps the failed attempt for task diff', async () => {
    const inbox = path.join(await tempDir('nightshift-notify-'), 'events.jsonl');
    // The command fails after reading: every delivery is logged as failed, and the run goes on.
    const project = await simProject({
      run: { parallel: 3, max_retries: 0, max_cost_usd: 0.5 },
      config: { notify: { command: `cat >> '${inbox}'; echo webhook down >&2; exit 7` } },
    });
    await project.importTasks([
      simTask('bad', simWrite('bad.txt', 'a wrong answer'), [FAILING_CHECK], { priority: 4 }),
      simTask('good', `sim: cost 0.6\n${simWrite('hello.txt', 'hello')}`, ['test -f hello.txt'], {
        priority: 3,
      }),
      simTask('asker', 'sim: ask', ['test -f never.txt'], { priority: 2 }),
      simTask('later', simWrite('later.txt', 'later'), ['test -f later.txt'], { depends_on: ['good'] }),
    ]);
    const engine = project.startCli(['run', '--no-ui']);
    await waitFor(
      () => {
        const names = delivered(inbox).map((d) => d.event);
        return ['task-blocked', 'waiting-input', 'budget-hit'].every((name) => names.includes(name));
      },
      { timeoutMs: 90_000, intervalMs: 200, what: `three notifications\n${engine.output()}` },
    );
    await project.cli(['stop']);
    const exit = await engine.exited;
    expect(exit.code, engine.output()).toBe(0);

    const events = delivered(inbox);
    expect(events.map((d) => d.event).sort()).toEqual(
      ['budget-hit', 'run-ended', 'task-blocked', 'waiting-input'].sort(),
    );
    const runId = project.state()?.runs.at(-1)?.id ?? '';
    expect(events.every((d) => d.runId === runId)).toBe(true);
    const byName = (name: string): Delivered | undefined => events.find((d) => d.event === name);
    expect(byName('task-blocked')).toMatchObject({ taskId: 'bad' });
    expect(byName('task-blocked')?.reason).toContain('FAIL: expected 3 got 2');
    expect(byName('waiting-input')).toMatchObject({ taskId: 'asker' });
    expect(byName('budget-hit')?.message).toMatch(/cost limit reached \(\$0\.60 of \$0\.50\)/);
    const ended = byName('run-ended');
    expect(ended).toMatchObject({ exitCode: 0 });
    expect(engine.output()).toMatch(/notify command failed for task-blocked \(exit 7\): webhook down/);

    // The report file of the run, named in the run-ended event.
    const reportFile = path.join(project.dir, '.nightshift', 'reports', `${runId}.md`);
    expect(ended?.report).toBe(reportFile);
    const report = readFileSync(reportFile, 'utf8');
    expect(report).toMatch(
      /^\| good \| landed \| 1 \| [^|]+ \| \d+ \| \$0\.60 \| `[0-9a-f]{10}` \| Task good \|$/m,
    );
    expect(report).toMatch(/^\| bad \| blocked \| 1 \|/m);
    expect(report).toContain('Not started: `later`');
    expect(engine.output()).toContain(`report: ${reportFile}`);

    // progress.md: each attempt with its cost, the block, the run's totals.
    const progress = readFileSync(path.join(project.dir, '.nightshift', 'progress.md'), 'utf8');
    expect(progress).toMatch(
      /^- .+ · \*\*good\*\* Task good · attempt 1 · passed · commit [0-9a-f]{10} · \$0\.60/m,
    );
    expect(progress).toMatch(
      /^- .+ · \*\*bad\*\* BLOCKED after 1 attempt\(s\) — failed 1 attempt: gate failed/m,
    );
    expect(progress).toMatch(
      new RegExp(
        `^\\*\\*Run ${runId} stopped\\*\\* \\(.+, exit 0\\): 1/4 tasks done, 1 blocked, 2 pending; 3 attempts, .+, \\d+ tokens, \\$0\\.60$`,
        'm',
      ),
    );

    // What the failed agent wrote, with its prompt and the gate's output.
    const diff = await project.cli(['task', 'diff', 'bad']);
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/^bad attempt 1 — failed: gate failed/);
    expect(diff.stdout).toContain('+++ b/bad.txt');
    expect(diff.stdout).toContain('+a wrong answer');
    expect(diff.stdout).toMatch(/=== gate ===\n## FAIL command: echo "FAIL: expected 3 got 2"/);
    expect(diff.stdout).toContain('FAIL: expected 3 got 2');
    expect(diff.stdout).toMatch(/=== prompt ===[\s\S]*sim: write bad\.txt/);
    const patch = await project.cli(['task', 'diff', 'good', '--patch']);
    expect(patch.stdout).toMatch(/^diff --git a\/hello\.txt b\/hello\.txt/);
    expect(patch.stdout).not.toContain('bad.txt');
    const shown = await project.cli(['task', 'show', 'bad']);
    expect(shown.stdout).toMatch(/kept/i);
  }, 120_000);

  it('exits 3 when the cost limit or --max-tasks leaves tasks pending, 0 when all is done', async () => {
    const project = await simProject({ run: { max_cost_usd: 0.5 } });
    await project.importTasks([
      simTask('pricey', `sim: cost 0.6\n${simWrite('a.txt', 'a')}`, ['test -f a.txt']),
      simTask('next', simWrite('b.txt', 'b'), ['test -f b.txt'], { depends_on: ['pricey'] }),
      simTask('other', simWrite('c.txt', 'c'), ['test -f c.txt'], { depends_on: ['pricey'] }),
    ]);
    const budget = await project.cli(['run', '--no-ui']);
    expect(budget.exitCode, budget.stdout + budget.stderr).toBe(3);
    expect(budget.stdout).toMatch(/run budget: 1\/3 done/);
    expect(project.state()?.runs.at(-1)?.outcome).toBe('budget');

    const limited = await project.cli(['run', '--no-ui', '--max-tasks', '1', '--max-cost', '0']);
    expect(limited.exitCode, limited.stdout + limited.stderr).toBe(3);
    expect(project.state()?.runs.at(-1)?.outcome).toBe('limit');

    const rest = await project.cli(['run', '--no-ui', '--max-cost', '0']);
    expect(rest.exitCode, rest.stdout + rest.stderr).toBe(0);
    expect(project.state()?.tasks.map((t) => t.status)).toEqual(['done', 'done', 'done']);
    const help = await project.cli(['run', '--help']);
    expect(help.stdout).toMatch(/3 stopped at a limit/);
  }, 120_000);

  it('notifies an outage pause once, however often the outage comes back', async () => {
    const inbox = path.join(await tempDir('nightshift-notify-'), 'events.jsonl');
    const project = await simProject({ config: { notify: { command: `cat >> '${inbox}'` } } });
    await project.importTasks([
      simTask('api', `sim: outage-attempts 2\n${simWrite('api.txt', 'after')}`, ['test -f api.txt']),
    ]);
    const run = await project.cli(['run', '--no-ui'], { env: { NIGHTSHIFT_OUTAGE_BACKOFF_MS: '300' } });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout.match(/queue paused: outage/g)).toHaveLength(2);
    const events = delivered(inbox);
    expect(events.map((d) => d.event)).toEqual(['queue-paused', 'run-ended']);
    expect(events[0]?.message).toMatch(/queue paused — outage: the model API is failing/);
  }, 90_000);

  it("keeps each landed attempt's diff as its own change only, also when it was rebased onto the other", async () => {
    // Two agents at once from the same head: whichever lands second is rebased onto the first.
    const project = await simProject({ run: { parallel: 2 } });
    await project.importTasks([
      simTask('left', simWrite('left.txt', 'left side'), ['test -f left.txt']),
      simTask('right', simWrite('right.txt', 'right side'), ['test -f right.txt']),
    ]);
    const run = await project.cli(['run', '--no-ui']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);

    for (const [mine, theirs] of [
      ['left', 'right'],
      ['right', 'left'],
    ] as const) {
      const diff = await project.cli(['task', 'diff', mine]);
      expect(diff.exitCode, diff.stderr).toBe(0);
      expect(diff.stdout).toContain(`+++ b/${mine}.txt`);
      expect(diff.stdout).toContain(`+${mine} side`);
      expect(diff.stdout).not.toContain(`${theirs}.txt`);
    }
  }, 90_000);

  it("runs a task with its own backend and model, whatever the run's default", async () => {
    // The run's default backend is claude (its "CLI" is /bin/false): the task names sim and a model.
    const project = await simProject({
      config: { backend: { default: 'claude' }, 'backend.claude': { command: '/bin/false' } },
    });
    await project.importTasks([
      simTask('own', simWrite('own.txt', 'mine'), ['test -f own.txt'], {
        backend: 'sim',
        model: 'sim-large',
      }),
    ]);
    const run = await project.cli(['run', '--no-ui']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const task = project.task('own');
    expect(task.status).toBe('done');
    expect(task.attempts[0]?.backend).toBe('sim');
    const logs = await project.cli(['logs', 'own']);
    expect(logs.stdout).toContain('"model":"sim-large"');
  }, 90_000);
});
