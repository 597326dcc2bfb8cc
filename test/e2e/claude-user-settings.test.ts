/**
 * claude's provider and model from the user's own `~/.claude/settings.json` under the engine
 * (issue 11): the shell nightshift runs in has no ANTHROPIC_BASE_URL; the user's settings file names
 * the endpoint (`env.ANTHROPIC_BASE_URL`, the fake) and the model. nightshift passes no `--model`
 * and layers its own settings file (hooks) on top, so both must still be the user's.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeProject, ensureClaudeCli, type ClaudeProject } from '../support/claude-env.js';
import { stopRunAfterEach } from '../support/test-run.js';
import { refusedUrl } from '../support/fake-models.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { writesPassingCode } from '../support/fake-anthropic-scenarios.js';

const claude = await ensureClaudeCli();
if (claude.skip !== undefined) console.warn(`skipping the claude user-settings e2e test: ${claude.skip}`);

const USER_MODEL = 'claude-user-settings-model-7f3a';
const RUN_MS = 180_000;

describe.skipIf(claude.skip !== undefined)("the engine with claude and the user's own settings.json", () => {
  const started = stopRunAfterEach<FakeAnthropic, ClaudeProject>();

  it(
    'talks to the endpoint and the model named in ~/.claude/settings.json',
    { timeout: RUN_MS + 60_000 },
    async () => {
      const f = await startFakeAnthropic({
        scenario: writesPassingCode({ file: 'mine.txt', content: 'mine\n', testCommand: '' }),
      });
      started.fake = f;
      // Nothing in the environment points at the fake: were the user's file ignored, claude would
      // go to this dead port instead (connection refused) or to api.anthropic.com.
      const p = await claudeProject(claude.cli!.path, await refusedUrl(), {
        env: { ANTHROPIC_BASE_URL: undefined, ANTHROPIC_MODEL: undefined },
      });
      started.project = p;
      const settings = { model: USER_MODEL, env: { ANTHROPIC_BASE_URL: f.url } };
      const file = path.join(p.home, '.claude', 'settings.json');
      await writeFile(file, `${JSON.stringify(settings, null, 2)}\n`);
      // prettier-ignore
      const added = await p.cli(['task', 'add', '--id', 'mine', '--title', 'Write mine.txt', '--description', 'Write mine.txt.', '--verify', 'test -f mine.txt']);
      expect(added.exitCode, added.stderr).toBe(0);

      const run = await p.cli(['run', '--no-ui'], { timeoutMs: RUN_MS });
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(p.task('mine').status).toBe('done');
      // The fake got the agent's requests, every one for the user's model.
      const models = f.agentRequests().map((r) => r.model);
      expect(models.length).toBeGreaterThan(0);
      expect(new Set(models)).toEqual(new Set([USER_MODEL]));
      // The user's file is as they wrote it.
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(settings);
    },
  );
});
