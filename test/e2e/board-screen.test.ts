/**
 * The board at 80x24 in a real terminal, as a person drives it: the first screen after Enter is
 * never blank, the footer ends with `? more` and help fits, `x` from the task pane names the agent
 * of the selected task (not the agents pane's selection), a burst of typed keys and a bracketed
 * paste reach the new-task form whole and add the task.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import stringWidth from 'string-width';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath, runCli, tempDir, tempGitRepo } from '../support/cli.js';
import { stopEngine } from '../support/engine-fixtures.js';
import { shellReady, startTmux, tmuxAvailable, type TmuxSession } from '../support/tmux.js';

const available = await tmuxAvailable();
const cli = `node ${cliPath}`;

/** Two slow tasks, so two agents work while keys are pressed. */
async function project(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await tempGitRepo('nightshift-board-screen-');
  const env = { XDG_STATE_HOME: await tempDir('nightshift-board-screen-state-'), NO_COLOR: '1' };
  expect((await runCli(['init', '--use', 'sim'], { cwd: dir, env })).exitCode).toBe(0);
  const planFile = path.join(dir, '..', `${path.basename(dir)}-plan.json`);
  const slow = (id: string, title: string): object => ({
    id,
    title,
    description: `sim: delay 4000\nsim: run echo working on ${id}\nsim: write ${id}.txt <<<\nok\n>>>`,
    verification: { validate_commands: [`test -f ${id}.txt`] },
  });
  await writeFile(
    planFile,
    JSON.stringify({ tasks: [slow('alpha-1', 'First slow task'), slow('beta-2', 'Second slow task')] }),
  );
  const imported = await runCli(['task', 'import', planFile], { cwd: dir, env });
  expect(imported.exitCode, imported.stderr).toBe(0);
  return { dir, env };
}

/** Types `text` as one burst of keys (tmux writes it in one go). */
async function literal(tmux: TmuxSession, text: string): Promise<void> {
  await execa('tmux', ['-L', tmux.socketName, 'send-keys', '-t', tmux.target, '-l', text]);
}

describe.skipIf(!available)('the board at 80x24', () => {
  const sessions: TmuxSession[] = [];
  let stopIn: { dir: string; env: Record<string, string> } | undefined;
  afterAll(async () => {
    for (const session of sessions) await session.kill();
    if (stopIn) await stopEngine(stopIn.dir, stopIn.env);
  });

  it('first frame, footer and help, x on the task pane, a burst and a paste in the form', async () => {
    const { dir, env } = await project();
    stopIn = { dir, env };
    const tmux = await startTmux({ cwd: dir, width: 80, height: 24, env });
    sessions.push(tmux);
    await shellReady(tmux, { clear: true });
    await tmux.type(`${cli} run --parallel 2`);
    // From Enter to the board, every screen shows something: the command, a starting frame
    // saying what it waits for, or the board.
    const deadline = Date.now() + 60_000;
    let screen = '';
    for (;;) {
      screen = await tmux.capture();
      expect(screen.trim(), 'a blank screen after Enter').not.toBe('');
      if (/tasks \(2\)/.test(screen) && /agents 2\/2/.test(screen)) break;
      expect(Date.now(), screen).toBeLessThan(deadline);
    }
    const rows = screen.split('\n');
    for (const row of rows) expect(stringWidth(row), row).toBeLessThanOrEqual(80);
    const footer = rows[22] ?? '';
    expect(footer).toMatch(/^q leave {2}tab pane {2}j\/k move/);
    expect(footer.trimEnd()).toMatch(/\? more$/);

    // Help fits: every section and the last binding are on the screen at once.
    await tmux.sendKeys('?');
    const help = await tmux.waitForText('keys — esc or ? closes');
    for (const text of ['show or hide this help', 'block a task (reason)', 'redraw the screen', 'next field'])
      expect(help).toContain(text);
    await tmux.sendKeys('Escape');
    await tmux.waitForText((text) => !text.includes('keys — esc') && text.includes('tasks (2)'));

    // Select the second agent in the agents pane, go back to the task pane, pick the other task's
    // row: x names that task's agent.
    await tmux.sendKeys('Tab');
    // The header counts both agents before the pane lists them (load 10: "no agents running" there).
    await tmux.waitForText(
      (text) => /▶ agents/.test(text) && (text.match(/^[▸ ] \S+ +\S+#1/gm) ?? []).length >= 2,
    );
    await tmux.sendKeys('j');
    const agents = await tmux.capture();
    const picked = /▸ (\S+) +(\S+)#1/.exec(agents);
    expect(picked, agents).not.toBeNull();
    const otherTask = picked?.[2] === 'alpha-1' ? 'beta-2' : 'alpha-1';
    await tmux.sendKeys('BTab');
    await tmux.waitForText(/▶ tasks/);
    // j/k until the other task's row is selected.
    for (let i = 0; i < 3 && !new RegExp(`▸ ● ${otherTask}`).test(await tmux.capture()); i += 1)
      await tmux.sendKeys(i === 0 ? 'k' : 'j');
    await tmux.waitForText(new RegExp(`▸ ● ${otherTask}`));
    await tmux.sendKeys('x');
    const confirm = await tmux.waitForText(/y\/n stop/);
    expect(confirm).toMatch(
      new RegExp(`stop \\S+ on ${otherTask} #1\\? the attempt fails; the task restarts`),
    );
    expect(confirm).not.toContain(`stop ${picked?.[1] ?? '?'} on`);
    await tmux.sendKeys('n');
    await tmux.waitForText((text) => !text.includes('y/n stop'));

    // The form: the title typed as one burst, the step pasted (bracketed), the check typed.
    await tmux.sendKeys('n');
    await tmux.waitForText('verify command');
    await literal(tmux, 'Made from the board');
    await tmux.sendKeys('Tab');
    await execa('tmux', ['-L', tmux.socketName, 'set-buffer', 'sim: run touch made.txt']);
    await execa('tmux', ['-L', tmux.socketName, 'paste-buffer', '-p', '-t', tmux.target]);
    await tmux.sendKeys('Tab');
    await literal(tmux, 'test -f made.txt');
    const form = await tmux.waitForText('test -f made.txt');
    expect(form).toContain('Made from the board');
    expect(form).toContain('sim: run touch made.txt');
    await tmux.sendKeys('Enter');
    await tmux.waitForText('added task made-from-the-board');
    await tmux.waitForText(/made-from-the-b\S* +Made from the board/);
    await tmux.sendKeys('q');
    await tmux.waitForText(/the run goes on|tasks done/);
  }, 240_000);
});
