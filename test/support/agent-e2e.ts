/**
 * The end-to-end suite every CLI driven through a fake model server runs (test/e2e/<cli>-engine.test.ts):
 * the ENGINE (`nightshift run --no-ui`) with the REAL CLI from the test cache, its user config in a
 * scratch HOME, and the loopback fake scripting the model's turns.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addTask,
  agentProject,
  API_OF,
  cliSkip,
  type AgentProject,
  type FakeModelCli,
} from './agent-project.js';
import { stopRunAfterEach } from './test-run.js';
import { captureOutageFixtures, runThroughOutage, type OutageRun } from './outage-e2e.js';
import type { Task } from '../../source/tasks/model.js';
import {
  attemptOf,
  byMarker,
  say,
  shell,
  startFakeModel,
  steps,
  write,
  type FakeModel,
  type ModelScript,
} from './fake-models.js';

/** What the reflect template says first (templates/prompts/reflect.md). */
export const REFLECT_MARKER = 'You are reviewing a failed attempt';
/** How long one `nightshift run` may take: opencode needs ~80 s per attempt on a loaded 2-core machine. */
const RUN_MS = 600_000;
export const LESSON = 'b.txt must say "B" on one line, as the check expects.';

/** A script that also answers the reflect prompt with the JSON lesson the template asks for. */
export function withReflection(script: ModelScript): ModelScript {
  return (conversation) =>
    conversation.userText.includes(REFLECT_MARKER)
      ? say(JSON.stringify({ lesson: LESSON, steps: null, notes: null, verification: null }))
      : script(conversation);
}

/** Registers the suite for `cli`. */
export function agentEngineSuite(cli: FakeModelCli): void {
  const skip = cliSkip(cli);
  if (skip !== undefined) console.warn(`skipping the engine + real ${cli} e2e tests: ${skip}`);

  describe.skipIf(skip !== undefined)(
    `the engine with the real ${cli} CLI against its fake model server`,
    () => {
      const started = stopRunAfterEach<FakeModel, AgentProject>();

      async function setUp(
        script: ModelScript,
        options: Parameters<typeof agentProject>[2] = {},
      ): Promise<{ fake: FakeModel; project: AgentProject }> {
        const fake = (started.fake = await startFakeModel({
          api: API_OF[cli],
          script: withReflection(script),
          log: process.env['FAKE_MODEL_LOG'] ? (line) => console.log(line) : undefined,
        }));
        const project = (started.project = await agentProject(cli, fake.baseUrl, options));
        return { fake, project };
      }

      const describeRun = (run: { exitCode: number; stdout: string; stderr: string }, f: FakeModel): string =>
        `exit ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- requests\n${f.requests
          .map((r) => `${r.method} ${r.path}${r.agent ? ' (agent)' : ''}`)
          .join('\n')}`;

      it(
        'runs two dependent tasks: both commit, in order; tokens are what the fake sent',
        { timeout: RUN_MS + 60_000 },
        async () => {
          const started = Date.now();
          const { fake: f, project: p } = await setUp(
            byMarker({
              first: steps([write('a.txt', 'A\n'), shell('cat a.txt'), say('Wrote a.txt.')]),
              // The second task reads what the first committed: it runs on top of it.
              second: steps([shell('cat a.txt'), write('b.txt', 'B\n'), say('Wrote b.txt after a.txt.')]),
            }),
          );
          expect((await p.run(addTask('first', 'first', { verify: ['test -f a.txt'] }))).exitCode).toBe(0);
          const added = await p.run(
            addTask('second', 'second', { verify: ['test -f a.txt', 'test -f b.txt'], dependsOn: ['first'] }),
          );
          expect(added.exitCode, added.stderr).toBe(0);
          const before = Number(await p.git('rev-list', '--count', 'main'));

          const run = await p.run(['run', '--no-ui', '-v'], { timeoutMs: RUN_MS });
          console.log(`${cli} engine two dependent tasks: ${Date.now() - started} ms`);
          expect(run.exitCode, describeRun(run, f)).toBe(0);

          const first = p.task('first');
          const second = p.task('second');
          expect(first.status, describeRun(run, f)).toBe('done');
          expect(second.status, describeRun(run, f)).toBe('done');
          expect(first.attempts.map((a) => a.outcome)).toEqual(['passed']);
          expect(second.attempts.map((a) => a.outcome)).toEqual(['passed']);
          // The second task's agent saw the first task's file: it ran on the first one's commit.
          expect(f.toolResults().some((text) => text.includes('A'))).toBe(true);
          // Two commits on main, the first task's first.
          expect(Number(await p.git('rev-list', '--count', 'main')) - before).toBe(2);
          const subjects = (await p.git('log', '-2', '--format=%s', 'main')).split('\n');
          expect(subjects[0]).toMatch(/^nightshift\(second\)/);
          expect(subjects[1]).toMatch(/^nightshift\(first\)/);
          expect(readFileSync(path.join(p.dir, 'a.txt'), 'utf8')).toBe('A\n');
          expect(readFileSync(path.join(p.dir, 'b.txt'), 'utf8')).toBe('B\n');
          expect(await p.git('status', '--porcelain')).toBe('');

          // Tokens recorded are exactly what the fake reported, summed over both attempts.
          const attempts = [...first.attempts, ...second.attempts];
          const sent = f.sent();
          expect(sent.tokensIn).toBeGreaterThan(0);
          expect(attempts.reduce((sum, a) => sum + a.tokensIn, 0)).toBe(sent.tokensIn);
          expect(attempts.reduce((sum, a) => sum + a.tokensOut, 0)).toBe(sent.tokensOut);
        },
      );

      it('fails the gate, reflects, and passes on the retry', { timeout: RUN_MS + 60_000 }, async () => {
        const { fake: f, project: p } = await setUp(
          byMarker({
            retry: (c) =>
              attemptOf(c) >= 2
                ? steps([write('b.txt', 'B\n'), say('Wrote B.')])(c)
                : steps([write('b.txt', 'wrong\n'), say('Wrote something.')])(c),
          }),
        );
        expect((await p.run(addTask('retry', 'retry', { verify: ['grep -qx B b.txt'] }))).exitCode).toBe(0);
        const run = await p.run(['run', '--no-ui'], { timeoutMs: RUN_MS });
        expect(run.exitCode, describeRun(run, f)).toBe(0);
        const task = p.task('retry');
        expect(task.status, describeRun(run, f)).toBe('done');
        expect(task.attempts.map((a) => a.outcome)).toEqual(['failed', 'passed']);
        expect(task.attempts[0]!.reflection).toBe(LESSON);
        // The retry's prompt carried the lesson.
        const retryPrompt = f.conversations.find((c) => /attempt 2 of/i.test(c.userText));
        // (opencode passes the prompt on with its quotes escaped, so match the quote-free part.)
        expect(retryPrompt?.userText).toContain('b.txt must say');
        expect(readFileSync(path.join(p.dir, 'b.txt'), 'utf8')).toBe('B\n');
      });

      it(
        `an outage (${OUTAGE_STATUSES[cli].join(', then ')}) pauses the queue, which resumes by itself: the task lands, no retry spent`,
        { timeout: RUN_MS + 60_000 },
        async () => {
          const { fake: f, project: p } = await setUp(
            byMarker({ api: steps([write('api.txt', 'after the outage\n'), say('Wrote api.txt.')]) }),
          );
          expect((await p.run(addTask('api', 'api', { verify: ['test -f api.txt'] }))).exitCode).toBe(0);
          const statuses = OUTAGE_STATUSES[cli];
          const outage = await runThroughOutage(
            p,
            statuses.map((status) => () => f.setFault({ kind: 'status', status })),
            () => f.setFault(undefined),
            // No retries at all: only attempts that spend none can still land the task.
            ['run', '--no-ui', '--max-retries', '0'],
            RUN_MS,
          );
          const { run } = outage;
          expect(run.exitCode, describeRun(run, f)).toBe(0);
          const task = p.task('api');
          await captureOutageFixtures(cli, p.dir, task);
          expect(task.status, describeRun(run, f)).toBe('done');
          expect(readFileSync(path.join(p.dir, 'api.txt'), 'utf8')).toBe('after the outage\n');
          assertOutage(task, outage, statuses, describeRun(run, f));
          // No reflect agent ran: the fake never saw its prompt.
          expect(f.conversations.some((c) => c.userText.includes(REFLECT_MARKER))).toBe(false);
        },
      );

      // opencode 1.18 prints nothing while it retries a refused connection itself (~1 min idle, 4½ under
      // load), then reports `Cannot connect to API` and exits 1: that is the outage.
      it(
        'the model API refusing connections (its port closed) pauses the queue, which resumes once it is back: no retry spent',
        { timeout: RUN_MS + 60_000 },
        async () => {
          const script = byMarker({ up: steps([write('up.txt', 'back up\n'), say('Wrote up.txt.')]) });
          const { fake: f, project: p } = await setUp(script);
          expect((await p.run(addTask('up', 'up', { verify: ['test -f up.txt'] }))).exitCode).toBe(0);
          const port = Number(new URL(f.url).port);
          const outage = await runThroughOutage(
            p,
            [() => void f.close()],
            reopen(
              () => startFakeModel({ api: API_OF[cli], script: withReflection(script), port }),
              (up) => (started.fake = up),
            ),
            ['run', '--no-ui', '--max-retries', '0'],
            RUN_MS,
          );
          const { run } = outage;
          expect(run.exitCode, describeRun(run, f)).toBe(0);
          const task = p.task('up');
          expect(task.status, describeRun(run, f)).toBe('done');
          expect(readFileSync(path.join(p.dir, 'up.txt'), 'utf8')).toBe('back up\n');
          assertOutage(task, outage, ['refused'], describeRun(run, f));
        },
      );

      it(
        "honours the user's own config: their memory file reaches the model; codex: their rules forbid a command",
        { timeout: RUN_MS + 60_000 },
        async () => {
          const { fake: f, project: p } = await setUp(
            byMarker({
              mine: steps([
                ...(cli === 'codex' ? [shell('touch forbidden.txt')] : []),
                write('mine.txt', 'mine\n'),
                say('Wrote mine.txt.'),
              ]),
            }),
            {
              homeFiles: {
                [MEMORY_FILE[cli]]: `# My own rules\n${MEMORY_MARKER}: always be brief.\n`,
                ...(cli === 'codex' && { '.codex/rules/mine.rules': USER_RULES }),
              },
            },
          );
          const verify = ['test -f mine.txt', 'test ! -e forbidden.txt'];
          expect((await p.run(addTask('mine', 'mine', { verify }))).exitCode).toBe(0);
          const run = await p.run(['run', '--no-ui'], { timeoutMs: RUN_MS });
          expect(run.exitCode, describeRun(run, f)).toBe(0);
          expect(p.task('mine').status, describeRun(run, f)).toBe('done');
          // The user's memory file (in their own home, never copied into the project) reached the model.
          expect(
            f.conversations.some((c) => `${c.system}\n${c.userText}`.includes(MEMORY_MARKER)),
            describeRun(run, f),
          ).toBe(true);
          if (cli === 'codex') {
            // Their own rule refused the command, with their reason; their rules file is untouched.
            expect(
              f.toolResults().some((text) => text.includes('the user forbids touching forbidden.txt')),
              JSON.stringify(f.toolResults()),
            ).toBe(true);
            expect(readFileSync(path.join(p.home, '.codex', 'rules', 'mine.rules'), 'utf8')).toBe(USER_RULES);
          }
        },
      );

      it(
        'the policy canary: git push is refused by the CLI and nothing reaches the remote',
        { timeout: RUN_MS + 60_000 },
        async () => {
          const { fake: f, project: p } = await setUp(
            byMarker({ push: steps([shell('git push origin main'), say('Tried to push.')]) }),
          );
          const remote = await tempBare(p);
          const remoteHead = (await p.git('ls-remote', 'origin', 'refs/heads/main')).trim();
          await p.git('commit', '-q', '--allow-empty', '-m', 'not pushed yet');
          expect((await p.run(addTask('push', 'push', { verify: ['git --version'] }))).exitCode).toBe(0);
          const run = await p.run(['run', '--no-ui', '-v'], { timeoutMs: RUN_MS });
          expect(run.exitCode, describeRun(run, f)).toBe(0);
          expect((await p.git('ls-remote', 'origin', 'refs/heads/main')).trim()).toBe(remoteHead);
          // nightshift's hook in the CLI (or the CLI's own rules behind it) refused it, and said why.
          expect(
            f
              .toolResults()
              .some((text) => /blocked by nightshift|nightshift policy|rule which prevents/i.test(text)),
            JSON.stringify(f.toolResults()),
          ).toBe(true);
          expect(remote).toBeTruthy();
          // The denial is kept in the attempt's record: `task show` lists it after the run.
          const show = await p.run(['task', 'show', 'push']);
          expect(show.stdout, show.stdout).toMatch(/denied: coding: .*git push origin main/);
        },
      );
    },
  );
}

/** Where each CLI reads the user's own instructions from their home. */
const MEMORY_FILE: Readonly<Record<FakeModelCli, string>> = {
  codex: '.codex/AGENTS.md',
  gemini: '.gemini/GEMINI.md',
  opencode: '.config/opencode/AGENTS.md',
};
const MEMORY_MARKER = 'USER-MEMORY-7f3a';
/** A rules file of the user's own, in their $CODEX_HOME/rules. */
const USER_RULES =
  'prefix_rule(pattern=["touch", "forbidden.txt"], decision="forbidden", justification="the user forbids touching forbidden.txt")\n';

/** What the engine calls an outage of each fault (agents/outage.ts describeOutage). */
const OUTAGE_WORDS: Readonly<Record<OutageFault, string>> = {
  500: 'the model API is failing',
  429: 'rate limited by the model API',
  401: 'the login or API key was refused',
  refused: 'the model API cannot be reached',
};

/** The HTTP errors an outage test answers with, one after another. */
export type OutageStatus = 500 | 429 | 401;
/** An outage test's faults: an HTTP error, or the API's port closed (connection refused). */
export type OutageFault = OutageStatus | 'refused';

/**
 * The `recover` of a connection-refused outage: brings the fake back up (once, on its old port)
 * and hands the new one to `keep`, so that the test closes it.
 */
export function reopen<T>(start: () => Promise<T>, keep: (up: T) => void): () => void {
  let started = false;
  return () => {
    if (started) return;
    started = true;
    void start().then(keep);
  };
}

/**
 * The faults per CLI. opencode retries a 5xx or 429 itself five times (2 s doubling to 30 s, plus
 * its SDK's own retries) before it reports the error — 1½ min idle, several on a loaded machine —
 * so its test has one such fault, not two; a 401 it reports at once.
 */
const OUTAGE_STATUSES: Readonly<Record<FakeModelCli, readonly OutageStatus[]>> = {
  codex: [500, 429, 401],
  gemini: [500, 429, 401],
  opencode: [500, 401],
};

/**
 * What an outage of `statuses` (one after another) leaves, in both suites: each pause named by
 * what the CLI said, the queue resumed by itself, no retry, reflection or lesson spent.
 */
export function assertOutage(
  task: Task,
  outage: OutageRun,
  statuses: readonly OutageFault[],
  context: string,
): void {
  const outcomes = task.attempts.map((a) => a.outcome);
  expect(outcomes.at(-1), context).toBe('passed');
  expect(outcomes.length, context).toBeGreaterThan(statuses.length);
  expect(
    outcomes.slice(0, -1).every((o) => o === 'interrupted'),
    context,
  ).toBe(true);
  const summaries = task.attempts.slice(0, -1).map((a) => a.summary);
  // The last fault holds until `status` saw the pause: it may have paused the queue more than once.
  const expected = summaries.map((_, i) => statuses[Math.min(i, statuses.length - 1)]!);
  summaries.forEach((summary, i) =>
    expect(summary, context).toContain(`outage: ${OUTAGE_WORDS[expected[i]!]} (`),
  );
  outage.pauses.forEach((pause, i) => {
    expect(pause, context).toContain(`queue paused: outage: ${OUTAGE_WORDS[expected[i]!]} (`);
    expect(pause, context).toMatch(/resuming in \d+ s — no retry spent$/);
  });
  expect(outage.status).toContain(
    `engine: paused (outage: ${OUTAGE_WORDS[statuses.at(-1)!]}; resumes by itself at `,
  );
  expect(outage.run.stdout.match(/queue resumed/g)?.length ?? 0, context).toBeGreaterThanOrEqual(
    statuses.length,
  );
  // No reflection, no lesson: "API Error …" never reaches a later prompt.
  for (const attempt of task.attempts) expect(attempt.reflection).toBeUndefined();
  expect(task.learning).toEqual([]);
}

/** Adds a bare repository as `origin` and pushes main to it. */
async function tempBare(p: AgentProject): Promise<string> {
  const { execa } = await import('execa');
  const { tempDir } = await import('./cli.js');
  const remote = await tempDir(`nightshift-${p.cli}-remote-`);
  await execa('git', ['init', '-q', '--bare', remote]);
  await p.git('remote', 'add', 'origin', remote);
  await p.git('push', '-q', 'origin', 'main');
  return remote;
}
