/**
 * attempt/iterate.ts on a real repository with the real gate, commit and revert; the agent is a
 * fake that writes a scripted metric into the tree.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runGate } from '../../source/gate/gate.js';
import { appendExperiment, runIterations, type ExperimentEntry } from '../../source/attempt/iterate.js';
import { taskSchema, type Task, type TaskInput } from '../../source/tasks/model.js';

let repo: string;
let experiments: string;

async function git(...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd: repo })).stdout;
}

function iterativeTask(
  execution: Partial<Extract<TaskInput['execution'], { strategy: 'iterative' }>> = {},
  target?: number,
): Task {
  const now = new Date().toISOString();
  return taskSchema.parse({
    id: 'T7',
    title: 'speed up',
    createdAt: now,
    updatedAt: now,
    // The "benchmark": prints a log line, then the JSON report; fails when score.txt says "broken".
    verification: {
      commands: [`echo benchmarking; grep -qv broken score.txt && echo "{\\"score\\": $(cat score.txt)}"`],
    },
    completion: {
      kind: 'numeric',
      source: 'json_stdout',
      jsonPath: 'score',
      direction: 'maximize',
      ...(target === undefined ? {} : { target }),
    },
    execution: { strategy: 'iterative', maxIterations: 5, stopAfterNoImprovement: 2, ...execution },
  });
}

/** Runs the loop with an agent that writes `scores[n - 1]` (or nothing for null) into score.txt. */
async function iterate(task: Task, scores: Array<string | null>) {
  const base = await git('rev-parse', 'HEAD');
  return runIterations({
    task,
    cwd: repo,
    runIteration: async (n) => {
      const score = scores[n - 1];
      if (score !== null && score !== undefined) await writeFile(path.join(repo, 'score.txt'), `${score}\n`);
    },
    gate: () => runGate(task, { cwd: repo, baseRef: base }),
    appendExperiment: (entry) => appendExperiment(experiments, entry),
  });
}

async function readExperiments(): Promise<ExperimentEntry[]> {
  const text = await readFile(experiments, 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ExperimentEntry);
}

beforeEach(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'ns-iter-'));
  experiments = path.join(repo, '.nightshift', 'experiments.jsonl');
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.name', 'Test');
  await git('config', 'user.email', 'test@example.com');
  await writeFile(path.join(repo, 'score.txt'), '0.5\n');
  await writeFile(path.join(repo, '.gitignore'), '.nightshift/\n');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'initial');
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('runIterations', () => {
  it('keeps an improvement, reverts regressions, stops after two without improvement', async () => {
    const result = await iterate(iterativeTask(), ['0.7', '0.6', '0.65', '0.9']);
    expect(result).toMatchObject({ kept: 1, bestMetric: 0.7, baselineMetric: 0.5, stop: 'no-improvement' });
    expect(result.iterations.map((it) => [it.metric, it.decision, it.comparison])).toEqual([
      [0.7, 'keep', 'improved'],
      [0.6, 'revert', 'regressed'],
      [0.65, 'revert', 'regressed'],
    ]);
    expect(await readFile(path.join(repo, 'score.txt'), 'utf8')).toBe('0.7\n');
    expect(await git('log', '--format=%s')).toBe('nightshift: T7 iteration 1: speed up\ninitial');
    expect(await git('status', '--porcelain')).toBe('');

    const lines = await readExperiments();
    expect(lines.map((line) => [line.iteration, line.metric, line.decision, line.baseline])).toEqual([
      [0, 0.5, 'baseline', 0.5],
      [1, 0.7, 'keep', 0.5],
      [2, 0.6, 'revert', 0.5],
      [3, 0.65, 'revert', 0.5],
    ]);
    expect(lines[1]?.commit).toBe(result.iterations[0]?.commit);
    expect(lines.every((line) => line.taskId === 'T7' && !Number.isNaN(Date.parse(line.at)))).toBe(true);
  });

  it('stops when a kept metric reaches the target', async () => {
    const result = await iterate(iterativeTask({}, 0.8), ['0.6', '0.85', '0.99']);
    expect(result).toMatchObject({ kept: 2, bestMetric: 0.85, stop: 'target', targetReached: true });
    expect(result.iterations).toHaveLength(2);
    expect(await readFile(path.join(repo, 'score.txt'), 'utf8')).toBe('0.85\n');
  });

  it('reverts a tree whose gate fails and counts an iteration without changes', async () => {
    const result = await iterate(iterativeTask({ stopAfterNoImprovement: 3, maxIterations: 4 }), [
      'broken',
      null,
      '0.8',
      '0.8',
    ]);
    expect(result.iterations.map((it) => [it.comparison, it.decision])).toEqual([
      ['gate-failed', 'revert'],
      ['no-changes', 'revert'],
      ['improved', 'keep'],
      ['no-changes', 'revert'],
    ]);
    expect(result.iterations[1]?.commit).toBeNull();
    expect(result).toMatchObject({ kept: 1, bestMetric: 0.8, stop: 'max-iterations' });
    expect(await git('log', '--format=%s')).toBe('nightshift: T7 iteration 3: speed up\ninitial');
  });

  it('keeps an equal metric only with keepOnEqual', async () => {
    const equalKept = await iterate(iterativeTask({ keepOnEqual: true, maxIterations: 1 }), ['0.50']);
    expect(equalKept.iterations[0]).toMatchObject({ comparison: 'equal', decision: 'keep' });
    const equalReverted = await iterate(iterativeTask({ maxIterations: 1 }), ['0.5000']);
    expect(equalReverted.iterations[0]).toMatchObject({ comparison: 'equal', decision: 'revert' });
    expect(await readFile(path.join(repo, 'score.txt'), 'utf8')).toBe('0.50\n');
  });

  it('refuses a task that is not iterative', async () => {
    const task = { ...iterativeTask(), execution: { strategy: 'single_pass' as const } };
    await expect(iterate(task, [])).rejects.toThrow(/not iterative/);
  });
});
