/**
 * The real claude CLI under the engine when the model API refuses connections (issue 11): the fake's
 * port is closed mid-run, so claude gets ECONNREFUSED; the queue pauses, `status` says so, and once
 * the fake is back on the same port the task lands with no retry, reflection or lesson spent —
 * as for the HTTP errors in claude-engine.test.ts and for the other CLIs in agent-e2e.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertOutage, reopen } from '../support/agent-e2e.js';
import { claudeProject, ensureClaudeCli, type ClaudeProject } from '../support/claude-env.js';
import { stopRunAfterEach } from '../support/test-run.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { writesPassingCode } from '../support/fake-anthropic-scenarios.js';
import { runThroughOutage } from '../support/outage-e2e.js';

const claude = await ensureClaudeCli();
if (claude.skip !== undefined)
  console.warn(`skipping the claude connection-refused e2e test: ${claude.skip}`);

const RUN_MS = 240_000;

describe.skipIf(claude.skip !== undefined)(
  'the engine with claude when the model API refuses connections',
  () => {
    const run = stopRunAfterEach<FakeAnthropic, ClaudeProject>();

    it(
      'pauses the queue while the port is closed and resumes once it is back: the task lands, no retry spent',
      { timeout: RUN_MS + 60_000 },
      async () => {
        const scenario = writesPassingCode({ file: 'up.txt', content: 'back up\n', testCommand: '' });
        const f = await startFakeAnthropic({ scenario });
        run.fake = f;
        const p = await claudeProject(claude.cli!.path, f.url);
        run.project = p;
        // prettier-ignore
        const added = await p.cli(['task', 'add', '--id', 'up', '--title', 'Write up.txt', '--description', 'Write up.txt.', '--verify', 'test -f up.txt']);
        expect(added.exitCode, added.stderr).toBe(0);
        const port = Number(new URL(f.url).port);
        const outage = await runThroughOutage(
          { dir: p.dir, run: (args, options) => p.cli(args, options) },
          [() => void f.close()],
          reopen(
            () => startFakeAnthropic({ scenario, port }),
            (up) => (run.fake = up),
          ),
          ['run', '--no-ui', '--max-retries', '0'],
          RUN_MS,
        );
        const context = `exit ${outage.run.exitCode}\n${outage.run.stdout}\n${outage.run.stderr}`;
        expect(outage.run.exitCode, context).toBe(0);
        const task = p.task('up');
        expect(task.status, context).toBe('done');
        expect(readFileSync(path.join(p.dir, 'up.txt'), 'utf8')).toBe('back up\n');
        assertOutage(task, outage, ['refused'], context);
      },
    );
  },
);
