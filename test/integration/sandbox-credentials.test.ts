/**
 * An https/http push with credentials reachable some other way (issue 10): the user's HOME holds a
 * credential helper in ~/.gitconfig, ~/.git-credentials, ~/.config/git/credentials, and their
 * environment a GH_TOKEN and a GIT_ASKPASS program — each of which lets `git push` to a loopback
 * remote that wants a password succeed outside the sandbox. A sim agent inside tries each way (with
 * the network on), and every push fails: the remote is untouched and never got a request with
 * credentials. The same pushes outside the sandbox succeed, so the test can fail.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { probeBwrap } from '../../source/sandbox/bwrap.js';
import { outsideDir } from '../support/cli.js';
import { cleanupProjects, simProject, simTask } from '../support/engine-fixtures.js';
import { startGitHttpRemote, type GitHttpRemote } from '../support/git-http-remote.js';

afterEach(cleanupProjects);

const bwrap = probeBwrap();
if (!bwrap.ok) console.warn(`skipping the sandbox credential test: ${bwrap.detail}`);

const USER = 'night-user';
const PASSWORD = 'pw-7f3a91c2';

/** A HOME outside /tmp (the sandbox's private /tmp must not be what hides it) with every credential. */
async function userHome(remote: GitHttpRemote): Promise<{ home: string; env: Record<string, string> }> {
  const home = await outsideDir('nightshift-cred-home-');
  const origin = new URL(remote.url).origin;
  const withPassword = `${origin.replace('://', `://${USER}:${PASSWORD}@`)}\n`;
  await writeFile(
    path.join(home, '.gitconfig'),
    [
      '[user]',
      '  name = User',
      '  email = user@example.com',
      `[credential "${origin}"]`,
      `  helper = "!f() { echo username=${USER}; echo password=${PASSWORD}; }; f"`,
      '',
    ].join('\n'),
  );
  await writeFile(path.join(home, '.git-credentials'), withPassword, { mode: 0o600 });
  await mkdir(path.join(home, '.config', 'git'), { recursive: true });
  await writeFile(path.join(home, '.config', 'git', 'credentials'), withPassword, { mode: 0o600 });
  const askpass = path.join(home, 'askpass.sh');
  await writeFile(askpass, `#!/bin/sh\ncase "$1" in Username*) echo ${USER};; *) echo ${PASSWORD};; esac\n`, {
    mode: 0o755,
  });
  return { home, env: { HOME: home, GH_TOKEN: PASSWORD, GIT_ASKPASS: askpass } };
}

/** Each way to the password, as a push to its own branch. */
function pushes(url: string): Record<string, string> {
  const token = url.replace('://', `://${USER}:$GH_TOKEN@`);
  return {
    helper: `git push ${url} HEAD:refs/heads/helper`,
    store: `git -c credential.helper= -c credential.helper=store push ${url} HEAD:refs/heads/store`,
    xdg: `git -c credential.helper= -c 'credential.helper=store --file=$HOME/.config/git/credentials' push ${url} HEAD:refs/heads/xdg`,
    token: `git push ${token} HEAD:refs/heads/token`,
    askpass: `git -c credential.helper= push ${url} HEAD:refs/heads/askpass`,
  };
}

describe.skipIf(!bwrap.ok)('sandbox: credentials for a push', () => {
  it('a push that succeeds outside the sandbox with the user’s helper, files, token or askpass fails inside', async () => {
    const remote = await startGitHttpRemote({ user: USER, password: PASSWORD });
    try {
      const { env } = await userHome(remote);
      const commands = pushes(remote.url);
      const project = await simProject({ run: { max_retries: 0 } });
      await project.importTasks([
        simTask(
          'push',
          Object.values(commands)
            .map((command) => `sim: run ${command}`)
            .join('\n'),
          ['true'],
        ),
      ]);
      const run = await project.cli(['run', '--no-ui'], { env, timeoutMs: 120_000 });
      expect(run.stderr.split('\n')[0]).toMatch(/^nightshift: sandbox: bwrap/);
      const context = `${run.stdout}\n${run.stderr}`;
      // The pushes reached the remote (the network is on) and were asked for a password…
      expect(remote.counts.unauthorized, context).toBeGreaterThanOrEqual(Object.keys(commands).length);
      // …which none of them could give: no request with credentials, no ref on the remote.
      expect(remote.counts.authorized, context).toBe(0);
      expect(await remote.refs()).toBe('');

      // Outside the sandbox, with the same HOME and environment, every one of them goes through.
      for (const [name, command] of Object.entries(commands)) {
        const result = await execa('sh', ['-c', command], {
          cwd: project.dir,
          env: { ...env, GIT_TERMINAL_PROMPT: '0' },
          reject: false,
        });
        expect(result.exitCode, `${name} outside the sandbox: ${result.stderr}`).toBe(0);
      }
      const refs = await remote.refs();
      for (const name of Object.keys(commands)) expect(refs).toContain(`refs/heads/${name}`);
    } finally {
      await remote.close();
    }
  }, 180_000);
});
