/**
 * `nightshift doctor`, run as the built CLI in temporary git repositories, with a PATH that holds
 * only git (and fake agent CLIs when a test adds them), so the result does not depend on the machine.
 */
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, tempGitRepo } from '../support/cli.js';

interface DoctorJson {
  readonly ok: boolean;
  readonly checks: { status: string; check: string; detail: string; fix?: string }[];
}

/** A folder with only `git` and `bwrap` in it, to use as PATH: no agent CLI can be found. */
let bareBin: string;

beforeAll(async () => {
  bareBin = await tempDir('nightshift-bin-');
  const git = (await execa('sh', ['-c', 'command -v git'])).stdout.trim();
  await symlink(git, path.join(bareBin, 'git'));
  await symlink('/usr/bin/bwrap', path.join(bareBin, 'bwrap'));
});

/** A project initialised with `backend`, in a fresh git repository. */
async function project(backend: string): Promise<string> {
  const repo = await tempGitRepo();
  const init = await runCli(['init', '--use', backend], { cwd: repo });
  expect(init.exitCode, init.stderr).toBe(0);
  return repo;
}

/** The line of `stdout` for `check`, e.g. `warn  claude  not found on PATH`. */
function line(stdout: string, check: string): string {
  return stdout.split('\n').find((text) => new RegExp(`^(ok|warn|fail)\\s+${check}\\s`).test(text)) ?? '';
}

describe('nightshift doctor', () => {
  it('passes in an initialised repository and names the agent CLIs it does not use, without a warning', async () => {
    const repo = await project('sim');
    const result = await runCli(['doctor'], { cwd: repo, env: { PATH: bareBin } });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);

    expect(line(result.stdout, 'node')).toMatch(/^ok\s+node\s+v\d+\./);
    expect(line(result.stdout, 'node-pty')).toMatch(/^ok\s+node-pty\s+.*"ok"/);
    expect(line(result.stdout, 'git')).toMatch(/^ok\s+git\s+git version \d/);
    expect(line(result.stdout, 'repository')).toMatch(new RegExp(`^ok\\s+repository\\s+${repo}`));
    expect(line(result.stdout, 'config')).toMatch(/^ok\s+config\s+.*nightshift\.toml \(backend sim\)/);
    expect(line(result.stdout, 'store')).toMatch(/^ok\s+store\s+.*state\.json \(project/);
    expect(line(result.stdout, 'sim')).toMatch(/^ok\s+sim\s+built in/);
    expect(line(result.stdout, 'sandbox')).toMatch(
      /^ok\s+sandbox\s+bubblewrap [\d.]+: agents and gates run under bwrap/,
    );
    // A sim project uses no agent CLI: none is worth a warning.
    expect(line(result.stdout, 'other CLIs')).toMatch(
      /^ok\s+other CLIs\s+claude, codex, gemini, opencode not installed \(this project does not use them\)/,
    );
    expect(result.stdout).not.toMatch(/^warn/m);
    expect(result.stdout).toContain('all checks passed');
  });

  it('outside a project, warns about each missing agent CLI with its npm package', async () => {
    const dir = await tempDir();
    const result = await runCli(['doctor'], { cwd: dir, env: { PATH: bareBin } });
    for (const [cli, pkg] of [
      ['claude', '@anthropic-ai/claude-code'],
      ['codex', '@openai/codex'],
      ['gemini', '@google/gemini-cli'],
      ['opencode', 'opencode-ai'],
    ] as const) {
      expect(line(result.stdout, cli)).toMatch(new RegExp(`^warn\\s+${cli}\\s+not found on PATH`));
      expect(result.stdout).toContain(`fix: npm install -g ${pkg}`);
    }
  });

  it('fails when [sandbox] mode = "bwrap" and bwrap cannot create namespaces; warns on auto', async () => {
    const repo = await project('sim');
    const broken = { PATH: bareBin, NIGHTSHIFT_BWRAP: '/bin/false' };
    const auto = await runCli(['doctor'], { cwd: repo, env: broken });
    expect(line(auto.stdout, 'sandbox')).toMatch(/^warn\s+sandbox\s+bwrap cannot create namespaces here/);
    const toml = path.join(repo, 'nightshift.toml');
    await writeFile(toml, (await readFile(toml, 'utf8')).replace(/^mode = "auto"/m, 'mode = "bwrap"'));
    const asked = await runCli(['doctor'], { cwd: repo, env: broken });
    expect(asked.exitCode).toBe(1);
    expect(line(asked.stdout, 'sandbox')).toMatch(/^fail\s+sandbox\s+bwrap cannot create namespaces here/);
  });

  it('fails when the configured backend is missing, and exits 1', async () => {
    const repo = await project('claude');
    const result = await runCli(['doctor'], { cwd: repo, env: { PATH: bareBin } });
    expect(result.exitCode).toBe(1);
    expect(line(result.stdout, 'claude')).toMatch(
      /^fail\s+claude\s+not found on PATH \(the configured backend\)/,
    );
    expect(result.stdout).toContain('fix: npm install -g @anthropic-ai/claude-code');
    expect(result.stdout).toContain('codex, gemini, opencode not installed (this project does not use them)');
  });

  it("checks a CLI that a task names for itself, though the project's default is another", async () => {
    const repo = await project('sim');
    const add = await runCli(
      [
        'task',
        'add',
        '--id',
        'x',
        '--title',
        'X',
        '--step',
        'write x.txt',
        '--verify',
        'test -f x.txt',
        '--backend',
        'codex',
      ],
      { cwd: repo },
    );
    expect(add.exitCode, add.stderr).toBe(0);
    const result = await runCli(['doctor'], { cwd: repo, env: { PATH: bareBin } });
    expect(result.exitCode).toBe(1);
    expect(line(result.stdout, 'codex')).toMatch(
      /^fail\s+codex\s+not found on PATH \(the configured backend\)/,
    );
  });

  it('shows the version of a CLI it finds', async () => {
    const repo = await project('claude');
    const bin = await tempDir('nightshift-bin-');
    await symlink(path.join(bareBin, 'git'), path.join(bin, 'git'));
    const fake = path.join(bin, 'claude');
    await writeFile(fake, '#!/bin/sh\necho "2.1.7 (Claude Code)"\n');
    await chmod(fake, 0o755);

    const result = await runCli(['doctor', '--json'], { cwd: repo, env: { PATH: bin } });
    expect(result.exitCode, result.stdout).toBe(0);
    const json = JSON.parse(result.stdout) as DoctorJson;
    expect(json.ok).toBe(true);
    expect(json.checks.find((check) => check.check === 'claude')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('2.1.7 (Claude Code)') as unknown,
    });
    expect(json.checks.find((check) => check.check === 'gemini')).toBeUndefined();
    expect(json.checks.find((check) => check.check === 'other CLIs')).toMatchObject({
      status: 'ok',
      detail: 'codex, gemini, opencode not installed (this project does not use them)',
    });
  });

  it('says a CLI that answers --version only after the probe timeout is slow to start, with the time, not "reinstall"', async () => {
    const repo = await project('gemini');
    const bin = await tempDir('nightshift-bin-');
    await symlink(path.join(bareBin, 'git'), path.join(bin, 'git'));
    const fake = path.join(bin, 'gemini');
    // Slower than the probe's timeout (shortened below), as gemini is on a loaded machine.
    await writeFile(fake, '#!/bin/sh\n/bin/sleep 1.5\necho 0.61.0\n');
    await chmod(fake, 0o755);

    const result = await runCli(['doctor'], {
      cwd: repo,
      env: { PATH: bin, NIGHTSHIFT_DOCTOR_TIMEOUT_MS: '500' },
    });
    const gemini = line(result.stdout, 'gemini');
    expect(gemini, result.stdout).toMatch(
      /^warn\s+gemini\s+gemini is slow to start: `gemini --version` took \d+\.\d s \(over \d+ s\): 0\.61\.0/,
    );
    expect(result.stdout).not.toMatch(/reinstall/);
    expect(result.exitCode, result.stdout).toBe(0);
  });

  it('reports a broken nightshift.toml and a damaged store as failures', async () => {
    const repo = await project('sim');
    await writeFile(path.join(repo, 'nightshift.toml'), '[run]\nparallel = "many"\n');
    await writeFile(path.join(repo, '.nightshift', 'state.json'), '{ not json');
    const result = await runCli(['doctor', '--json'], { cwd: repo, env: { PATH: bareBin } });
    expect(result.exitCode).toBe(1);
    const json = JSON.parse(result.stdout) as DoctorJson;
    expect(json.ok).toBe(false);
    expect(json.checks.find((check) => check.check === 'config')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/nightshift\.toml:2: run\.parallel/) as unknown,
    });
    expect(json.checks.find((check) => check.check === 'store')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('state.json is damaged') as unknown,
    });
  });

  it('warns outside a project and outside a git repository', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'empty'));
    const result = await runCli(['doctor', 'empty'], { cwd: dir, env: { PATH: bareBin } });
    expect(line(result.stdout, 'repository')).toMatch(/^warn\s+repository\s+.*not a git repository/);
    expect(result.stdout).toContain('fix: run `git init`');
    expect(line(result.stdout, 'config')).toMatch(/^warn\s+config\s+.*not found/);
    expect(line(result.stdout, 'store')).toMatch(/^warn\s+store/);
    expect(result.exitCode).toBe(0);
  });

  it('--help describes the command with an example', async () => {
    const result = await runCli(['doctor', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: nightshift doctor');
    expect(result.stdout).toContain('--json');
    expect(result.stdout).toContain('Examples:');
  });
});
