/**
 * The sandbox canary with the REAL claude CLI (DESIGN.md §8): the loopback fake Anthropic model asks
 * claude to run the commands that got past the old spelling-based guard — `cd /elsewhere && rm -rf
 * dir`, `rm -r /abs/dir`, `git -C . push`, `git -c alias.p=push p`, `git stash clear`, `git
 * update-ref refs/heads/main HEAD~1`, a write through NIGHTSHIFT_PROJECT_ROOT — and to write a file
 * outside its worktree. The canary outside survives, the user's stash, refs, remote and main
 * checkout are byte-identical, and the denials show in `task show` after the run.
 */
import { describe, expect, it } from 'vitest';
import { canaryTask, prepareCanary, REFLECT_MARKER, type Canary } from '../support/canary-e2e.js';
import { claudeProject, ensureClaudeCli, type ClaudeProject } from '../support/claude-env.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { stopRunAfterEach } from '../support/test-run.js';
import { promptText, steps, text, tool } from '../support/fake-anthropic-scenarios.js';
import { probeBwrap } from '../../source/sandbox/bwrap.js';

const claude = await ensureClaudeCli();
const bwrap = probeBwrap();
const skip = claude.skip ?? (bwrap.ok ? undefined : bwrap.detail);
if (skip !== undefined) console.warn(`skipping the claude sandbox canary: ${skip}`);

/** Bounds a wait on a loaded 2-core machine; never judges a result. */
const RUN_MS = 240_000;

describe.skipIf(skip !== undefined)(
  'the sandbox canary with the real claude CLI',
  { timeout: RUN_MS + 60_000 },
  () => {
    const started = stopRunAfterEach<FakeAnthropic, ClaudeProject>();

    it('every bypass fails: the canary survives, stash/refs/remote/checkout are unchanged, denials are in task show', async () => {
      // The fake starts before the project, the canary after it: the script reads it when asked.
      const asked: { canary?: Canary } = {};
      const scenario = (request: Parameters<typeof promptText>[0]) =>
        promptText(request).includes(REFLECT_MARKER)
          ? text(JSON.stringify({ lesson: 'none', steps: null, notes: null, verification: null }))
          : steps([
              ...asked.canary!.commands.map(
                (command) => () => tool('Bash', { command, description: 'Try it' }, `Running ${command}.`),
              ),
              () =>
                tool('Write', { file_path: asked.canary!.written, content: 'escaped\n' }, 'Writing outside.'),
            ])(request);
      const server = (started.fake = await startFakeAnthropic({ scenario }));
      const p = (started.project = await claudeProject(claude.cli!.path, server.url, {
        config: { run: { max_retries: 0 } },
      }));
      const canary = await prepareCanary(p, 'nightshift-claude-canary-');
      asked.canary = canary;
      const added = await p.cli(canaryTask('canary', 'canary'));
      expect(added.exitCode, added.stderr).toBe(0);

      const run = await p.cli(['run', '--no-ui', '-v'], { timeoutMs: RUN_MS });
      const ran = server.requests.length;
      expect(ran, `${run.stdout}\n${run.stderr}`).toBeGreaterThan(canary.commands.length);

      await canary.assertHeld();
      const show = await p.cli(['task', 'show', 'canary']);
      expect(show.stdout).toMatch(/denied: coding: .*git -C \. push/);
      expect(show.stdout).toMatch(/denied: coding: .*(Read-only|read-only)/);
      console.log(`claude canary: ${canary.commands.length + 1} bypasses tried\n${show.stdout}`);
    });
  },
);
