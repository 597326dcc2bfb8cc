/**
 * The morning after (issue 13), with the built CLI on a real repo and the sim backend: a run with a
 * blocked task, a landed task, a task waiting for input and a budget stop. The report (plain, md,
 * json) names each with the right figures; the queue is edited and trimmed through the running
 * engine; the failed attempt's diff and prompt are shown by `task diff`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupProjects, simProject, simTask, simWrite, waitFor } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

/** The parts of `report --json` these tests read. */
interface ReportJson {
  readonly run?: { readonly id: string; readonly outcome?: string };
  readonly tasks: readonly {
    readonly id: string;
    readonly outcome: string;
    readonly attempts: number;
    readonly costUsd: number;
    readonly tokensIn: number;
    readonly tokensOut: number;
    readonly commit?: string;
    readonly blockingCheck?: { readonly name: string; readonly lines: readonly string[] };
    readonly questions: readonly string[];
  }[];
  readonly totals: {
    readonly tasks: number;
    readonly landed: number;
    readonly blocked: number;
    readonly costUsd: number;
  };
  readonly needsYou: readonly { readonly taskId: string; readonly what: string; readonly command: string }[];
  readonly notStarted: readonly string[];
  readonly runLines: readonly string[];
}

const FAILING_CHECK = 'echo "FAIL: expected 3 got 2" >&2; exit 1';

describe('the morning after', () => {
  it('reports blocked, landed, waiting-for-input and the budget stop; edits the queue through the engine', async () => {
    const project = await simProject({ run: { parallel: 3, max_retries: 0, max_cost_usd: 0.5 } });
    await project.importTasks([
      simTask('bad', simWrite('bad.txt', 'a wrong answer'), [FAILING_CHECK], { priority: 4 }),
      simTask('good', `sim: cost 0.6\n${simWrite('hello.txt', 'hello')}`, ['test -f hello.txt'], {
        priority: 3,
      }),
      simTask('asker', 'sim: ask', ['test -f never.txt'], { priority: 2 }),
      simTask('later', simWrite('later.txt', 'later'), ['test -f later.txt'], { depends_on: ['good'] }),
      simTask('extra', simWrite('extra.txt', 'extra'), ['test -f extra.txt'], { depends_on: ['later'] }),
    ]);
    const engine = project.startCli(['run', '--no-ui']);
    const report = async (): Promise<ReportJson> =>
      JSON.parse((await project.cli(['report', '--json'])).stdout) as ReportJson;
    const during = await waitFor(
      async () => {
        const current = await report();
        const outcome = (id: string): string | undefined => current.tasks.find((t) => t.id === id)?.outcome;
        return outcome('bad') === 'blocked' &&
          outcome('good') === 'landed' &&
          outcome('asker') === 'waiting for input'
          ? current
          : undefined;
      },
      {
        timeoutMs: 240_000,
        intervalMs: 500,
        what: `bad blocked, good landed, asker waiting\n${engine.output()}`,
      },
    );
    const task = (id: string) => during.tasks.find((t) => t.id === id);
    expect(task('good')).toMatchObject({ attempts: 1, costUsd: 0.6 });
    expect(task('good')?.commit).toBe(await project.git('rev-parse', 'main'));
    expect((task('good')?.tokensIn ?? 0) + (task('good')?.tokensOut ?? 0)).toBeGreaterThan(0);
    expect(task('bad')?.blockingCheck?.name).toBe(FAILING_CHECK);
    expect(task('bad')?.blockingCheck?.lines.join('\n')).toContain('FAIL: expected 3 got 2');
    expect(task('asker')?.questions).toEqual(['Apply the simulated changes? [y/N]']);
    expect(during.runLines.join('\n')).toMatch(/cost limit reached \(\$0\.60 of \$0\.50\)/);
    expect(during.notStarted).toEqual(['later', 'extra']);
    expect(during.needsYou.map((item) => [item.taskId, item.command])).toEqual([
      ['bad', 'nightshift task diff bad   # then: nightshift task retry --ids bad'],
      ['asker', 'nightshift attach   # select asker, press a, answer'],
    ]);

    // The queue, changed through the running engine (it is the only writer while it runs).
    const refused = await project.cli(['task', 'rm', 'later']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/cannot remove task "later": "extra" depends on it/);
    const edit = await project.cli(['task', 'edit', 'later', '--priority', '7', '--model', 'sim-large']);
    expect(edit.exitCode, edit.stderr).toBe(0);
    expect(edit.stdout).toMatch(/^edited later: priority, model\nbackup: .+-edit\.json$/);
    const rm = await project.cli(['task', 'rm', 'extra']);
    expect(rm.exitCode, rm.stderr).toBe(0);
    expect(rm.stdout).toMatch(/^removed 1 task: extra$/m);
    await waitFor(() => engine.output().includes('removed 1 task: extra'), {
      what: 'the engine to log the removal',
    });
    expect(engine.output()).toContain('edited later: priority, model');
    expect(project.task('later')).toMatchObject({ priority: 7, model: 'sim-large' });
    expect(project.state()?.tasks.map((t) => t.id)).toEqual(['bad', 'good', 'asker', 'later']);
    const editRunning = await project.cli(['task', 'edit', 'asker', '--priority', '1']);
    expect(editRunning.exitCode).toBe(1);
    expect(editRunning.stderr).toMatch(/while it is running/);

    // The plain report: a table a person reads, no JSON.
    const plain = await project.cli(['report']);
    expect(plain.stdout).toMatch(/^TASK\s+OUTCOME\s+TRIES\s+TIME\s+TOKENS\s+COST\s+COMMIT\s+TITLE$/m);
    expect(plain.stdout).toMatch(/^good\s+landed\s+1\s+\S+\s+\d+\s+\$0\.60\s+[0-9a-f]{10}\s+Task good$/m);
    expect(plain.stdout).toMatch(/^bad\s+blocked\s+1\s/m);
    expect(plain.stdout).toMatch(/^asker\s+waiting for input\s+1\s/m);
    expect(plain.stdout).toContain('| FAIL: expected 3 got 2');
    expect(plain.stdout).toContain('unanswered: Apply the simulated changes? [y/N]');
    expect(plain.stdout).toMatch(/^Not started: later$/m);
    expect(plain.stdout).not.toMatch(/^\s*[{[]/m);

    await project.cli(['stop']);
    await engine.exited;
    const md = (await project.cli(['report', '--md'])).stdout;
    expect(md).toMatch(
      /^\| good \| landed \| 1 \| [^|]+ \| \d+ \| \$0\.60 \| `[0-9a-f]{10}` \| Task good \|$/m,
    );
    expect(md).toMatch(/^\| bad \| blocked \| 1 \|/m);
    expect(md).toContain('Failing check: `echo "FAIL: expected 3 got 2" >&2; exit 1`');
    expect(md).toMatch(/^- \*\*asker\*\* waiting for input: Apply the simulated changes\? \[y\/N\]/m);
    expect(md).toMatch(/## Totals\n\n3 tasks, 1 landed, 1 blocked, 3 attempts, .+, \$0\.60/);

    // task list shows what the attempts cost and sorts by it.
    const list = await project.cli(['task', 'list', '--sort', 'cost']);
    expect(list.stdout.split('\n')[1]).toMatch(/^good\s+done\s+3\s+-\s+1\s+[\d.]+k?\s+\$0\.60\s/);
  });
});
