/**
 * gate/gate.ts on real temporary repositories with real shell commands.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runGate } from '../../source/gate/gate.js';
import { taskSchema, type Task, type TaskInput } from '../../source/tasks/model.js';
import { waitFor } from '../support/wait.js';

let repo: string;
let base: string;

async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(repo, file)), { recursive: true });
  await writeFile(path.join(repo, file), text);
}

function task(fields: Partial<TaskInput>): Task {
  const now = new Date().toISOString();
  return taskSchema.parse({ id: 'T1', title: 'gate test', createdAt: now, updatedAt: now, ...fields });
}

/** Alive and not a zombie waiting for a reaper. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

beforeEach(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'ns-gate-'));
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  await write('README.md', 'hello\n');
  await write('.gitignore', 'build/\n');
  await execa('git', ['add', '-A'], { cwd: repo });
  await execa('git', ['-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'initial'], {
    cwd: repo,
  });
  base = (await execa('git', ['rev-parse', 'HEAD'], { cwd: repo })).stdout;
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('path patterns', () => {
  it('passes when every changed file matches, dotfiles included', async () => {
    await write('src/a.ts', 'x\n');
    await write('src/.config.json', '{}\n');
    await write('build/out.js', 'ignored\n');
    const result = await runGate(task({ verification: { pathPatterns: ['src/**'] } }), {
      cwd: repo,
      baseRef: base,
    });
    expect(result.passed).toBe(true);
    expect(result.checks).toHaveLength(1);
    expect(result.checks[0]?.detail).toContain('2 changed file(s)');
  });

  it('names the offending files and skips the commands', async () => {
    await write('src/a.ts', 'x\n');
    await write('docs/guide.md', 'x\n');
    await write('package.json', '{}\n');
    const result = await runGate(
      task({ verification: { pathPatterns: ['src/**', 'test/**'], commands: ['touch ran'] } }),
      { cwd: repo, baseRef: base },
    );
    expect(result.passed).toBe(false);
    expect(result.checks).toHaveLength(1);
    const detail = result.checks[0]?.detail ?? '';
    expect(detail).toContain('2 of 3 changed file(s) match none of `src/**`, `test/**`');
    expect(detail).toContain('docs/guide.md, package.json');
    await expect(readFile(path.join(repo, 'ran'))).rejects.toThrow();
  });
});

describe('commands', () => {
  it('runs in order and stops at the first failing command', async () => {
    const logFile = path.join(repo, 'build', 'gate.log');
    const result = await runGate(
      task({ verification: { commands: ['echo one', 'echo broken >&2; exit 3', 'echo never'] } }),
      { cwd: repo, baseRef: base, logFile },
    );
    expect(result.passed).toBe(false);
    expect(result.checks.map((check) => [check.name, check.passed])).toEqual([
      ['echo one', true],
      ['echo broken >&2; exit 3', false],
    ]);
    expect(result.checks[1]?.detail).toBe('exit 3; last output:\nbroken');
    expect(result.output).toContain('$ echo one\none\n');
    expect(result.output).not.toContain('never');
    const log = await readFile(logFile, 'utf8');
    expect(log).toContain('[gate] $ echo broken >&2; exit 3\nbroken\n[gate] FAIL: exit 3');
  });

  it('honours the verification cwd and env over the caller env', async () => {
    await write('pkg/marker.txt', 'x\n');
    const result = await runGate(
      task({
        verification: {
          commands: ['test -f marker.txt && test "$MODE" = task && test "$OUTER" = yes && echo "$PWD"'],
          cwd: 'pkg',
          env: { MODE: 'task' },
        },
      }),
      { cwd: repo, baseRef: base, env: { MODE: 'caller', OUTER: 'yes' } },
    );
    expect(result.checks[0]?.detail).toBe('exit 0');
    expect(result.passed).toBe(true);
    expect(result.output).toContain(path.join(repo, 'pkg'));
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = path.join(repo, 'child.pid');
    const result = await runGate(
      task({ verification: { commands: [`sleep 100 & echo $! > "${pidFile}"; wait`], timeoutSeconds: 1 } }),
      { cwd: repo, baseRef: base },
    );
    expect(result.passed).toBe(false);
    expect(result.checks[0]?.detail).toMatch(/^timed out after 1 s/);
    const child = Number((await readFile(pidFile, 'utf8')).trim());
    expect(child).toBeGreaterThan(0);
    await waitFor(() => !isAlive(child));
  });

  it('does not wait for background processes a finished command left behind', async () => {
    const pidFile = path.join(repo, 'left.pid');
    const result = await runGate(
      task({ verification: { commands: [`sleep 100 & echo $! > "${pidFile}"`] } }),
      {
        cwd: repo,
        baseRef: base,
      },
    );
    expect(result.passed).toBe(true);
    const child = Number((await readFile(pidFile, 'utf8')).trim());
    await waitFor(() => !isAlive(child));
  });

  it('stops the command when the signal aborts', async () => {
    const controller = new AbortController();
    const pidFile = path.join(repo, 'abort.pid');
    const gate = runGate(
      task({ verification: { commands: [`echo $$ > "${pidFile}"; sleep 100`, 'echo next'] } }),
      {
        cwd: repo,
        baseRef: base,
        signal: controller.signal,
      },
    );
    await waitFor(async () => (await readFile(pidFile, 'utf8').catch(() => '')).trim() !== '');
    controller.abort();
    const result = await gate;
    expect(result).toMatchObject({ passed: false, aborted: true });
    expect(result.checks).toHaveLength(1);
    expect(result.checks[0]?.detail).toBe('stopped');
  });

  it('masks output before it is kept', async () => {
    const result = await runGate(task({ verification: { commands: ['echo token=sk-secret'] } }), {
      cwd: repo,
      baseRef: base,
      mask: (text) => text.replaceAll('sk-secret', '****'),
    });
    expect(result.output).toContain('token=****');
    expect(result.output).not.toContain('sk-secret');
  });

  it('refuses a task with nothing to check and a missing cwd', async () => {
    await expect(runGate(task({}), { cwd: repo, baseRef: base })).rejects.toThrow(/nothing to check/);
    await expect(
      runGate(task({ verification: { commands: ['true'], cwd: 'nope' } }), { cwd: repo, baseRef: base }),
    ).rejects.toThrow(/working directory nope .* does not exist/);
  });
});

describe('numeric completion', () => {
  const numeric = (extra: object = {}): TaskInput['completion'] => ({
    kind: 'numeric',
    source: 'json_stdout',
    jsonPath: 'metrics.scores[1]',
    direction: 'maximize',
    ...extra,
  });

  it('reads the metric from the last command after log lines', async () => {
    const result = await runGate(
      task({
        completion: numeric(),
        verification: {
          commands: ['echo setup', `echo "running..."; echo '{"metrics":{"scores":[1,0.75]}}'`],
        },
      }),
      { cwd: repo, baseRef: base },
    );
    expect(result.passed).toBe(true);
    expect(result.metric).toBe(0.75);
    expect(result.checks.at(-1)).toMatchObject({ kind: 'completion', passed: true });
    expect(result.checks.at(-1)?.detail).toBe('metrics.scores[1] = 0.75 (maximize)');
  });

  it('fails naming the path and what was found', async () => {
    const result = await runGate(
      task({
        completion: numeric(),
        verification: { commands: [`echo '{"metrics":{"scores":[1,"n/a"]}}'`] },
      }),
      { cwd: repo, baseRef: base },
    );
    expect(result.passed).toBe(false);
    expect(result.metric).toBeUndefined();
    expect(result.checks.at(-1)?.detail).toBe('metrics.scores[1] is a string ("n/a"), not a finite number');
  });

  it('passes only when a target is reached', async () => {
    const gate = (value: number) =>
      runGate(
        task({
          completion: numeric({ jsonPath: 'score', target: 0.9 }),
          verification: { commands: [`echo '{"score": ${value}}'`] },
        }),
        { cwd: repo, baseRef: base },
      );
    const low = await gate(0.5);
    expect(low).toMatchObject({ passed: false, metric: 0.5, targetReached: false });
    expect(low.checks.at(-1)?.detail).toBe('score = 0.5 (maximize, target 0.9 not reached)');
    expect(await gate(0.95)).toMatchObject({ passed: true, metric: 0.95, targetReached: true });
  });
});
