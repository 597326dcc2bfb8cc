/**
 * `nightshift verify ID` with the built CLI on real git repositories: the gate's result as text and
 * JSON, and its exit codes (0 passed, 2 failed, 1 could not run).
 */
import { execa } from 'execa';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, tempGitRepo, type CliResult } from '../support/cli.js';

/** What `verify --json` prints. */
interface GateJson {
  readonly task: string;
  readonly passed: boolean;
  readonly metric: number | null;
  readonly checks: { kind: string; name: string; passed: boolean; detail: string; durationMs: number }[];
}

let dir = '';

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir });
}

async function add(id: string, ...flags: string[]): Promise<void> {
  const result = await cli('task', 'add', '--id', id, '--title', `Task ${id}`, '--step', 'do it', ...flags);
  expect(result.exitCode, result.stderr).toBe(0);
}

beforeAll(async () => {
  dir = await tempGitRepo();
  expect((await runCli(['init', '--use', 'sim'], { cwd: dir })).exitCode).toBe(0);
  await add('passes', '--verify', 'true', '--verify', 'test -f marker.txt');
  await add(
    'fails',
    '--verify',
    'true',
    '--verify',
    "sh -c 'echo broken build >&2; exit 3'",
    '--verify',
    'echo never reached',
  );
  await add('src-only', '--verify', 'true', '--path', 'src/**');
  // Commit the scaffold so only what a test writes counts as changed.
  await writeFile(path.join(dir, 'marker.txt'), 'here\n');
  await execa('git', ['add', '-A'], { cwd: dir });
  await execa('git', ['commit', '-q', '-m', 'scaffold'], { cwd: dir });
});

describe('nightshift verify', () => {
  it('passes: every check listed, "gate passed", exit 0', async () => {
    const result = await cli('verify', 'passes');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^pass {2}command {2}true {2}\(\d+\.\ds\)$/);
    expect(lines[1]).toMatch(/^pass {2}command {2}test -f marker\.txt {2}\(\d+\.\ds\)$/);
    expect(lines.at(-1)).toBe('gate passed for passes');
  });

  it('fails: names the failing command with its exit code and output, "gate failed", exit 2', async () => {
    const result = await cli('verify', 'fails');
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain("FAIL  command  sh -c 'echo broken build >&2; exit 3'");
    expect(result.stdout).toMatch(/^ {6}exit 3; last output:$/m);
    expect(result.stdout).toMatch(/^ {6}broken build$/m);
    // The gate stops at the first failing command.
    expect(result.stdout).not.toContain('echo never reached');
    expect(result.stdout.split('\n').at(-1)).toBe('gate failed for fails');
  });

  it('prints the gate result as JSON with --json, keeping the exit codes', async () => {
    const passed = await cli('verify', 'passes', '--json');
    expect(passed.exitCode).toBe(0);
    const pass = JSON.parse(passed.stdout) as GateJson;
    expect(pass).toMatchObject({ task: 'passes', passed: true, metric: null });
    expect(pass.checks.map((check) => [check.kind, check.name, check.passed])).toEqual([
      ['command', 'true', true],
      ['command', 'test -f marker.txt', true],
    ]);

    const failed = await cli('verify', 'fails', '--json');
    expect(failed.exitCode).toBe(2);
    const fail = JSON.parse(failed.stdout) as GateJson;
    expect(fail.passed).toBe(false);
    expect(fail.checks.at(-1)).toMatchObject({
      name: "sh -c 'echo broken build >&2; exit 3'",
      passed: false,
      detail: 'exit 3; last output:\nbroken build',
    });
  });

  it('runs the commands in the project root against the checkout as it is now', async () => {
    await writeFile(path.join(dir, 'marker.txt'), 'still here\n');
    expect((await cli('verify', 'passes')).exitCode).toBe(0);
    const sub = path.join(dir, 'sub');
    await mkdir(sub, { recursive: true });
    // From a subfolder the project (and the commands' folder) is still the root.
    expect((await runCli(['verify', 'passes'], { cwd: sub })).exitCode).toBe(0);
    await execa('git', ['checkout', '--', 'marker.txt'], { cwd: dir });
  });

  it('checks changed files against the task’s path patterns and names the file outside them', async () => {
    await mkdir(path.join(dir, 'src'), { recursive: true });
    await writeFile(path.join(dir, 'src', 'app.ts'), 'export {};\n');
    const inside = await cli('verify', 'src-only');
    expect(inside.exitCode).toBe(0);
    expect(inside.stdout).toMatch(/^pass {2}paths {2}changed paths/m);

    await writeFile(path.join(dir, 'stray.txt'), 'oops\n');
    const outside = await cli('verify', 'src-only');
    expect(outside.exitCode).toBe(2);
    expect(outside.stdout).toMatch(/^FAIL {2}paths {2}changed paths/m);
    expect(outside.stdout).toContain('1 of 2 changed file(s) match none of `src/**`: stray.txt');
    expect(outside.stdout.split('\n').at(-1)).toBe('gate failed for src-only');
    await execa('git', ['clean', '-fdq'], { cwd: dir });
  });

  it('exits 1 for an unknown task, with a did-you-mean, and runs nothing', async () => {
    const state = await readFile(path.join(dir, '.nightshift', 'state.json'));
    const result = await cli('verify', 'pases');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'nightshift: no task "pases" (did you mean "passes"?); run nightshift task list',
    );
    expect(await readFile(path.join(dir, '.nightshift', 'state.json'))).toEqual(state);
  });

  it('exits 1 (could not run) in a repository without a commit, and outside git', async () => {
    for (const make of [
      async (): Promise<string> => {
        const repo = await tempDir();
        await execa('git', ['init', '-q'], { cwd: repo });
        return repo;
      },
      () => tempDir(),
    ]) {
      const repo = await make();
      expect((await runCli(['init', '--use', 'sim'], { cwd: repo })).exitCode).toBe(0);
      const added = await runCli(
        ['task', 'add', '--id', 't', '--title', 'T', '--step', 's', '--verify', 'true'],
        { cwd: repo },
      );
      expect(added.exitCode).toBe(0);
      const result = await runCli(['verify', 't'], { cwd: repo });
      expect(result.exitCode, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^nightshift: .*git/);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('exits 1 with the place to fix when nightshift.toml is broken', async () => {
    const config = path.join(dir, 'nightshift.toml');
    const good = await readFile(config, 'utf8');
    try {
      await writeFile(config, '[verification]\ntimeout_seconds = "soon"\n');
      const result = await cli('verify', 'passes');
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`^nightshift: ${config}:2: verification\\.timeout_seconds: expected .*got "soon"$`, 'm'),
      );
    } finally {
      await writeFile(config, good);
    }
  });
});
