/**
 * The REAL claude CLI as nightshift's planner, against the loopback fake Anthropic API: `nightshift
 * plan --backend claude` runs it through the pty runner with the plan prompt; the scripted model
 * writes the spec and a plan with the Write tool; the plan passes the audit and enters the queue.
 *
 * The CLI comes from the shared test cache (.test-cache/clis); when it is missing the test installs
 * it there (scripts/install-agent-clis.sh), and skips with the reason only when that fails.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli.js';
import { ensureClaudeCli } from '../support/claude-env.js';
import { cleanupProjects, simProject } from '../support/engine-fixtures.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { writesPlan } from '../support/fake-anthropic-plan.js';

const claude = await ensureClaudeCli();
const skipReason = claude.skip;
if (skipReason) console.warn(`skipping the real-claude planner test: ${skipReason}`);
const claudeBin = claude.cli?.path ?? 'claude';

const SPEC = [
  '# Greeting CLI',
  '',
  '## Goal',
  'A command that prints a greeting.',
  '',
  '## Acceptance criteria',
  '1. `node greet.js` prints "hello"',
  '',
].join('\n');

const PLAN = {
  project: 'greeter',
  epics: [{ id: 'cli', title: 'The greeting CLI' }],
  tasks: [
    {
      id: 'T001',
      title: 'Write greet.js that prints hello',
      description: 'A Node script that prints hello.',
      epic: 'cli',
      steps: ['Create greet.js printing "hello"'],
      verification: { path_patterns: ['greet.js'], validate_commands: ['test "$(node greet.js)" = hello'] },
    },
    {
      id: 'T002',
      title: 'Document the command in README.md',
      description: 'Usage section.',
      epic: 'cli',
      depends_on: ['T001'],
      steps: ['Add a Usage section to README.md naming `node greet.js`'],
      verification: {
        path_patterns: ['README.md'],
        validate_commands: ['grep -q "node greet.js" README.md'],
      },
    },
  ],
};

afterEach(cleanupProjects);

describe.skipIf(skipReason !== undefined)('the real claude CLI as planner', () => {
  let server: FakeAnthropic | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('writes a spec and a plan that passes the audit; the tasks enter the queue', async () => {
    const project = await simProject({
      config: { 'backend.claude': { command: claudeBin, plan_model: 'claude-plan-test' } },
    });
    server = await startFakeAnthropic({ scenario: writesPlan({ spec: SPEC, plan: PLAN }) });
    const home = await tempDir('nightshift-claude-home-');
    await mkdir(path.join(home, '.claude'), { recursive: true });

    const result = await project.cli(
      ['plan', '--backend', 'claude', '--intent', 'A greeting CLI with a README'],
      {
        timeoutMs: 150_000,
        env: {
          ANTHROPIC_BASE_URL: server.url,
          ANTHROPIC_API_KEY: 'test',
          IS_SANDBOX: '1',
          HOME: home,
          CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
          DISABLE_TELEMETRY: '1',
          DISABLE_ERROR_REPORTING: '1',
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        },
      },
    );

    const debug = `${result.stdout}\n${result.stderr}\nunknown routes: ${server.unknownRoutes.join(', ')}`;
    expect(result.exitCode, debug).toBe(0);
    expect(result.stdout).toContain('planning (round 1/3)…');
    expect(result.stdout).toMatch(/▸ Write/);
    expect(result.stdout).toContain('added 2 tasks: T001, T002 (claude, round 1 of 3)');
    const specPath = 'docs/specs/a-greeting-cli-with-a-readme.md';
    expect(readFileSync(path.join(project.dir, specPath), 'utf8')).toBe(SPEC);
    const state = project.state();
    expect(state?.tasks.map((t) => [t.id, t.dependsOn, t.verification.commands])).toEqual([
      ['T001', [], ['test "$(node greet.js)" = hello']],
      ['T002', ['T001'], ['grep -q "node greet.js" README.md']],
    ]);
    expect(state?.plan).toMatchObject({ sourceKind: 'intent', specPath });
    // The planner got nightshift's plan prompt, with the model set by [backend.claude] plan_model.
    const asked = server.requests
      .map((r) => r.body as { model?: string; messages?: unknown[] } | undefined)
      .filter((b) => b?.messages !== undefined);
    expect(asked.some((b) => b?.model === 'claude-plan-test')).toBe(true);
    expect(JSON.stringify(asked[0]?.messages)).toContain('You are the planner for nightshift');
    expect(server.unknownRoutes).toEqual([]);
  }, 180_000);
});
