/**
 * The ENGINE with the REAL claude CLI against the loopback fake Anthropic server: `nightshift run
 * --no-ui` on a temporary git repo, each attempt in its own worktree through claude in a pty, the
 * gate, commit + fast-forward; reflection (also claude) after a failure; the PreToolUse hook
 * denying `git push`. The fake's scenarios script the model's turns (test/support/fake-anthropic-scenarios.ts).
 *
 * The CLI comes from the test cache (.test-cache/clis, installed by scripts/install-agent-clis.sh,
 * which .ci/run runs); the tests skip, saying why, only when it is missing and cannot be installed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertOutage } from '../support/agent-e2e.js';
import { repoRoot } from '../support/cli.js';
import { claudeProject, ensureClaudeCli, type ClaudeProject } from '../support/claude-env.js';
import { stopRunAfterEach } from '../support/test-run.js';
import {
  startFakeAnthropic,
  type FakeAnthropic,
  type MessagesRequest,
  type Scenario,
  type SentUsage,
} from '../support/fake-anthropic.js';
import {
  DENIED_SUMMARY_PREFIX,
  failsThenPasses,
  promptText,
  text,
  triesBlockedCommand,
  workingDirectory,
  writesPassingCode,
} from '../support/fake-anthropic-scenarios.js';
import { captureOutageFixtures, runThroughOutage } from '../support/outage-e2e.js';

const claude = await ensureClaudeCli();
if (claude.skip !== undefined) console.warn(`skipping the engine + real claude e2e tests: ${claude.skip}`);

/** What the reflect template says first (templates/prompts/reflect.md): how the fake tells it apart. */
const REFLECT_MARKER = 'You are reviewing a failed attempt';
const LESSON =
  'greet must return "Hello, NAME!" with a comma and an exclamation mark, as test-greet.js expects.';

/*
 * Deadlines, not durations: each bounds a wait and holds on a loaded 2-core machine (a claude run
 * takes seconds on an idle machine, several times that beside other test suites). The retry runs
 * claude three times (attempt, reflection, attempt 2) and the gate twice.
 */
const RUN_MS = 240_000;
const RETRY_RUN_MS = 420_000;
const TEST_MS = 480_000;

/** Usage for agent request N: distinct input, output, cache-write and cache-read counts. */
const usage = (n: number): SentUsage => ({
  input: 1000 + n,
  output: 20 + n,
  cacheCreation: 300 + n,
  cacheRead: 5000 + n,
});
/** What nightshift records of `sent`: cache reads and writes count as input. */
const recorded = (sent: readonly SentUsage[]): { tokensIn: number; tokensOut: number } => ({
  tokensIn: sent.reduce((sum, u) => sum + u.input + u.cacheCreation + u.cacheRead, 0),
  tokensOut: sent.reduce((sum, u) => sum + u.output, 0),
});

/** A coding scenario, plus the reflect agent's answer: the JSON object the reflect template asks for. */
function withReflection(coding: Scenario): Scenario {
  return (request) =>
    promptText(request).includes(REFLECT_MARKER)
      ? text(JSON.stringify({ lesson: LESSON, steps: null, notes: null, verification: null }))
      : coding(request);
}

const GREET = 'exports.greet = (name) => `Hello, ${name}!`;\n';
const WRONG_GREET = 'exports.greet = (name) => `Hi ${name}`;\n';
const TEST_GREET = [
  "const { greet } = require('./greet.js');",
  "const got = greet('Ada');",
  "if (got !== 'Hello, Ada!') {",
  '  console.error(`expected "Hello, Ada!", got ${JSON.stringify(got)}`);',
  '  process.exit(1);',
  '}',
  "console.log('greet ok');",
  '',
].join('\n');

/** `task add` for the greet task. */
// prettier-ignore
const ADD_GREET = [
  'task', 'add', '--id', 'greet', '--title', 'Greet people',
  '--description', 'Create greet.js exporting greet(name), which returns "Hello, NAME!".',
  '--step', 'write greet.js', '--step', 'run node test-greet.js',
  '--verify', 'node test-greet.js', '--path', 'greet.js',
];

describe.skipIf(claude.skip !== undefined)(
  'the engine with the real claude CLI against the fake Anthropic API',
  { timeout: TEST_MS },
  () => {
    // The run has ended: nothing of it (claude, the hook, the pty's shell) may still be working there.
    const started = stopRunAfterEach<FakeAnthropic, ClaudeProject>();
    /** Working directories claude reported to the fake, one per request with tools. */
    let cwds: string[] = [];

    async function setUp(
      scenario: Scenario,
      options: Parameters<typeof claudeProject>[2] = {},
    ): Promise<{ fake: FakeAnthropic; project: ClaudeProject }> {
      cwds = [];
      const recording: Scenario = (request: MessagesRequest) => {
        const cwd = workingDirectory(request);
        if (cwd !== undefined) cwds.push(cwd);
        return scenario(request);
      };
      const fake = (started.fake = await startFakeAnthropic({
        scenario: recording,
        usage,
        log: process.env['FAKE_ANTHROPIC_LOG'] ? (line) => console.log(line) : undefined,
      }));
      const project = (started.project = await claudeProject(claude.cli!.path, fake.url, options));
      return { fake, project };
    }

    function describeRun(
      run: { exitCode: number; stdout: string; stderr: string },
      fake: FakeAnthropic,
    ): string {
      return `exit ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- unknown routes: ${fake.unknownRoutes.join(', ')}`;
    }

    it('writes code that passes: one attempt in a worktree, the gate passes, one commit on main', async () => {
      const started = Date.now();
      const { fake, project: p } = await setUp(
        withReflection(
          writesPassingCode({ file: 'greet.js', content: GREET, testCommand: 'node test-greet.js' }),
        ),
        {
          files: { 'test-greet.js': TEST_GREET },
        },
      );
      const added = await p.cli(ADD_GREET);
      expect(added.exitCode, added.stderr).toBe(0);
      const before = (await p.git('rev-list', '--count', 'main')).trim();

      const run = await p.cli(['run', '--no-ui', '-v'], { timeoutMs: RUN_MS });
      console.log(`claude engine writes-passing-code: ${Date.now() - started} ms\n${run.stdout}`);

      expect(run.exitCode, describeRun(run, fake)).toBe(0);
      const task = p.task('greet');
      expect(task.status).toBe('done');
      expect(task.attempts).toHaveLength(1);
      const attempt = task.attempts[0]!;
      expect(attempt.outcome).toBe('passed');
      // claude's result carries total_cost_usd; the tokens are exactly what the fake sent.
      expect(attempt.costUsd).toBeGreaterThan(0);
      expect(fake.sent().length).toBeGreaterThan(1);
      expect({ tokensIn: attempt.tokensIn, tokensOut: attempt.tokensOut }).toEqual(recorded(fake.sent()));

      // claude worked in the attempt's worktree, outside the repository (under XDG_STATE_HOME).
      expect(cwds.length).toBeGreaterThan(0);
      for (const cwd of new Set(cwds)) {
        expect(cwd.startsWith(path.join(p.stateHome, 'nightshift', 'worktrees') + path.sep), cwd).toBe(true);
      }
      expect(existsSync(path.join(repoRoot, 'greet.js')), 'greet.js written into the test runner cwd').toBe(
        false,
      );
      // The agent's own test run passed inside the worktree.
      expect(
        fake.toolResults().some((r) => !r.isError && r.text.includes('greet ok')),
        JSON.stringify(fake.toolResults()),
      ).toBe(true);

      // Exactly one new commit on main, by nightshift, holding greet.js; the checkout is clean.
      expect(Number(await p.git('rev-list', '--count', 'main')) - Number(before)).toBe(1);
      expect(await p.git('log', '-1', '--format=%s', 'main')).toMatch(/^nightshift\(greet\): Greet people/);
      expect((await p.git('show', '--name-only', '--format=', 'main')).split('\n')).toEqual(['greet.js']);
      expect(readFileSync(path.join(p.dir, 'greet.js'), 'utf8')).toBe(GREET);
      expect(await p.git('status', '--porcelain')).toBe('');

      // The attempt's record holds claude's stream-json events, tee'd from its stdout.
      const records = await p.records();
      const name = Object.keys(records).find((file) => file.endsWith('greet.1.jsonl'));
      expect(name, Object.keys(records).join(', ')).toBeDefined();
      const events = records[name!]!.map((line) => JSON.parse(line) as Record<string, unknown>);
      const types = events.map((e) =>
        [e['type'], e['subtype']].filter((part): part is string => typeof part === 'string').join('/'),
      );
      expect(types[0]).toBe('system/init');
      expect(types).toContain('assistant');
      expect(types).toContain('user');
      expect(types.at(-1)).toBe('result/success');
      expect(events.at(-1)?.['total_cost_usd']).toBeGreaterThan(0);
      expect(Object.keys(records).some((file) => file.includes('reflect'))).toBe(false);

      // -v shows the agent's tool calls, summarised. (The tool's name shows twice today, `▸ Write:
      // Write: /…/greet.js`: the real backends' tool-call input starts with it and
      // history/event-summary.ts adds it again; tolerated here, reported.)
      expect(run.stdout).toMatch(/\[agent-1\] ▸ Write: (Write: )?\/\S*\/greet\.js\n/);
      expect(run.stdout).toMatch(/\[agent-1\] ▸ Bash: (Bash: )?node test-greet\.js\n/);
      expect(run.stdout).toContain('[agent-1]   ↳ greet ok');
    });

    it('fails, reflects (claude answers the reflect prompt), and passes on the retry', async () => {
      const started = Date.now();
      const { fake, project: p } = await setUp(
        withReflection(
          failsThenPasses({
            file: 'greet.js',
            content: GREET,
            wrongContent: WRONG_GREET,
            testCommand: 'node test-greet.js',
          }),
        ),
        { files: { 'test-greet.js': TEST_GREET } },
      );
      expect((await p.cli(ADD_GREET)).exitCode).toBe(0);

      const run = await p.cli(['run', '--no-ui'], { timeoutMs: RETRY_RUN_MS });
      console.log(`claude engine fails-then-passes: ${Date.now() - started} ms\n${run.stdout}`);

      expect(run.exitCode, describeRun(run, fake)).toBe(0);
      const task = p.task('greet');
      expect(task.status).toBe('done');
      expect(task.attempts.map((a) => a.outcome)).toEqual(['failed', 'passed']);
      // Tokens per attempt are what the fake sent to its sessions (the reflection counts toward
      // attempt 1, whose failure it reviews); the task's are their sum.
      const [first, second] = task.attempts.map((a) => ({ tokensIn: a.tokensIn, tokensOut: a.tokensOut }));
      const ofSecond = (u: { prompt: string }): boolean => u.prompt.includes('This is attempt 2 of');
      expect(second).toEqual(recorded(fake.sent().filter(ofSecond)));
      expect(first).toEqual(recorded(fake.sent().filter((u) => !ofSecond(u))));
      // The summary keeps the failing check's last output line, not just "exit 1; last output:".
      expect(task.attempts[0]!.summary).toBe(
        'gate failed: node test-greet.js — exit 1; last output: expected "Hello, Ada!", got "Hi Ada"',
      );
      expect(task.attempts[0]!.reflection).toBe(LESSON);
      expect(task.learning).toContain(LESSON);
      expect(run.stdout).toContain(`reflection: ${LESSON}`);

      // Three claude sessions: attempt 1, the reflection, attempt 2 — whose prompt carries the lesson.
      const firstPrompts = [...new Set(fake.agentRequests().map(promptText))];
      expect(firstPrompts.filter((prompt) => prompt.includes(REFLECT_MARKER))).toHaveLength(1);
      const reflectPrompt = firstPrompts.find((prompt) => prompt.includes(REFLECT_MARKER))!;
      expect(reflectPrompt).toContain('Attempt 1 of');
      expect(reflectPrompt).toContain('expected "Hello, Ada!", got "Hi Ada"');
      // The diff shows the new file the attempt wrote (git diff alone leaves untracked files out).
      expect(reflectPrompt).toContain('+++ b/greet.js');
      expect(reflectPrompt).toContain(`+${WRONG_GREET.trim()}`);
      const secondAttempt = firstPrompts.find((prompt) => prompt.includes('This is attempt 2 of'));
      expect(secondAttempt, firstPrompts.map((prompt) => prompt.slice(0, 200)).join('\n---\n')).toBeDefined();
      expect(secondAttempt).toContain(LESSON);
      expect(secondAttempt).toContain('attempt 1 (failed): gate failed: node test-greet.js');

      expect(readFileSync(path.join(p.dir, 'greet.js'), 'utf8')).toBe(GREET);
      expect(await p.git('log', '-1', '--format=%s', 'main')).toMatch(/^nightshift\(greet\): Greet people/);
      expect(await p.git('log', '-1', '--format=%b', 'main')).toContain('attempt 2');
      const records = Object.keys(await p.records());
      expect(
        records.some((file) => file.endsWith('greet.1.reflect.jsonl')),
        records.join(', '),
      ).toBe(true);
      expect(
        records.some((file) => file.endsWith('greet.2.jsonl')),
        records.join(', '),
      ).toBe(true);
    });

    it('tries git push: the PreToolUse hook denies it, the agent reads why, nothing reaches the remote', async () => {
      const started = Date.now();
      const { fake, project: p } = await setUp(withReflection(triesBlockedCommand('git push origin main')), {
        remote: true,
      });
      const remoteHead = (await p.git('ls-remote', 'origin', 'refs/heads/main')).trim();
      await p.git('commit', '-q', '--allow-empty', '-m', 'not pushed yet');
      const added = await p.cli([
        'task',
        'add',
        '--id',
        'publish',
        '--title',
        'Publish the branch',
        '--description',
        'Push main to origin.',
        '--step',
        'push',
        '--verify',
        'git --version',
      ]);
      expect(added.exitCode, added.stderr).toBe(0);

      const run = await p.cli(['run', '--no-ui', '-v'], { timeoutMs: RUN_MS });
      console.log(`claude engine tries-blocked-command: ${Date.now() - started} ms\n${run.stdout}`);

      expect(run.exitCode, describeRun(run, fake)).toBe(0);
      // The hook's reason reached the model as the tool's result, and the model quoted it.
      const denial = fake.toolResults().find((r) => r.text.includes('git push is blocked by nightshift'));
      expect(denial, JSON.stringify(fake.toolResults())).toBeDefined();
      const record = await p.records();
      const coding = Object.entries(record).find(([file]) => file.endsWith('publish.1.jsonl'))?.[1] ?? [];
      const result = coding
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((e) => e['type'] === 'result');
      expect(String(result?.['result'])).toContain(DENIED_SUMMARY_PREFIX);
      // Nothing was pushed.
      expect((await p.git('ls-remote', 'origin', 'refs/heads/main')).trim()).toBe(remoteHead);
      // The engine says so in its own output (a warn line), once, with the hook's reason — as soon as
      // the tool result arrives, not only from the final result's permission_denials.
      const denials = run.stdout.split('\n').filter((line) => line.includes('denied by policy'));
      expect(denials, run.stdout).toHaveLength(1);
      expect(denials[0]).toMatch(
        / ! publish: denied by policy: git push origin main — git push is blocked by nightshift: agents never push/,
      );
      // The hook recorded it in the attempt's denials file too.
      const logs = path.join(p.dir, '.nightshift', 'logs');
      const runDir = readdirSync(logs).find((name) =>
        existsSync(path.join(logs, name, 'publish.1.coding', 'denials.jsonl')),
      );
      expect(runDir, 'denials.jsonl of the attempt').toBeDefined();
      const recorded = readFileSync(path.join(logs, runDir!, 'publish.1.coding', 'denials.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(recorded).toEqual([
        expect.objectContaining({
          tool: 'Bash',
          denied: 'git push origin main',
          taskId: 'publish',
          attempt: '1',
        }),
      ]);
    });

    it('an outage (500, then 429, then 401) pauses the queue, which resumes by itself: the task lands, no retry spent', async () => {
      const { fake, project: p } = await setUp(
        withReflection(
          writesPassingCode({ file: 'api.txt', content: 'after the outage\n', testCommand: '' }),
        ),
      );
      const added = await p.cli([
        'task',
        'add',
        '--id',
        'api',
        '--title',
        'Write api.txt',
        '--description',
        'Write api.txt.',
        '--verify',
        'test -f api.txt',
      ]);
      expect(added.exitCode, added.stderr).toBe(0);
      const statuses = [500, 429, 401] as const;
      const outage = await runThroughOutage(
        { dir: p.dir, run: (args, options) => p.cli(args, options) },
        statuses.map((status) => () => fake.setFault(status)),
        () => fake.setFault(undefined),
        // No retries at all: only attempts that spend none can still land the task.
        ['run', '--no-ui', '--max-retries', '0'],
        RETRY_RUN_MS,
      );
      expect(outage.run.exitCode, describeRun(outage.run, fake)).toBe(0);
      const task = p.task('api');
      await captureOutageFixtures('claude', p.dir, task);
      expect(task.status, describeRun(outage.run, fake)).toBe('done');
      expect(readFileSync(path.join(p.dir, 'api.txt'), 'utf8')).toBe('after the outage\n');
      assertOutage(task, outage, statuses, describeRun(outage.run, fake));
      // No reflect agent ran: the fake never saw its prompt.
      expect(fake.agentRequests().some((r) => promptText(r).includes(REFLECT_MARKER))).toBe(false);
    });

    it("reads the user's own ~/.claude/CLAUDE.md: its text reaches the model", async () => {
      const { fake, project: p } = await setUp(
        withReflection(writesPassingCode({ file: 'mine.txt', content: 'mine\n', testCommand: '' })),
      );
      const marker = 'USER-MEMORY-7f3a';
      await writeFile(
        path.join(p.home, '.claude', 'CLAUDE.md'),
        `# My own rules\n${marker}: always be brief.\n`,
      );
      // prettier-ignore
      const added = await p.cli(['task', 'add', '--id', 'mine', '--title', 'Write mine.txt', '--description', 'Write mine.txt.', '--verify', 'test -f mine.txt']);
      expect(added.exitCode, added.stderr).toBe(0);
      const run = await p.cli(['run', '--no-ui'], { timeoutMs: RUN_MS });
      expect(run.exitCode, describeRun(run, fake)).toBe(0);
      expect(p.task('mine').status).toBe('done');
      expect(fake.agentRequests().some((r) => JSON.stringify(r).includes(marker))).toBe(true);
    });
  },
);
