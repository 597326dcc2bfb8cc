/**
 * An agent that asks a question before anyone watches, in a real terminal: the board shows a
 * waiting badge and the task's mark, rings the terminal's bell, and both the terminal view (`l`)
 * and attach (`a`) show the question the agent printed earlier (the engine replays its screen);
 * the answer typed while attached reaches the agent, whose task then passes.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { SIM_QUESTION } from '../../source/agents/sim.js';
import { cliPath, runCli, tempDir, tempGitRepo } from '../support/cli.js';
import { waitFor } from '../support/engine-fixtures.js';
import { startTmux, tmuxAvailable, type TmuxSession } from '../support/tmux.js';

const available = await tmuxAvailable();
const cli = `node ${cliPath}`;

async function project(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await tempGitRepo('nightshift-board-waiting-');
  const env = { XDG_STATE_HOME: await tempDir('nightshift-board-waiting-state-'), NO_COLOR: '1' };
  expect((await runCli(['init', '--use', 'sim'], { cwd: dir, env })).exitCode).toBe(0);
  const planFile = path.join(dir, '..', `${path.basename(dir)}-plan.json`);
  await writeFile(
    planFile,
    JSON.stringify({
      tasks: [
        {
          id: 'ask-1',
          title: 'Asks before writing',
          description: [
            'sim: run echo reading the config',
            'sim: ask',
            'sim: write answered.txt <<<',
            'yes',
            '>>>',
          ].join('\n'),
          verification: { validate_commands: ['test -f answered.txt'] },
        },
      ],
    }),
  );
  const imported = await runCli(['task', 'import', planFile], { cwd: dir, env });
  expect(imported.exitCode, imported.stderr).toBe(0);
  return { dir, env };
}

describe.skipIf(!available)('an agent waiting for input, on the board', () => {
  const sessions: TmuxSession[] = [];
  afterAll(async () => {
    for (const session of sessions) await session.kill();
  });

  it('badge, bell, the earlier question in the terminal view and attach; the answer gets through', async () => {
    const { dir, env } = await project();
    const tmux = await startTmux({ cwd: dir, width: 120, height: 35, env });
    sessions.push(tmux);
    await tmux.type('echo shell-ready');
    await tmux.waitForText(/^shell-ready$/m);
    await tmux.type(`${cli} run --parallel 1 --max-retries 0; echo "exit=$?"`);

    const waiting = await tmux.waitForText(/\? \S+ waits for input on ask-1/, 60_000);
    expect(waiting).toMatch(/ask-1 +Asks before writing +\? \S+ waits for input #1/);
    // tmux flags a bell in a window nobody is looking at (this session has no client).
    await waitFor(
      async () =>
        (
          await execa('tmux', ['-L', tmux.socketName, 'display', '-p', '-t', 'main:0', '#{window_bell_flag}'])
        ).stdout.trim() === '1',
      { timeoutMs: 10_000, intervalMs: 100, what: 'the bell flag of the window' },
    );

    // The question was printed before anyone watched the agent's terminal.
    await tmux.sendKeys('Tab');
    await tmux.waitForText(/▶ agents/);
    await tmux.sendKeys('l');
    const view = await tmux.waitForText(
      (screen) => screen.includes('· terminal') && screen.includes(SIM_QUESTION),
    );
    // Its earlier output too, from the start of the attempt.
    expect(view).toContain('{"type":"init"');
    await tmux.sendKeys('l');
    await tmux.sendKeys('a');
    await tmux.waitForText((screen) => screen.includes('ctrl-] returns') && screen.includes(SIM_QUESTION));
    await tmux.sendKeys('y', 'Enter');
    await tmux.sendKeys('C-]');
    const end = await tmux.waitForText(/run ended \(done\)/, 60_000);
    expect(end).toMatch(/1\/1 done/);
    expect(end).not.toMatch(/waits for input/);
    await tmux.sendKeys('q');
    const after = await tmux.waitForText(/exit=\d+$/m);
    expect(after).toMatch(/exit=0$/m);
  }, 150_000);
});
