/**
 * The REAL claude CLI against the loopback fake Anthropic server, with nightshift's PreToolUse hook
 * (`node dist/cli/index.js hook pre-tool-use`) in its `--settings`: the proof that the hook denies a
 * command under full-auto and that the denial reaches the model.
 *
 * The CLI comes from the shared test cache (.test-cache/clis); when it is missing the test installs
 * it there, and skips with the reason only when that install fails (e.g. no network).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, tempDir, tempGitRepo } from '../support/cli.js';
import { ensureClaudeCli } from '../support/claude-env.js';
import { startFakeAnthropic, type FakeAnthropic, type Scenario } from '../support/fake-anthropic.js';
import {
  DENIED_SUMMARY_PREFIX,
  triesBlockedCommand,
  writesPassingCode,
} from '../support/fake-anthropic-scenarios.js';

const claude = await ensureClaudeCli();
const skipReason = claude.skip;
if (skipReason) console.warn(`skipping the real-claude e2e tests: ${skipReason}`);
const claudeBin = claude.cli?.path ?? 'claude';

/** One JSON event of claude's stream-json output. */
type StreamEvent = Readonly<Record<string, unknown>>;

interface ClaudeRun {
  readonly events: readonly StreamEvent[];
  readonly stderr: string;
  readonly exitCode: number | undefined;
  readonly ms: number;
}

/** The settings nightshift's claude backend writes: the PreToolUse hook and allow rules. */
function settingsJson(denialsFile: string): string {
  const hookCommand = `NIGHTSHIFT_DENIALS_FILE=${JSON.stringify(denialsFile)} ${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} hook pre-tool-use`;
  return JSON.stringify({
    hooks: {
      PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: hookCommand, timeout: 30 }] }],
    },
    permissions: { allow: ['Bash', 'Write', 'Edit', 'Read'] },
  });
}

async function runClaude(
  server: FakeAnthropic,
  cwd: string,
  prompt: string,
  denialsFile: string,
): Promise<ClaudeRun> {
  const home = await tempDir('nightshift-claude-home-');
  await mkdir(path.join(home, '.claude'), { recursive: true });
  const started = Date.now();
  const result = await execa(
    claudeBin,
    [
      '-p',
      prompt,
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'bypassPermissions',
      '--settings',
      settingsJson(denialsFile),
    ],
    {
      cwd,
      reject: false,
      timeout: 120_000,
      stdin: 'ignore',
      env: {
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: 'test',
        // Root may bypass permissions only inside a declared sandbox.
        IS_SANDBOX: '1',
        HOME: home,
        CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
        DISABLE_TELEMETRY: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_ERROR_REPORTING: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        NIGHTSHIFT_POLICY: undefined,
      },
      extendEnv: true,
    },
  );
  const events = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as StreamEvent);
  return { events, stderr: result.stderr, exitCode: result.exitCode, ms: Date.now() - started };
}

function describeRun(run: ClaudeRun, server: FakeAnthropic): string {
  return JSON.stringify({
    exitCode: run.exitCode,
    stderr: run.stderr.slice(-2000),
    unknownRoutes: server.unknownRoutes,
    events: run.events.map((e) => e['type']),
  });
}

async function gitRepoWithRemote(): Promise<{ repo: string; remote: string }> {
  const repo = await tempGitRepo();
  const remote = await tempDir('nightshift-remote-');
  await execa('git', ['init', '-q', '--bare', remote]);
  await execa('git', ['remote', 'add', 'origin', remote], { cwd: repo });
  return { repo, remote };
}

describe.skipIf(skipReason !== undefined)('the real claude CLI against the fake Anthropic API', () => {
  let server: FakeAnthropic | undefined;

  beforeAll(() => {
    if (!existsSync(cliPath)) throw new Error('run `npm run build` first: the hook runs the built CLI');
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(scenario: Scenario): Promise<FakeAnthropic> {
    server = await startFakeAnthropic({
      scenario,
      log: process.env['FAKE_ANTHROPIC_LOG'] ? (line) => console.log(line) : undefined,
    });
    return server;
  }

  it('writes the file, runs the tests and ends with a success result', async () => {
    const { repo } = await gitRepoWithRemote();
    await writeFile(
      path.join(repo, 'package.json'),
      JSON.stringify({
        name: 'demo',
        private: true,
        scripts: {
          test: "node -e \"process.exit(require('fs').readFileSync('hello.txt','utf8')==='hello world\\n'?0:1)\"",
        },
      }),
    );
    const fake = await start(writesPassingCode({ file: 'hello.txt', content: 'hello world\n' }));
    const run = await runClaude(
      fake,
      repo,
      'Create hello.txt containing "hello world", then run the tests.',
      path.join(repo, '..', 'denials-a.jsonl'),
    );
    console.log(
      `claude writes-passing-code: ${run.ms} ms; routes: ${[...new Set(fake.requests.map((r) => `${r.method} ${r.path}`))].join(', ')}`,
    );

    expect(
      existsSync(path.join(repo, 'hello.txt')),
      describeRun(run, fake) + JSON.stringify(fake.toolResults()),
    ).toBe(true);
    expect(await readFile(path.join(repo, 'hello.txt'), 'utf8')).toBe('hello world\n');
    const result = run.events.find((e) => e['type'] === 'result');
    expect(result, describeRun(run, fake)).toMatchObject({ subtype: 'success', is_error: false });
    const testRun = fake.toolResults().find((r) => !r.isError && /^> test$/m.test(r.text));
    expect(testRun, JSON.stringify(fake.toolResults())).toBeDefined();
    expect(fake.unknownRoutes).toEqual([]);
  });

  it('denies git push through the PreToolUse hook; the denial reaches the model and nothing is pushed', async () => {
    const { repo, remote } = await gitRepoWithRemote();
    await writeFile(path.join(repo, 'a.txt'), 'a\n');
    await execa('git', ['add', 'a.txt'], { cwd: repo });
    await execa('git', ['commit', '-q', '-m', 'first'], { cwd: repo });
    const denials = path.join(await tempDir(), 'denials.jsonl');
    const fake = await start(triesBlockedCommand('git push origin HEAD:main'));
    const run = await runClaude(fake, repo, 'Push the branch to origin.', denials);
    console.log(`claude tries-blocked-command: ${run.ms} ms`);

    const denial = fake.toolResults().find((r) => r.text.includes('git push is blocked by nightshift'));
    expect(denial, describeRun(run, fake) + JSON.stringify(fake.toolResults())).toBeDefined();
    const { stdout: refs } = await execa('git', ['for-each-ref'], { cwd: remote });
    expect(refs).toBe('');
    const result = run.events.find((e) => e['type'] === 'result');
    expect(String(result?.['result'])).toContain(DENIED_SUMMARY_PREFIX);
    const recorded = (await readFile(denials, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(recorded).toEqual([
      expect.objectContaining({ tool: 'Bash', denied: 'git push origin HEAD:main' }),
    ]);
  });
});
