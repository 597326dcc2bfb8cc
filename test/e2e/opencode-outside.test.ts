/**
 * opencode naming a path outside its worktree under the engine (issue 11). The issue saw opencode
 * end the session on any such command (even `cat`) and nightshift call it "denied by policy". With
 * opencode 1.18.33 its own external_directory check asks, `run` says no by itself ("The user rejected
 * permission to use this specific tool call.", the path not named) and opencode ends the session.
 * nightshift says who refused — "denied by opencode: cat /etc/hostname — opencode refused a path
 * outside the worktree" — and keeps it in `task show`; its command policy refused nothing.
 */
import { describe, expect, it } from 'vitest';
import { addTask, agentProject, cliSkip, type AgentProject } from '../support/agent-project.js';
import { say, shell, startFakeModel, steps, type FakeModel } from '../support/fake-models.js';
import { stopRunAfterEach } from '../support/test-run.js';

/** Bounds the run on a loaded 2-core machine (opencode ~80 s per attempt); never judges a result. */
const RUN_MS = 600_000;
const skip = cliSkip('opencode');
if (skip !== undefined) console.warn(`skipping the opencode outside-path e2e test: ${skip}`);

describe.skipIf(skip !== undefined)('the engine with opencode reading a path outside the worktree', () => {
  const testRun = stopRunAfterEach<FakeModel, AgentProject>();

  it(
    'the read is refused by opencode, and the run and task show say so, not "denied by policy"',
    { timeout: RUN_MS + 60_000 },
    async () => {
      const f = (testRun.fake = await startFakeModel({
        api: 'chat',
        script: steps([shell('cat /etc/hostname'), say('Read the hostname.')]),
      }));
      const p = (testRun.project = await agentProject('opencode', f.baseUrl));
      expect((await p.run(addTask('outside', 'outside', { verify: ['true'] }))).exitCode).toBe(0);

      const run = await p.run(['run', '--no-ui', '-v', '--max-retries', '0'], { timeoutMs: RUN_MS });
      const context = `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}\n${JSON.stringify(f.toolResults())}`;
      expect(run.stdout, context).toMatch(
        /outside: denied by opencode: cat \/etc\/hostname — opencode refused a path outside the worktree \(/,
      );
      expect(run.stdout, context).not.toContain('denied by policy');
      const show = await p.run(['task', 'show', 'outside']);
      expect(show.stdout, context).toMatch(
        /denied: coding: cat \/etc\/hostname — opencode refused a path outside/,
      );
      // Whatever opencode did next, a failed attempt names the refusal, never only "exited with code 1".
      for (const attempt of p.task('outside').attempts)
        if (/^agent exited/.test(attempt.summary ?? ''))
          expect(attempt.summary, context).toContain('opencode refused cat /etc/hostname');
    },
  );
});
