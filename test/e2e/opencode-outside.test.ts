/**
 * opencode naming a path outside its worktree under the engine (issue 11). The issue saw opencode
 * end the session on any such command (even `cat`) and nightshift call it "denied by policy". With
 * opencode 1.18.33 its own external_directory check asks, `run` says no by itself ("The user rejected
 * permission to use this specific tool call.") and opencode ends the session there (exit 0; the gate
 * decides). nightshift says what happened — "opencode refused a path outside the worktree in: cat
 * /etc/hostname" — and not "denied by policy": its command policy refused nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { addTask, agentProject, cliSkip, type AgentProject } from '../support/agent-project.js';
import { killProcessesIn } from '../support/claude-env.js';
import { say, shell, startFakeModel, steps, type FakeModel } from '../support/fake-models.js';

const RUN_MS = 600_000;
const skip = cliSkip('opencode');
if (skip !== undefined) console.warn(`skipping the opencode outside-path e2e test: ${skip}`);

describe.skipIf(skip !== undefined)('the engine with opencode reading a path outside the worktree', () => {
  let fake: FakeModel | undefined;
  let project: AgentProject | undefined;

  afterEach(async () => {
    await fake?.close();
    if (project) {
      const leftover = killProcessesIn([project.dir, project.stateHome]);
      project = undefined;
      expect(leftover, 'processes left behind by the run').toEqual([]);
    }
  });

  it(
    'a read outside the worktree is reported as opencode refusing the path, not as a policy denial',
    { timeout: RUN_MS + 60_000 },
    async () => {
      const f = await startFakeModel({
        api: 'chat',
        script: steps([shell('cat /etc/hostname'), say('Read the hostname.')]),
      });
      fake = f;
      const p = await agentProject('opencode', f.baseUrl);
      project = p;
      expect((await p.run(addTask('outside', 'outside', { verify: ['true'] }))).exitCode).toBe(0);

      const run = await p.run(['run', '--no-ui', '-v', '--max-retries', '0'], { timeoutMs: RUN_MS });
      const context = `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}\n${JSON.stringify(f.toolResults())}`;
      expect(run.exitCode, context).toBe(0);
      const task = p.task('outside');
      expect(task.status, context).toBe('done');
      expect(task.attempts.map((a) => a.outcome)).toEqual(['passed']);
      expect(run.stdout, context).toContain(
        'opencode refused a path outside the worktree in: cat /etc/hostname',
      );
      expect(run.stdout, context).not.toContain('denied by policy');
      const show = await p.run(['task', 'show', 'outside']);
      expect(show.stdout).not.toMatch(/denied: coding: .*\/etc\/hostname/);
    },
  );
});
