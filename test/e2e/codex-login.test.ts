/**
 * codex with the user's own ChatGPT login under the engine (issue 11): their `$CODEX_HOME/auth.json`
 * holds an expired access token, so codex refreshes it during attempt 1 against the fake OAuth
 * endpoint (test/support/fake-chatgpt.ts). Refresh tokens are single use: had nightshift given codex
 * a copy of auth.json, the refresh would land in the copy and attempt 2 — or the user's own codex
 * afterwards — would spend the old refresh token again and be refused.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { agentClis } from '../support/agent-clis.js';
import { LESSON, REFLECT_MARKER, assertOutage, withReflection } from '../support/agent-e2e.js';
import { runThroughOutage } from '../support/outage-e2e.js';
import { addTask, agentProject, cliSkip, type AgentProject } from '../support/agent-project.js';
import { repoRoot, tempDir } from '../support/cli.js';
import { stopRunAfterEach } from '../support/test-run.js';
import { fakeChatgptSkip, startFakeChatgpt, type FakeChatgpt } from '../support/fake-chatgpt.js';
import {
  attemptOf,
  byMarker,
  say,
  startFakeModel,
  steps,
  write,
  type FakeModel,
} from '../support/fake-models.js';

const RUN_MS = 600_000;
const skip = cliSkip('codex') ?? fakeChatgptSkip();
if (skip !== undefined) console.warn(`skipping the codex ChatGPT login e2e test: ${skip}`);

/** Every file under `dir` (following no links). */
function filesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(file));
    else if (entry.isFile()) found.push(file);
  }
  return found;
}

describe.skipIf(skip !== undefined)('the engine with codex logged in with ChatGPT', () => {
  const started = stopRunAfterEach<FakeModel, AgentProject>();
  let chatgpt: FakeChatgpt | undefined;
  let certs: string | undefined;

  afterEach(async () => {
    await chatgpt?.close();
    if (certs && process.env['NIGHTSHIFT_KEEP_TMP'] !== '1')
      await rm(certs, { recursive: true, force: true });
  });

  /**
   * The fake ChatGPT backend in front of `model`, and a project whose user is logged in with it:
   * their own config.toml and auth.json (`prepare` runs on the fake first, e.g. to spend the token).
   */
  async function chatgptProject(
    model: FakeModel,
    prepare: (f: FakeChatgpt) => void = () => undefined,
  ): Promise<{ readonly f: FakeChatgpt; readonly p: AgentProject }> {
    // The CA lies outside /tmp: the sandbox gives the agent a private /tmp.
    await mkdir(path.join(repoRoot, '.test-cache'), { recursive: true });
    certs = await mkdtemp(path.join(repoRoot, '.test-cache', 'chatgpt-certs-'));
    const f = (chatgpt = await startFakeChatgpt(model, certs));
    prepare(f);
    const p = (started.project = await agentProject('codex', model.baseUrl, {
      homeFiles: {
        // The user's own config: ChatGPT login, no provider of their own.
        '.codex/config.toml': `model = "gpt-5.1-codex"\nchatgpt_base_url = "${f.chatgptBaseUrl}"\n`,
        '.codex/auth.json': f.authJson(),
      },
      env: { CODEX_REFRESH_TOKEN_URL_OVERRIDE: f.tokenUrl, CODEX_CA_CERTIFICATE: f.caFile },
    }));
    return { f, p };
  }

  it(
    "refreshes the user's login during attempt 1; attempt 2 and the user's own codex use the refreshed tokens",
    { timeout: RUN_MS + 120_000 },
    async () => {
      const model = (started.fake = await startFakeModel({
        api: 'responses',
        script: withReflection(
          byMarker({
            login: (c) =>
              attemptOf(c) >= 2
                ? steps([write('b.txt', 'B\n'), say('Wrote B.')])(c)
                : steps([write('b.txt', 'wrong\n'), say('Wrote something.')])(c),
            plain: steps([say('Hello from the fake.')]),
          }),
        ),
        log: process.env['FAKE_MODEL_LOG'] ? (line) => console.log(line) : undefined,
      }));
      const { f, p } = await chatgptProject(model);
      expect((await p.run(addTask('login', 'login', { verify: ['grep -qx B b.txt'] }))).exitCode).toBe(0);

      const run = await p.run(['run', '--no-ui'], { timeoutMs: RUN_MS });
      const context = `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}\nrefreshes ${JSON.stringify(f.refreshes)}`;
      expect(run.exitCode, context).toBe(0);
      const task = p.task('login');
      expect(
        task.attempts.map((a) => a.outcome),
        context,
      ).toEqual(['failed', 'passed']);
      expect(task.attempts[0]!.reflection).toBe(LESSON);

      // Attempt 1 refreshed the expired login once, with the user's refresh token; no refresh was refused.
      expect(f.refreshes[0], context).toMatchObject({
        refreshToken: f.logins[0]!.refreshToken,
        accepted: true,
      });
      expect(
        f.refreshes.every((r) => r.accepted),
        context,
      ).toBe(true);
      // Every Responses request — attempt 1, its reflection, attempt 2 — carried a token the fake
      // accepted, and none the expired one: attempt 2 used the refreshed login.
      expect(f.responses.length, context).toBeGreaterThan(0);
      expect(
        f.responses.every((r) => r.accepted),
        context,
      ).toBe(true);
      expect(f.responses.some((r) => r.bearer === f.logins[0]!.accessToken)).toBe(false);
      expect(model.conversations.some((c) => attemptOf(c) === 2)).toBe(true);

      // The user's own auth.json holds the latest tokens the fake issued.
      const auth = JSON.parse(readFileSync(path.join(p.home, '.codex', 'auth.json'), 'utf8')) as {
        tokens: { access_token: string; refresh_token: string };
        last_refresh: string;
      };
      expect(auth.tokens.refresh_token).toBe(f.current().refreshToken);
      expect(auth.tokens.access_token).toBe(f.current().accessToken);
      expect(Date.now() - Date.parse(auth.last_refresh)).toBeLessThan(86_400_000);

      // No copy of the credentials anywhere nightshift writes: the project (.nightshift/, logs)
      // and the state home (worktrees).
      const secrets = f.logins.flatMap((login) => [login.refreshToken, login.accessToken]);
      const leaks = [...filesUnder(p.dir), ...filesUnder(p.stateHome)].filter(
        (file) =>
          path.basename(file) === 'auth.json' ||
          (statSync(file).size < 64 * 1024 * 1024 &&
            secrets.some((secret) => readFileSync(file, 'utf8').includes(secret))),
      );
      expect(leaks).toEqual([]);

      // The user's own `codex exec` afterwards still works with their login.
      const before = f.responses.length;
      const plain = await execa(
        agentClis.codex!.path,
        ['exec', '--json', '--skip-git-repo-check', 'scenario: plain. Say hello.'],
        {
          cwd: await tempDir('nightshift-codex-plain-'),
          env: p.env,
          extendEnv: true,
          stdin: 'ignore',
          reject: false,
        },
      );
      expect(plain.exitCode, `${plain.stdout}\n${plain.stderr}`).toBe(0);
      expect(plain.stdout).toContain('Hello from the fake.');
      expect(f.responses.slice(before).every((r) => r.accepted)).toBe(true);
      expect(f.refreshes.every((r) => r.accepted)).toBe(true);
    },
  );

  it(
    'a spent refresh token pauses the queue as a refused login that says to run `codex login`; after the login the task lands, no retry spent',
    { timeout: RUN_MS + 120_000 },
    async () => {
      const model = (started.fake = await startFakeModel({
        api: 'responses',
        script: withReflection(byMarker({ spent: steps([write('c.txt', 'C\n'), say('Wrote C.')]) })),
      }));
      // The user's auth.json holds a refresh token another codex has already spent.
      const { f, p } = await chatgptProject(model, (fake) => fake.refreshElsewhere());
      expect((await p.run(addTask('spent', 'spent', { verify: ['grep -qx C c.txt'] }))).exitCode).toBe(0);
      const outage = await runThroughOutage(
        p,
        [() => undefined],
        // The user runs `codex login`: their auth.json holds a login the fake accepts.
        () => writeFileSync(path.join(p.home, '.codex', 'auth.json'), f.authJson(f.current())),
        ['run', '--no-ui', '--max-retries', '0'],
        RUN_MS,
      );
      const context = `exit ${outage.run.exitCode}\n${outage.run.stdout}\n${outage.run.stderr}\nrefreshes ${JSON.stringify(f.refreshes)}`;
      expect(outage.run.exitCode, context).toBe(0);
      const task = p.task('spent');
      expect(task.status, context).toBe('done');
      const outcomes = task.attempts.map((a) => a.outcome);
      expect(outcomes.at(-1), context).toBe('passed');
      expect(outcomes.slice(0, -1).length, context).toBeGreaterThan(0);
      expect(
        outcomes.slice(0, -1).every((o) => o === 'interrupted'),
        context,
      ).toBe(true);
      for (const attempt of task.attempts.slice(0, -1))
        expect(attempt.summary, context).toMatch(
          /^outage: the login or API key was refused \(.*Run `codex login`/,
        );
      expect(outage.pauses.length, context).toBeGreaterThan(0);
      for (const pause of outage.pauses) {
        expect(pause, context).toContain('queue paused: outage: the login or API key was refused (');
        expect(pause, context).toContain('Run `codex login`');
        expect(pause, context).toMatch(/no retry spent$/);
      }
      expect(outage.status).toContain(
        'engine: paused (outage: the login or API key was refused; resumes by itself at ',
      );
      // codex was refused by the token endpoint; no reflection, no lesson.
      expect(
        f.refreshes.some((r) => !r.accepted),
        context,
      ).toBe(true);
      for (const attempt of task.attempts) expect(attempt.reflection).toBeUndefined();
      expect(model.conversations.some((c) => c.userText.includes(REFLECT_MARKER))).toBe(false);
    },
  );

  it(
    'the ChatGPT backend out of reach pauses the queue as a network outage; once it is back the task lands, no retry spent',
    { timeout: RUN_MS + 120_000 },
    async () => {
      const model = (started.fake = await startFakeModel({
        api: 'responses',
        script: withReflection(byMarker({ away: steps([write('d.txt', 'D\n'), say('Wrote D.')]) })),
      }));
      const { f, p } = await chatgptProject(model);
      expect((await p.run(addTask('away', 'away', { verify: ['grep -qx D d.txt'] }))).exitCode).toBe(0);
      const outage = await runThroughOutage(
        p,
        [() => f.setDown(true)],
        () => f.setDown(false),
        ['run', '--no-ui', '--max-retries', '0'],
        RUN_MS,
      );
      const context = `exit ${outage.run.exitCode}\n${outage.run.stdout}\n${outage.run.stderr}`;
      expect(outage.run.exitCode, context).toBe(0);
      const task = p.task('away');
      expect(task.status, context).toBe('done');
      assertOutage(task, outage, ['refused'], context);
      expect(model.conversations.some((c) => c.userText.includes(REFLECT_MARKER))).toBe(false);
    },
  );
});
