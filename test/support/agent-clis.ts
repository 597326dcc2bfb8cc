/**
 * The real agent CLIs installed by `scripts/install-agent-clis.sh` into the test cache
 * (`.test-cache/clis`, or NIGHTSHIFT_CLI_CACHE). Tests that need one skip with `skipReason(name)`
 * when it is not installed, so a machine without the ~1 GB cache still runs the unit suite.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentEvent, AgentRequest, OutputParser } from '../../source/agents/backend.js';

/** The four real CLIs. */
export type AgentCliName = 'claude' | 'codex' | 'gemini' | 'opencode';

/** One installed CLI. */
export interface AgentCli {
  /** The executable in the cache's node_modules/.bin. */
  readonly path: string;
  /** The npm package's version, e.g. `2.1.197`. */
  readonly version: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the install script puts the CLIs. */
export const cliCacheDir = process.env['NIGHTSHIFT_CLI_CACHE'] ?? path.join(root, '.test-cache', 'clis');

const PACKAGES: Readonly<Record<AgentCliName, string>> = {
  claude: '@anthropic-ai/claude-code',
  codex: '@openai/codex',
  gemini: '@google/gemini-cli',
  opencode: 'opencode-ai',
};

function find(name: AgentCliName): AgentCli | undefined {
  const bin = path.join(cliCacheDir, 'node_modules', '.bin', name);
  try {
    accessSync(bin, constants.X_OK);
    const manifest = JSON.parse(
      readFileSync(path.join(cliCacheDir, 'node_modules', PACKAGES[name], 'package.json'), 'utf8'),
    ) as { version?: unknown };
    return typeof manifest.version === 'string' ? { path: bin, version: manifest.version } : undefined;
  } catch {
    return undefined;
  }
}

/** Each installed CLI, or undefined when it is not in the cache. */
export const agentClis: Readonly<Record<AgentCliName, AgentCli | undefined>> = {
  claude: find('claude'),
  codex: find('codex'),
  gemini: find('gemini'),
  opencode: find('opencode'),
};

/** Why a test of `name` is skipped, or undefined when the CLI is installed. */
export function skipReason(name: AgentCliName): string | undefined {
  return agentClis[name]
    ? undefined
    : `${name} is not installed in ${cliCacheDir}; run scripts/install-agent-clis.sh ${name}`;
}

/** `<cli> ...args` output (stdout and stderr), for --help checks; HOME points at a scratch dir. */
export function runCli(
  name: AgentCliName,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): string {
  const cli = agentClis[name];
  if (cli === undefined) throw new Error(skipReason(name));
  // Some CLIs (opencode) print --help on stderr, so both streams are returned.
  const result = spawnSync(cli.path, [...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return `${result.stdout}${result.stderr}`;
}

/** A request for backend tests, writing into a fresh attempt folder. */
export async function testRequest(overrides: Partial<AgentRequest> = {}): Promise<AgentRequest> {
  const attemptDir = await mkdtemp(path.join(tmpdir(), 'ns-backend-'));
  return {
    role: 'coding',
    prompt: 'Fix the failing test.',
    cwd: '/work/repo',
    attemptDir,
    settings: { model: '', plan_model: '', extra_args: [], command: '' },
    policy: { mode: 'blocklist', blocked: ['sudo', 'git push', 'curl * | sh'], allowed: [] },
    env: { NIGHTSHIFT_TASK_ID: 'T1', NIGHTSHIFT_ATTEMPT: '2', NIGHTSHIFT_RUN_ID: 'run-1' },
    nightshiftCommand: ['/usr/bin/node', '/opt/night shift/dist/cli/index.js'],
    ...overrides,
  };
}

/** The parsed lines of a fixture. */
export async function fixtureLines(relative: string): Promise<string[]> {
  const file = path.join(root, 'test', 'fixtures', 'cli', relative);
  return (await readFile(file, 'utf8')).split('\n');
}

/** Every event a fresh parser yields for a fixture, in order. */
export async function parseFixture(
  createParser: () => OutputParser,
  relative: string,
): Promise<AgentEvent[]> {
  const parser = createParser();
  return (await fixtureLines(relative)).flatMap((line) => [...parser.push(line)]);
}
