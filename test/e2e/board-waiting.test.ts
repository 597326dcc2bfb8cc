/**
 * An agent that asks a question before anyone watches, in a real terminal: the board shows a
 * waiting badge and the task's mark, rings the terminal's bell, and both the terminal view (`l`)
 * and attach (`a`) show the question the agent printed earlier (the engine replays its screen);
 * the answer typed while attached reaches the agent, whose task then passes.
 */
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { SIM_QUESTION } from '../../source/agents/sim.js';
import { boardProject, boardShell, cli, type BoardProject } from '../support/board-e2e.js';
import { cleanupProjects, simTask, simWrite, waitFor } from '../support/engine-fixtures.js';
import { tmuxAvailable, type TmuxSession } from '../support/tmux.js';

const available = await tmuxAvailable();

/** One task whose agent asks before it writes. */
function project(): Promise<BoardProject> {
  const description = ['sim: run echo reading the config', 'sim: ask', simWrite('answered.txt', 'yes')].join(
    '\n',
  );
  return boardProject([
    simTask('ask-1', description, ['test -f answered.txt'], { title: 'Asks before writing' }),
  ]);
}

describe.skipIf(!available)('an agent waiting for input, on the board', () => {
  const sessions: TmuxSession[] = [];
  afterAll(async () => {
    for (const session of sessions) await session.kill();
    await cleanupProjects();
  });

  it('badge, bell, the earlier question in the terminal view and attach; the answer gets through', async () => {
    const tmux = await boardShell(sessions, await project(), 120, 35);
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
