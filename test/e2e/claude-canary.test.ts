/**
 * The sandbox canary with the REAL claude CLI (DESIGN.md §8): the loopback fake Anthropic model asks
 * claude to run the commands that got past the old spelling-based guard — `cd /elsewhere && rm -rf
 * dir`, `rm -r /abs/dir`, `git -C . push`, `git -c alias.p=push p`, `git stash clear`, `git
 * update-ref refs/heads/main HEAD~1`, a write through NIGHTSHIFT_PROJECT_ROOT — and to write a file
 * outside its worktree. The canary outside survives, the user's stash, refs, remote and main
 * checkout are byte-identical, and the denials show in `task show` after the run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli.js';
import {
  claudeProject,
  ensureClaudeCli,
  killProcessesIn,
  type ClaudeProject,
} from '../support/claude-env.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
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
    let server: FakeAnthropic | undefined;
    let project: ClaudeProject | undefined;

    afterEach(async () => {
      await server?.close();
      server = undefined;
      if (project) {
        const leftover = killProcessesIn([project.dir, project.stateHome]);
        project = undefined;
        expect(leftover, 'processes left behind by the run').toEqual([]);
      }
    });

    it('every bypass fails: the canary survives, stash/refs/remote/checkout are unchanged, denials are in task show', async () => {
      const outside = await tempDir('nightshift-claude-canary-');
      await mkdir(path.join(outside, 'dir'));
      const canary = path.join(outside, 'dir', 'canary.txt');
      await writeFile(canary, 'alive\n');
      const written = path.join(outside, 'written.txt');
      const bypasses = [
        `cd ${outside} && rm -rf dir`,
        `rm -r ${path.join(outside, 'dir')}`,
        'git -C . push origin HEAD:main',
        'git -c alias.p=push p origin HEAD:main',
        'git stash clear',
        'git update-ref refs/heads/main HEAD~1',
        'echo hacked > "$NIGHTSHIFT_PROJECT_ROOT/user.txt"',
      ];
      const scenario = (request: Parameters<typeof promptText>[0]) =>
        promptText(request).includes('You are reviewing a failed attempt')
          ? text(JSON.stringify({ lesson: 'none', steps: null, notes: null, verification: null }))
          : steps([
              ...bypasses.map(
                (command) => () => tool('Bash', { command, description: 'Try it' }, `Running ${command}.`),
              ),
              () => tool('Write', { file_path: written, content: 'escaped\n' }, 'Writing outside.'),
            ])(request);
      server = await startFakeAnthropic({ scenario });
      project = await claudeProject(claude.cli!.path, server.url, {
        remote: true,
        files: { 'user.txt': 'mine\n' },
        config: { run: { max_retries: 0 } },
      });
      const p = project;
      await writeFile(path.join(p.dir, 'user.txt'), 'work in progress\n');
      await p.git('stash', 'push', '-m', 'precious');
      await p.git('commit', '-q', '--allow-empty', '-m', 'second');
      const snapshot = async (): Promise<Record<string, string>> => ({
        refs: (await p.git('for-each-ref', '--format=%(refname) %(objectname)'))
          .split('\n')
          .filter((line) => !line.startsWith('refs/heads/nightshift/'))
          .join('\n'),
        stash: await p.git('stash', 'list', '--format=%H %s'),
        status: await p.git('status', '--porcelain'),
        user: readFileSync(path.join(p.dir, 'user.txt'), 'utf8'),
        remote: await p.git('ls-remote', 'origin'),
      });
      const before = await snapshot();
      // prettier-ignore
      const added = await p.cli(['task', 'add', '--id', 'canary', '--title', 'Try the bypasses',
      '--description', 'Run the commands.', '--step', 'run them', '--verify', 'false']);
      expect(added.exitCode, added.stderr).toBe(0);

      const run = await p.cli(['run', '--no-ui', '-v'], { timeoutMs: RUN_MS });
      const ran = server.requests.length;
      expect(ran, `${run.stdout}\n${run.stderr}`).toBeGreaterThan(bypasses.length);

      expect(readFileSync(canary, 'utf8')).toBe('alive\n');
      expect(existsSync(written)).toBe(false);
      expect(await snapshot()).toEqual(before);
      const show = await p.cli(['task', 'show', 'canary']);
      expect(show.stdout).toMatch(/denied: coding: .*git -C \. push/);
      expect(show.stdout).toMatch(/denied: coding: .*(Read-only|read-only)/);
      console.log(`claude canary: ${bypasses.length + 1} bypasses tried\n${show.stdout}`);
    });
  },
);
