/**
 * Runs the ENGINE with the REAL claude CLI against the loopback fake Anthropic server
 * (test/support/fake-anthropic.ts): a temporary git repo with `nightshift init --use claude`,
 * `[backend.claude] command` pointing at the cached CLI, and the env claude needs to talk to the
 * fake and to nothing else.
 *
 *   const claude = await ensureClaudeCli();           // installs into .test-cache/clis when missing
 *   const project = await claudeProject(claude.path, server.url);
 *   await project.cli(['task', 'add', '--title', 'Greet', '--verify', 'node test-greet.js']);
 *   const run = await project.cli(['run', '--no-ui']);
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { State } from '../../source/store/schema.js';
import type { Task } from '../../source/tasks/model.js';
import { cliCacheDir, type AgentCli } from './agent-clis.js';
import { repoRoot, runCli, tempDir, tempGitRepo, type CliResult, type RunCliOptions } from './cli.js';
import { setTomlKeys, type TomlValue } from './engine-fixtures.js';

const claudeBin = path.join(cliCacheDir, 'node_modules', '.bin', 'claude');
const claudeManifest = path.join(cliCacheDir, 'node_modules', '@anthropic-ai', 'claude-code', 'package.json');

/** The cached claude CLI, or why there is none. */
export type ClaudeLookup =
  { readonly cli: AgentCli; readonly skip?: undefined } | { readonly cli?: undefined; readonly skip: string };

function cachedClaude(): AgentCli | undefined {
  if (!existsSync(claudeBin)) return undefined;
  try {
    const { version } = JSON.parse(readFileSync(claudeManifest, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? { path: claudeBin, version } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The claude CLI from the test cache; when it is missing, installs it with
 * `scripts/install-agent-clis.sh claude` (what CI runs) and says why when that fails (e.g. offline).
 * NIGHTSHIFT_CLI_INSTALL=0 skips the install: the tests that need claude are skipped at once.
 */
export async function ensureClaudeCli(): Promise<ClaudeLookup> {
  const cached = cachedClaude();
  if (cached) return { cli: cached };
  if (process.env['NIGHTSHIFT_CLI_INSTALL'] === '0')
    return {
      skip: `the claude CLI is not in ${cliCacheDir} and NIGHTSHIFT_CLI_INSTALL=0 (install it with scripts/install-agent-clis.sh claude)`,
    };
  const install = await execa('bash', [path.join(repoRoot, 'scripts', 'install-agent-clis.sh'), 'claude'], {
    reject: false,
    timeout: 300_000,
    stdin: 'ignore',
  });
  const installed = cachedClaude();
  if (installed && install.exitCode === 0) return { cli: installed };
  const output = `${String(install.stdout)}\n${String(install.stderr)}`
    .trim()
    .split('\n')
    .slice(-5)
    .join('\n');
  return {
    skip: `the claude CLI is not in ${cliCacheDir} and scripts/install-agent-clis.sh claude failed (exit ${String(install.exitCode)}): ${output}`,
  };
}

/**
 * The env for claude against the fake: the base URL and a dummy key; a scratch HOME and config dir
 * so no real login, settings or history is read or written; no telemetry, error reports, update
 * checks or other traffic. Variables that would route claude elsewhere are removed.
 */
export function claudeEnv(baseUrl: string, home: string): Record<string, string | undefined> {
  return {
    ANTHROPIC_BASE_URL: baseUrl,
    ANTHROPIC_API_KEY: 'test',
    ANTHROPIC_AUTH_TOKEN: undefined,
    ANTHROPIC_MODEL: undefined,
    CLAUDE_CODE_USE_BEDROCK: undefined,
    CLAUDE_CODE_USE_VERTEX: undefined,
    // As root, claude refuses some permission modes outside a declared sandbox (the backend uses
    // dontAsk, which does not need it; the fake-anthropic e2e test found it necessary for bypass).
    IS_SANDBOX: '1',
    HOME: home,
    CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // The engine must pass its own policy to the hook, not inherit one from the test runner.
    NIGHTSHIFT_POLICY: undefined,
  };
}

/** A nightshift project on a temporary git repo whose agent is the real claude CLI. */
export interface ClaudeProject {
  readonly dir: string;
  /** This project's XDG_STATE_HOME: the engine's worktrees live under it. */
  readonly stateHome: string;
  /** claude's scratch HOME. */
  readonly home: string;
  /** A bare repository added as `origin`, when asked for. */
  readonly remote: string | undefined;
  /** Runs the built CLI in the project with claude's env. */
  cli(args: readonly string[], options?: RunCliOptions): Promise<CliResult>;
  git(...args: string[]): Promise<string>;
  /** `.nightshift/state.json`, parsed. */
  state(): State;
  task(id: string): Task;
  /** Every line of every `.jsonl` record under `.nightshift/logs/`, by file name. */
  records(): Promise<Record<string, string[]>>;
}

/** Options of {@link claudeProject}. */
export interface ClaudeProjectOptions {
  /** Files written and committed before the run (relative paths). */
  readonly files?: Readonly<Record<string, string>>;
  /** Extra nightshift.toml keys per table. */
  readonly config?: Readonly<Record<string, Readonly<Record<string, TomlValue>>>>;
  /** Add a bare repository as `origin` and push main to it. */
  readonly remote?: boolean;
  /** Env on top of claude's (undefined removes a variable, e.g. ANTHROPIC_BASE_URL). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** `git init`, `nightshift init --use claude`, the cached CLI as `[backend.claude] command`, all committed. */
export async function claudeProject(
  claudePath: string,
  baseUrl: string,
  options: ClaudeProjectOptions = {},
): Promise<ClaudeProject> {
  const dir = await tempGitRepo('nightshift-claude-');
  const stateHome = await tempDir('nightshift-claude-state-');
  const home = await tempDir('nightshift-claude-home-');
  await mkdir(path.join(home, '.claude'), { recursive: true });
  const env = { ...claudeEnv(baseUrl, home), XDG_STATE_HOME: stateHome, ...options.env };
  const git = async (...args: string[]): Promise<string> =>
    (await execa('git', args, { cwd: dir, stdin: 'ignore' })).stdout;
  const init = await runCli(['init', '--use', 'claude'], { cwd: dir, env });
  if (init.exitCode !== 0)
    throw new Error(`nightshift init failed (${init.exitCode}):\n${init.stdout}\n${init.stderr}`);
  const toml = path.join(dir, 'nightshift.toml');
  let text = setTomlKeys(await readFile(toml, 'utf8'), 'backend', { default: 'claude' });
  text = setTomlKeys(text, 'backend.claude', { command: claudePath });
  for (const [table, entries] of Object.entries(options.config ?? {}))
    text = setTomlKeys(text, table, entries);
  await writeFile(toml, text);
  for (const [file, content] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  await git('add', '-A');
  await git('commit', '-q', '-m', 'nightshift init --use claude');
  let remote: string | undefined;
  if (options.remote) {
    remote = await tempDir('nightshift-claude-remote-');
    await execa('git', ['init', '-q', '--bare', remote]);
    await git('remote', 'add', 'origin', remote);
    await git('push', '-q', 'origin', 'main');
  }
  const state = (): State =>
    JSON.parse(readFileSync(path.join(dir, '.nightshift', 'state.json'), 'utf8')) as State;
  return {
    dir,
    stateHome,
    home,
    remote,
    cli: (args, cliOptions = {}) =>
      runCli(args, { cwd: dir, ...cliOptions, env: { ...env, ...cliOptions.env } }),
    git,
    state,
    task: (id) => {
      const task = state().tasks.find((t) => t.id === id);
      if (!task) throw new Error(`task ${id} is not in ${dir}/.nightshift/state.json`);
      return task;
    },
    records: async () => {
      const found: Record<string, string[]> = {};
      const logs = path.join(dir, '.nightshift', 'logs');
      const files = existsSync(logs) ? await readdir(logs, { recursive: true }) : [];
      for (const file of files.filter((name) => name.endsWith('.jsonl')).sort()) {
        found[file] = (await readFile(path.join(logs, file), 'utf8'))
          .split('\n')
          .filter((line) => line.trim() !== '');
      }
      return found;
    },
  };
}
