/**
 * Runs the ENGINE with a REAL codex, gemini or opencode CLI against its loopback fake model server
 * (test/support/fake-models.ts): a temporary git repo with `nightshift init --use CLI`,
 * `[backend.CLI] command` pointing at the cached CLI, and a scratch HOME that holds the "user's own"
 * config for that CLI — the provider pointing at the fake, plus whatever rules / AGENTS.md /
 * GEMINI.md a test adds — exactly where a user keeps it. Nothing reaches the network.
 *
 *   const fake = await startFakeModel({ api: 'responses', script });
 *   const project = await agentProject('codex', fake.baseUrl);
 *   await project.cli(['task', 'add', '--title', 'A', '--verify', 'test -f a.txt']);
 *   await project.cli(['run', '--no-ui']);
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll } from 'vitest';
import type { State } from '../../source/store/schema.js';
import type { Task } from '../../source/tasks/model.js';
import { agentClis, type AgentCliName } from './agent-clis.js';
import { repoRoot, runCli, tempDir, tempGitRepo, type CliResult, type RunCliOptions } from './cli.js';
import { setTomlKeys, type TomlValue } from './engine-fixtures.js';
import type { FakeApi } from './fake-models.js';

/** The CLIs driven through fake-models, and the API each speaks. */
export type FakeModelCli = Exclude<AgentCliName, 'claude'>;
export const API_OF: Readonly<Record<FakeModelCli, FakeApi>> = {
  codex: 'responses',
  gemini: 'gemini',
  opencode: 'chat',
};

/** The model name the user's config selects (the fakes answer any). */
export const FAKE_MODEL = 'fake-model';

/** A nightshift project whose agent is a real CLI talking to a fake model server. */
export interface AgentProject {
  readonly cli: FakeModelCli;
  readonly dir: string;
  readonly stateHome: string;
  /** The scratch HOME holding the user's config for the CLI. */
  readonly home: string;
  /** The env the engine (and so the agent) runs with. */
  readonly env: Readonly<Record<string, string | undefined>>;
  run(args: readonly string[], options?: RunCliOptions): Promise<CliResult>;
  git(...args: string[]): Promise<string>;
  state(): State;
  task(id: string): Task;
  /** Every line of every `.jsonl` record under `.nightshift/logs/`, by file name. */
  records(): Promise<Record<string, string[]>>;
}

/** Options of {@link agentProject}. */
export interface AgentProjectOptions {
  /** Files written and committed before the run (relative paths). */
  readonly files?: Readonly<Record<string, string>>;
  /** Extra nightshift.toml keys per table. */
  readonly config?: Readonly<Record<string, Readonly<Record<string, TomlValue>>>>;
  /** Files of the user's HOME (relative to it), e.g. `.codex/AGENTS.md`; written before the run. */
  readonly homeFiles?: Readonly<Record<string, string>>;
  /** Extra env for the engine. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The user's config for `cli` pointing at the fake: a provider of their own, in their own file. */
function userConfig(cli: FakeModelCli, baseUrl: string): Record<string, string> {
  switch (cli) {
    case 'codex':
      return {
        '.codex/config.toml': [
          "# the user's own codex config: a provider of their own",
          `model = "${FAKE_MODEL}"`,
          'model_provider = "fake"',
          '',
          '[model_providers.fake]',
          'name = "Fake provider"',
          `base_url = "${baseUrl}"`,
          'wire_api = "responses"',
          'env_key = "FAKE_PROVIDER_KEY"',
          'request_max_retries = 0',
          'stream_max_retries = 0',
          '',
        ].join('\n'),
      };
    case 'gemini':
      return {
        '.gemini/settings.json': [
          "// the user's own gemini settings: JSON with comments, which gemini accepts",
          '{',
          '  /* API-key login */',
          '  "security": { "auth": { "selectedType": "gemini-api-key" } },',
          '  // its own retry budget for a failing API: 3 tries (gemini retries 10 times, ~3½ min, silently)',
          '  "general": { "disableAutoUpdate": true, "maxAttempts": 3 },',
          '}',
          '',
        ].join('\n'),
      };
    case 'opencode':
      return {
        '.config/opencode/opencode.json': JSON.stringify(
          {
            $schema: 'https://opencode.ai/config.json',
            autoupdate: false,
            share: 'disabled',
            provider: {
              fake: {
                npm: '@ai-sdk/openai-compatible',
                name: 'Fake provider',
                options: { baseURL: baseUrl, apiKey: 'fake-key' },
                models: { [FAKE_MODEL]: { name: FAKE_MODEL } },
              },
            },
            model: `fake/${FAKE_MODEL}`,
          },
          null,
          2,
        ),
      };
  }
}

/** The env for `cli` against the fake, with a scratch HOME; variables that would route elsewhere removed. */
function cliEnv(cli: FakeModelCli, baseUrl: string, home: string): Record<string, string | undefined> {
  const common = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    CODEX_HOME: undefined,
    OPENAI_API_KEY: undefined,
    OPENAI_BASE_URL: undefined,
    NIGHTSHIFT_CODEX_BASE_URL: undefined,
    GEMINI_CLI_HOME: undefined,
    GEMINI_MODEL: undefined,
    GOOGLE_API_KEY: undefined,
    GOOGLE_GENAI_USE_VERTEXAI: undefined,
    OPENCODE_CONFIG_CONTENT: undefined,
    OPENCODE_CONFIG: undefined,
    NIGHTSHIFT_POLICY: undefined,
  };
  switch (cli) {
    case 'codex':
      return { ...common, FAKE_PROVIDER_KEY: 'fake-key' };
    case 'gemini':
      return {
        ...common,
        GEMINI_API_KEY: 'fake-key',
        GOOGLE_GEMINI_BASE_URL: baseUrl,
        GEMINI_TELEMETRY_ENABLED: 'false',
      };
    case 'opencode':
      return {
        ...common,
        OPENCODE_DISABLE_AUTOUPDATE: 'true',
        OPENCODE_DISABLE_MODELS_FETCH: 'true',
        OPENCODE_DISABLE_SHARE: 'true',
      };
  }
}

/**
 * Scratch HOMEs live under .test-cache/homes; codex's is under /tmp, as in a CI clone: codex sets up
 * its sandbox helper only when nightshift gives it a temp dir outside its home (agents/codex.ts).
 */
const homesDir = path.join(repoRoot, '.test-cache', 'homes');
const homes: string[] = [];
afterAll(async () => {
  if (process.env['NIGHTSHIFT_KEEP_TMP'] === '1') return;
  await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
});

async function scratchHome(cli: FakeModelCli): Promise<string> {
  await mkdir(homesDir, { recursive: true });
  const home = await mkdtemp(path.join(cli === 'codex' ? await realpath(tmpdir()) : homesDir, `${cli}-`));
  homes.push(home);
  return home;
}

/** Why a test of `cli` is skipped, or undefined. */
export function cliSkip(cli: FakeModelCli): string | undefined {
  return agentClis[cli] === undefined ? `${cli} is not installed (NIGHTSHIFT_CLI_CACHE)` : undefined;
}

/** `git init`, `nightshift init --use CLI`, the cached CLI as `[backend.CLI] command`, all committed. */
export async function agentProject(
  cli: FakeModelCli,
  baseUrl: string,
  options: AgentProjectOptions = {},
): Promise<AgentProject> {
  const installed = agentClis[cli];
  if (installed === undefined) throw new Error(cliSkip(cli));
  const dir = await tempGitRepo(`nightshift-${cli}-`);
  const stateHome = await tempDir(`nightshift-${cli}-state-`);
  const home = await scratchHome(cli);
  for (const [file, content] of Object.entries({ ...userConfig(cli, baseUrl), ...options.homeFiles })) {
    await mkdir(path.dirname(path.join(home, file)), { recursive: true });
    await writeFile(path.join(home, file), content);
  }
  const env = { ...cliEnv(cli, baseUrl, home), XDG_STATE_HOME: stateHome, ...options.env };
  const git = async (...args: string[]): Promise<string> =>
    (await execa('git', args, { cwd: dir, stdin: 'ignore' })).stdout;
  const init = await runCli(['init', '--use', cli], { cwd: dir, env });
  if (init.exitCode !== 0)
    throw new Error(`nightshift init failed (${init.exitCode}):\n${init.stdout}\n${init.stderr}`);
  const toml = path.join(dir, 'nightshift.toml');
  let text = setTomlKeys(await readFile(toml, 'utf8'), 'backend', { default: cli });
  text = setTomlKeys(text, `backend.${cli}`, { command: installed.path });
  for (const [table, entries] of Object.entries(options.config ?? {}))
    text = setTomlKeys(text, table, entries);
  await writeFile(toml, text);
  for (const [file, content] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  await git('add', '-A');
  await git('commit', '-q', '-m', `nightshift init --use ${cli}`);
  const state = (): State =>
    JSON.parse(readFileSync(path.join(dir, '.nightshift', 'state.json'), 'utf8')) as State;
  return {
    cli,
    dir,
    stateHome,
    home,
    env,
    run: (args, runOptions = {}) =>
      runCli(args, { cwd: dir, ...runOptions, env: { ...env, ...runOptions.env } }),
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

/** `task add` arguments for a task whose prompt carries `scenario: NAME` for the fake's script. */
export function addTask(
  id: string,
  scenario: string,
  options: { verify?: readonly string[]; dependsOn?: readonly string[]; paths?: readonly string[] } = {},
): string[] {
  return [
    'task',
    'add',
    '--id',
    id,
    '--title',
    `Task ${id}`,
    '--description',
    `Do task ${id}. scenario: ${scenario}`,
    ...(options.verify ?? []).flatMap((command) => ['--verify', command]),
    ...(options.dependsOn ?? []).flatMap((dep) => ['--depends-on', dep]),
    ...(options.paths ?? []).flatMap((glob) => ['--path', glob]),
  ];
}
