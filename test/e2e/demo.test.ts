/**
 * `nightshift demo` without a TTY, as CI or a pipe would run it: the scratch project is named, the
 * run ends with every task done, the program the simulated agent wrote passes its own tests, and
 * the task that writes broken code first took two attempts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';

describe('nightshift demo (no TTY)', () => {
  it('builds wordstat with the simulated agent, retrying the broken task once', async () => {
    const parent = await tempDir('nightshift-demo-test-');
    const dir = path.join(parent, 'scratch');
    // A deadline for a loaded 2-core CI machine (the demo takes ~40 s on a quiet one).
    const result = await runCli(['demo', '--dir', dir], { timeoutMs: 420_000 });
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);

    // Where the project is, at the start and again at the end; and that the agent is simulated.
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`nightshift demo: scratch project ${dir}`);
    expect(result.stdout).toContain('SIMULATED');
    expect(lines.filter((line) => line.includes(dir)).length).toBeGreaterThanOrEqual(2);
    expect(result.stdout).toMatch(/run done: 8\/8 done, 0 blocked/);
    expect(result.stdout).toMatch(/sentences attempt 1 failed: gate failed/);

    // The program is real: its files are committed and its tests pass on their own.
    for (const file of [
      'package.json',
      'src/tokenize.js',
      'src/report.js',
      'bin/wordstat.js',
      'sample.txt',
    ]) {
      expect(existsSync(path.join(dir, file)), file).toBe(true);
    }
    const tests = await execa('node', ['--test'], { cwd: dir, reject: false, stdin: 'ignore' });
    expect(tests.exitCode, `${tests.stdout}\n${tests.stderr}`).toBe(0);
    expect(tests.stdout).toMatch(/# pass 20/);
    const cli = await execa('node', ['bin/wordstat.js', 'sample.txt'], { cwd: dir, stdin: 'ignore' });
    expect(cli.stdout).toMatch(/^words {6}\d+ \(\d+ different\)$/m);
    const log = await execa('git', ['log', '--oneline'], { cwd: dir });
    expect(log.stdout.split('\n').length).toBeGreaterThanOrEqual(9);

    // Two attempts for the task that failed once; one for the others.
    const shown = await runCli(['task', 'list', '--json'], { cwd: dir });
    const tasks = JSON.parse(shown.stdout) as { id: string; status: string; attempts: unknown[] }[];
    expect(tasks).toHaveLength(8);
    for (const task of tasks) {
      expect(task.status, task.id).toBe('done');
      expect(task.attempts, task.id).toHaveLength(task.id === 'sentences' ? 2 : 1);
    }
  }, 480_000);
});
