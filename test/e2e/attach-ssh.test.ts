/**
 * `nightshift attach --ssh` through the system's ssh to a real sshd on 127.0.0.1 (Debian's
 * openssh-server, throwaway keys; see support/sshd.ts): the board in tmux shows the same tasks as
 * the local engine, `q` says how to come back, and without a TTY the same command prints the state
 * and follows the run's lines until it ends. The remote side is `attach --stdio`, found through
 * NIGHTSHIFT_REMOTE_COMMAND because the ssh login's PATH has no `nightshift`.
 */
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli, tempDir, tempGitRepo } from '../support/cli.js';
import { stopEngine, waitFor } from '../support/engine-fixtures.js';
import { startSshd, type Sshd } from '../support/sshd.js';
import { shellReady, startTmux, tmuxAvailable, type TmuxSession } from '../support/tmux.js';

const TASKS = [
  { id: 'fetch-1', title: 'Fetch the feed', deps: [] },
  { id: 'parse-2', title: 'Parse the entries', deps: [] },
  { id: 'store-3', title: 'Store the entries', deps: ['fetch-1', 'parse-2'] },
  { id: 'serve-4', title: 'Serve them over HTTP', deps: ['store-3'] },
] as const;

/** About 6 s a task: the run lasts ~20 s, long enough to open a board over ssh, short enough to wait for. */
function plan(): string {
  return JSON.stringify({
    project: 'feeds',
    tasks: TASKS.map((task) => ({
      id: task.id,
      title: task.title,
      depends_on: task.deps,
      description: [
        'sim: delay 2000',
        `sim: run echo working on ${task.id}`,
        `sim: write ${task.id}.txt <<<`,
        task.title,
        '>>>',
      ].join('\n'),
      verification: { validate_commands: [`test -f ${task.id}.txt`] },
    })),
  });
}

const haveTmux = await tmuxAvailable();

describe.skipIf(!haveTmux)('attach --ssh to a loopback sshd', () => {
  let dir: string;
  let env: Record<string, string>;
  let sshd: Sshd | undefined;
  let skipReason = '';
  let tmux: TmuxSession | undefined;

  beforeAll(async () => {
    const started = await startSshd(await tempDir('nightshift-sshd-'));
    if ('skip' in started) {
      skipReason = started.skip;
      return;
    }
    sshd = started;
    dir = await tempGitRepo('nightshift-ssh-');
    env = {
      XDG_STATE_HOME: await tempDir('nightshift-ssh-state-'),
      NO_COLOR: '1',
      NIGHTSHIFT_SSH_ARGS: sshd.clientArgs.join(' '),
      // Absolute paths: the ssh login shell's PATH is sshd's default, without nightshift.
      NIGHTSHIFT_REMOTE_COMMAND: `${process.execPath} ${cliPath}`,
    };
    expect((await runCli(['init', '--use', 'sim'], { cwd: dir, env })).exitCode).toBe(0);
    const planFile = path.join(dir, '..', `${path.basename(dir)}-plan.json`);
    await writeFile(planFile, plan());
    expect((await runCli(['task', 'import', planFile], { cwd: dir, env })).exitCode).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await tmux?.kill();
    if (dir) await stopEngine(dir, env);
    await sshd?.stop();
  });

  it('shows the remote run on a board and, without a TTY, as lines until it ends', async (context) => {
    if (!sshd) {
      context.skip(skipReason);
      return;
    }
    const target = `127.0.0.1:${dir}`;
    const started = await runCli(['run', '--detach', '--parallel', '2'], { cwd: dir, env });
    expect(started.exitCode, started.stderr).toBe(0);
    // Paused at once, so the run cannot end while the board is open (however slow this machine is):
    // at most the first two tasks run; it resumes once the piped attach below is following it.
    expect((await runCli(['pause'], { cwd: dir, env })).exitCode).toBe(0);
    const local = JSON.parse((await runCli(['status', '--json'], { cwd: dir, env })).stdout) as {
      engine: { pid: number } | null;
      total: number;
    };
    expect(local.engine).not.toBeNull();
    expect(local.total).toBe(TASKS.length);
    const listed = JSON.parse((await runCli(['task', 'list', '--json'], { cwd: dir, env })).stdout) as {
      id: string;
    }[];
    const localIds = listed.map((task) => task.id);
    expect(localIds).toHaveLength(TASKS.length);

    // The board needs a TTY: run the client in tmux, from another folder, as a remote user would.
    tmux = await startTmux({ cwd: path.dirname(dir), width: 120, height: 35, env });
    await shellReady(tmux);
    await tmux.type(`node ${cliPath} attach --ssh ${target}`);
    const board = await tmux
      .waitForText(
        (screen) => screen.includes('127.0.0.1') && localIds.every((id) => screen.includes(id)),
        30_000,
      )
      .catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n--- sshd log\n${await sshd?.log()}`);
      });
    expect(board).toMatch(/simulated/);
    expect(board).toMatch(/\d+\/4 done/);
    console.log(`board over ssh at 120x35:\n${board}`);
    await tmux.sendKeys('q');
    const left = await tmux.waitForText('the run goes on');
    // The line may wrap at 120 columns.
    expect(left.replace(/\n/g, '')).toContain(`Come back with \`nightshift attach --ssh ${target}\``);

    // Without a TTY: the state, then the run's lines, until the engine ends with the run's code.
    const following = execa(process.execPath, [cliPath, 'attach', '--ssh', target], {
      cwd: path.dirname(dir),
      env: { ...process.env, ...env },
      stdin: 'ignore',
      reject: false,
      timeout: 120_000,
    });
    let shown = '';
    following.stdout.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    await waitFor(() => shown.includes(`(${dir})`), {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'attach --ssh to print the state',
    });
    expect((await runCli(['resume'], { cwd: dir, env })).exitCode).toBe(0);
    const result = await following;
    const piped = { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    expect(piped.exitCode, `${piped.stdout}\n${piped.stderr}`).toBe(0);
    expect(piped.stdout).toContain(`(${dir})`);
    for (const task of TASKS)
      expect(piped.stdout).toMatch(new RegExp(`^  ${task.id}  \\w+  ${task.title}$`, 'm'));
    expect(piped.stdout).toMatch(/run done: 4\/4 done, 0 blocked/);

    // Nothing runs there now: the far end says so through the protocol, and the client exits 1.
    const none = await runCli(['attach', '--ssh', target], {
      cwd: path.dirname(dir),
      env,
      timeoutMs: 30_000,
    });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain(`no engine is running for ${dir}`);
  }, 180_000);
});
