/**
 * An iterative task with a numeric metric, through the built CLI: the baseline is measured, an
 * improving change is kept, a regressing one is reverted, and only kept changes reach main.
 *
 * The sim knows its attempt but not its iteration, so each iteration runs `sim: run sh ITER.sh`: a
 * script OUTSIDE the repository (a counter inside the worktree would be reverted with the change it
 * belongs to) that bumps a counter and writes the next value from a list into value.txt.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli.js';
import { cleanupProjects, simProject, simTask } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

interface Experiment {
  readonly taskId: string;
  readonly iteration: number;
  readonly metric: number | null;
  readonly decision: 'baseline' | 'keep' | 'revert';
  readonly commit: string | null;
}

describe('engine: an iterative numeric task', () => {
  it('keeps an improvement, reverts a regression, and lands only the kept changes', async () => {
    const scripts = await tempDir('nightshift-iter-');
    // Without the sandbox: the counter lives outside the worktree, which bwrap makes read-only.
    const project = await simProject({ config: { sandbox: { mode: 'off' } } });
    await writeFile(
      path.join(project.dir, 'score.js'),
      "const fs = require('node:fs');\nconsole.log(JSON.stringify({ score: Number(fs.readFileSync('value.txt', 'utf8').trim()) }));\n",
    );
    await writeFile(path.join(project.dir, 'package.json'), '{ "type": "commonjs" }\n');
    await writeFile(path.join(project.dir, 'value.txt'), '10\n');
    await project.commitAll('metric: score.js reads value.txt');
    const iterate = path.join(scripts, 'iterate.sh');
    // Iteration 1 improves (20), 2 regresses (5), 3 improves (30).
    await writeFile(
      iterate,
      `n=$(cat '${scripts}/counter' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${scripts}/counter'\n` +
        'case $n in 1) v=20;; 2) v=5;; 3) v=30;; *) v=1;; esac\necho $v > value.txt\n',
    );
    await project.importTasks([
      simTask('tune', `sim: run sh '${iterate}'`, ['node score.js'], {
        completion: { kind: 'numeric', source: 'json_stdout', json_path: '$.score', direction: 'maximize' },
        execution: {
          strategy: 'iterative',
          max_iterations: 3,
          rollback_on_regression: true,
          keep_on_equal: false,
          stop_after_no_improvement: 3,
        },
      }),
    ]);
    const before = await project.subjects();

    const run = await project.cli(['run', '--no-ui']);

    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const experiments = readFileSync(path.join(project.dir, '.nightshift', 'experiments.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Experiment);
    expect(experiments.map((e) => [e.iteration, e.metric, e.decision])).toEqual([
      [0, 10, 'baseline'],
      [1, 20, 'keep'],
      [2, 5, 'revert'],
      [3, 30, 'keep'],
    ]);
    const task = project.task('tune');
    expect(task.status).toBe('done');
    expect(task.bestMetric).toBe(30);
    expect(task.attempts.at(-1)?.metric).toBe(30);
    // The kept work is on main: the file, and the history holds no trace of the reverted iteration.
    expect(readFileSync(path.join(project.dir, 'value.txt'), 'utf8').trim()).toBe('30');
    const added = (await project.subjects()).slice(before.length);
    expect(added.length).toBeGreaterThan(0);
    expect(added.join('\n')).not.toMatch(/iteration 2/);
    const kept = experiments.filter((e) => e.decision === 'keep').map((e) => e.commit ?? '');
    const reverted = experiments.find((e) => e.decision === 'revert')?.commit ?? '';
    const mainLog = await project.git('log', '--format=%H %s', 'main');
    expect(mainLog).not.toContain(reverted);
    expect(kept).toHaveLength(2);
    expect(await project.git('show', 'main:value.txt')).toBe('30');

    // Each iteration's prompt said where the experiment stood (kept with the attempt: task diff).
    const prompt = (await project.cli(['task', 'diff', 'tune', '--prompt'])).stdout;
    const iterations = prompt.split(/<!-- agent run \d+ -->/).filter((part) => part.trim());
    expect(iterations).toHaveLength(3);
    expect(iterations[0]).toContain('## Iteration 1 of at most 3');
    expect(iterations[0]).toContain(
      '- Metric: `score` from the verification output, higher is better (maximize).',
    );
    expect(iterations[0]).toContain('- Baseline (before any change): 10.');
    expect(iterations[0]).toContain('nothing has been tried yet');
    expect(iterations[1]).toContain('- Last iteration (1): metric 20; KEPT because the metric improved.');
    expect(iterations[2]).toContain('- Best so far: 20; the tree as it stands measures 20');
    expect(iterations[2]).toContain(
      '- Last iteration (2): metric 5; REVERTED (its commit was undone) because the metric regressed.',
    );
  }, 90_000);
});
