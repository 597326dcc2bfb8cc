/**
 * A task added through the board's new-task form during a sim run, in a real terminal: the step
 * typed in the form (`sim: run …`) reaches the sim as a directive (the prompt lists it as "1. sim:
 * …"), the task runs, passes its gate and lands, and `task show` shows it done.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { boardProject, boardShell, cli } from '../support/board-e2e.js';
import { simTask } from '../support/engine-fixtures.js';
import { tmuxAvailable, type TmuxSession } from '../support/tmux.js';

const available = await tmuxAvailable();

describe.skipIf(!available)('the new-task form in a sim run', () => {
  const sessions: TmuxSession[] = [];
  afterAll(async () => {
    for (const session of sessions) await session.kill();
  });

  it('adds a task whose typed step the sim runs; it ends done and task show shows it', async () => {
    // The first task waits for an answer, which keeps the run going while the form is used.
    const project = await boardProject([
      simTask('ask-1', 'sim: ask\nsim: write answered.txt <<<\nyes\n>>>', ['test -f answered.txt']),
    ]);
    const tmux = await boardShell(sessions, project, 120, 35);
    await tmux.type(`${cli} run --parallel 2 --max-retries 0; echo "exit=$?"`);
    await tmux.waitForText(/waits for input on ask-1/, 60_000);

    await tmux.sendKeys('n');
    await tmux.waitForText('verify command:');
    await tmux.sendKeys('-l', 'Say hello');
    await tmux.sendKeys('Tab');
    await tmux.sendKeys('-l', 'sim: run echo hello > hello.txt');
    await tmux.sendKeys('Tab');
    await tmux.sendKeys('-l', 'grep -q hello hello.txt');
    await tmux.sendKeys('Enter');
    await tmux.waitForText('added task say-hello');
    const done = await tmux.waitForText(/✓ say-hello/, 90_000);
    expect(done).toMatch(/done \(1\)/);

    const shown = await project.cli(['task', 'show', 'say-hello']);
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/status:?\s+done/);
    expect(shown.stdout).toContain('sim: run echo hello > hello.txt');
    // Landed: the file is on the integration branch.
    expect(await project.git('show', 'main:hello.txt')).toBe('hello');

    await tmux.sendKeys('Q');
    await tmux.sendKeys('y');
    await tmux.waitForText(/exit=\d+$/m, 60_000);
  }, 180_000);
});
