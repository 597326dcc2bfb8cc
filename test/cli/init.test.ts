/**
 * `nightshift init`, run as the built CLI on real temporary folders.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../source/config/load.js';
import { runCli, tempDir, tempGitRepo } from '../support/cli.js';

interface InitJson {
  readonly root: string;
  readonly project: string;
  readonly backend: string;
  readonly created: string[];
  readonly updated: string[];
  readonly skipped: string[];
  readonly gitRepository: boolean;
  readonly warnings: string[];
}

/** Every file under `dir` (relative, sorted) with its contents. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, full)] = await readFile(full, 'utf8');
  }
  return files;
}

function gitignoreLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() === '.nightshift/');
}

describe('nightshift init', () => {
  it('scaffolds an empty folder: config, store, AGENT.md, skills, claude wrapper, .gitignore', async () => {
    const dir = await tempDir();
    const result = await runCli(['init'], { cwd: dir });
    expect(result.exitCode).toBe(0);

    for (const file of [
      'nightshift.toml',
      '.nightshift/state.json',
      'AGENT.md',
      '.skills/nightshift-runtime/SKILL.md',
      '.skills/spec-writing/SKILL.md',
      '.skills/verification/SKILL.md',
      'CLAUDE.md',
      '.claude/settings.json',
    ]) {
      expect(existsSync(path.join(dir, file)), file).toBe(true);
    }
    expect(existsSync(path.join(dir, '.nightshift', 'logs'))).toBe(true);
    expect(existsSync(path.join(dir, 'AGENTS.md'))).toBe(false);

    const config = await loadConfig(dir);
    expect(config.project.name).toBe(path.basename(dir));
    expect(config.backend.default).toBe('claude');

    expect(gitignoreLines(await readFile(path.join(dir, '.gitignore'), 'utf8'))).toHaveLength(1);
    const state = JSON.parse(await readFile(path.join(dir, '.nightshift', 'state.json'), 'utf8')) as {
      project: string;
      tasks: unknown[];
    };
    expect(state).toMatchObject({ project: path.basename(dir), tasks: [] });
    const settings = JSON.parse(await readFile(path.join(dir, '.claude', 'settings.json'), 'utf8')) as {
      permissions: { deny: string[] };
    };
    expect(settings.permissions.deny).toContain('Bash(git push:*)');

    expect(result.stdout).toContain('created  nightshift.toml');
    expect(result.stdout).toContain('nightshift plan --intent');
    expect(result.stdout).toContain('nightshift task add');
    // The last line says to commit what init wrote, never .nightshift/.
    const last = result.stdout.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(
      /^Commit what init wrote .*git add .*nightshift\.toml.*AGENT\.md.*\.skills\/.*&& git commit/,
    );
    expect(last).toContain('.gitignore');
    expect(last).not.toContain('.nightshift/');
    // A temp folder is not a git repository: a warning, not a failure.
    expect(result.stderr).toMatch(/not a git repository.*git init/);
  });

  it('is idempotent: a re-run changes nothing and says what it kept', async () => {
    const dir = await tempDir();
    expect((await runCli(['init'], { cwd: dir })).exitCode).toBe(0);
    const before = await snapshot(dir);

    const again = await runCli(['init'], { cwd: dir });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('kept     your AGENT.md');
    expect(again.stdout).toContain('kept     your nightshift.toml');
    expect(again.stdout).toContain('Everything was already in place');
    expect(again.stdout).not.toContain('created');
    expect(await snapshot(dir)).toEqual(before);

    const json = JSON.parse((await runCli(['init', '--json'], { cwd: dir })).stdout) as InitJson;
    expect(json.created).toEqual([]);
    expect(json.updated).toEqual([]);
    expect(json.skipped).toEqual(
      expect.arrayContaining(['nightshift.toml', 'AGENT.md', '.gitignore', '.nightshift/state.json']),
    );
  });

  it("keeps the user's AGENT.md and appends to their .gitignore once", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'AGENT.md'), '# my own rules\n');
    await writeFile(path.join(dir, '.gitignore'), 'node_modules');

    const result = await runCli(['init', '--json'], { cwd: dir });
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout) as InitJson;
    expect(json.skipped).toContain('AGENT.md');
    expect(json.created).not.toContain('AGENT.md');
    expect(json.updated).toEqual(['.gitignore']);
    expect(await readFile(path.join(dir, 'AGENT.md'), 'utf8')).toBe('# my own rules\n');
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n.nightshift/\n');

    await runCli(['init'], { cwd: dir });
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n.nightshift/\n');
  });

  it('--use codex writes AGENTS.md and makes codex the default; --name sets the project', async () => {
    const dir = await tempDir();
    const result = await runCli(['init', dir, '--use', 'codex', '--name', 'my-app']);
    expect(result.exitCode).toBe(0);
    expect(await readFile(path.join(dir, 'AGENTS.md'), 'utf8')).toContain('AGENT.md');
    expect(existsSync(path.join(dir, 'CLAUDE.md'))).toBe(false);
    const config = await loadConfig(dir);
    expect(config.backend.default).toBe('codex');
    expect(config.project.name).toBe('my-app');

    // A re-run without --use follows nightshift.toml: still codex, no claude files appear.
    const again = JSON.parse((await runCli(['init', dir, '--json'])).stdout) as InitJson;
    expect(again.backend).toBe('codex');
    expect(existsSync(path.join(dir, 'CLAUDE.md'))).toBe(false);

    // Asking for another backend adds its wrapper, keeps the config, and says so.
    const gemini = JSON.parse((await runCli(['init', dir, '--use', 'gemini', '--json'])).stdout) as InitJson;
    expect(gemini.created).toEqual(['GEMINI.md']);
    expect(gemini.warnings.join('\n')).toMatch(/default is still "codex"/);
  });

  it('refuses a path that is a file, writing nothing', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'not-a-folder');
    await writeFile(file, 'hello');
    const result = await runCli(['init', file]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`${file} exists and is not a folder`);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await readdir(dir)).toEqual(['not-a-folder']);
    expect(await readFile(file, 'utf8')).toBe('hello');
  });

  it('creates a folder that does not exist, and does not warn inside a git repository', async () => {
    const repo = await tempGitRepo();
    const target = path.join(repo, 'apps', 'web');
    const result = await runCli(['init', 'apps/web', '--use', 'sim', '--json'], { cwd: repo });
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout) as InitJson;
    expect(json).toMatchObject({
      root: target,
      project: 'web',
      backend: 'sim',
      gitRepository: true,
      warnings: [],
    });
    expect(existsSync(path.join(target, 'nightshift.toml'))).toBe(true);
    // The simulated agent needs no wrapper files.
    expect(existsSync(path.join(target, 'CLAUDE.md'))).toBe(false);
    expect(result.stderr).toBe('');
  });

  it('rejects an unknown backend', async () => {
    const dir = await tempDir();
    const result = await runCli(['init', '--use', 'cursor'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('cursor');
    expect(await readdir(dir)).toEqual([]);
  });

  it('--help describes the command with an example', async () => {
    const result = await runCli(['init', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: nightshift init [options] [dir]');
    expect(result.stdout).toContain('--use <backend>');
    expect(result.stdout).toContain('--name <name>');
    expect(result.stdout).toContain('nightshift init --use claude');
  });
});

describe('nightshift init --commit', () => {
  it("commits what init wrote and only that: the user's staged edit stays staged, .nightshift/ stays out", async () => {
    const repo = await tempGitRepo();
    const git = async (...args: string[]) => (await execa('git', args, { cwd: repo })).stdout;
    await writeFile(path.join(repo, 'app.js'), 'console.log(1);\n');
    await git('add', 'app.js');
    const result = await runCli(['init', '--use', 'sim', '--commit', '--json'], { cwd: repo });
    expect(result.exitCode, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as InitJson & { commit: { commit: string; files: string[] } };
    expect(await git('rev-parse', 'HEAD')).toBe(json.commit.commit);
    const committed = (await git('show', '--name-only', '--format=', 'HEAD')).split('\n');
    expect(committed).toEqual(expect.arrayContaining(['nightshift.toml', 'AGENT.md', '.gitignore']));
    expect(committed.some((file) => file.startsWith('.skills/'))).toBe(true);
    expect(committed.some((file) => file.startsWith('.nightshift'))).toBe(false);
    expect(committed).not.toContain('app.js');
    // The user's own staged file is still staged, and nothing else is left over.
    expect(await git('status', '--porcelain')).toBe('A  app.js');
    // A worktree made from HEAD (as agents get) now has AGENT.md.
    const worktree = path.join(await tempDir(), 'wt');
    await git('worktree', 'add', '-q', '--detach', worktree, 'HEAD');
    expect(existsSync(path.join(worktree, 'AGENT.md'))).toBe(true);
  });

  it('refuses outside a git repository, writing nothing', async () => {
    const dir = await tempDir();
    const result = await runCli(['init', '--commit'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/init --commit: .* is not a git repository; nothing was written/);
    expect(result.stderr).toContain('git init');
    expect(await readdir(dir)).toEqual([]);
  });
});
