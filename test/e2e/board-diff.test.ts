/**
 * The diff view in a real terminal: `d` on a done task shows its landed commit's diff (asked of the
 * running engine), `d` on a blocked task the patch its failed attempt wrote (after the run, read
 * from the kept attempt); it scrolls, and esc or q goes back to the board.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath, runCli, tempDir, tempGitRepo } from '../support/cli.js';
import { shellReady, startTmux, tmuxAvailable, type TmuxSession } from '../support/tmux.js';

const available = await tmuxAvailable();
const cli = `node ${cliPath}`;

async function project(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await tempGitRepo('nightshift-board-diff-');
  const env = { XDG_STATE_HOME: await tempDir('nightshift-board-diff-state-'), NO_COLOR: '1' };
  expect((await runCli(['init', '--use', 'sim'], { cwd: dir, env })).exitCode).toBe(0);
  const planFile = path.join(dir, '..', `${path.basename(dir)}-plan.json`);
  const lines = Array.from({ length: 60 }, (_, i) => `line ${i + 1} of the greeting`).join('\n');
  await writeFile(
    planFile,
    JSON.stringify({
      tasks: [
        {
          id: 'good-1',
          title: 'Writes a long greeting',
          description: `sim: write greeting.txt <<<\n${lines}\n>>>`,
          verification: { validate_commands: ['test -f greeting.txt'] },
        },
        {
          id: 'bad-2',
          title: 'Writes the wrong file',
          description: 'sim: write wrong.txt <<<\nnot what was asked\n>>>',
          verification: { validate_commands: ['test -f right.txt'] },
        },
        {
          id: 'ask-3',
          title: 'Asks before writing',
          description: ['sim: ask', 'sim: write answered.txt <<<', 'yes', '>>>'].join('\n'),
          verification: { validate_commands: ['test -f answered.txt'] },
        },
      ],
    }),
  );
  const imported = await runCli(['task', 'import', planFile], { cwd: dir, env });
  expect(imported.exitCode, imported.stderr).toBe(0);
  return { dir, env };
}

describe.skipIf(!available)('the diff view on the board', () => {
  const sessions: TmuxSession[] = [];
  afterAll(async () => {
    for (const session of sessions) await session.kill();
  });

  it('d shows a landed commit mid-run and a failed attempt after it; scrolls; esc and q go back', async () => {
    const { dir, env } = await project();
    const tmux = await startTmux({ cwd: dir, width: 100, height: 30, env });
    sessions.push(tmux);
    await shellReady(tmux);
    await tmux.type(`${cli} run --parallel 3 --max-retries 0; echo "exit=$?"`);
    // good-1 landed and bad-2 blocked while ask-3 waits for its answer: the run goes on.
    await tmux.waitForText(
      (screen) =>
        /waits for input on ask-3/.test(screen) && /✓ good-1/.test(screen) && /✗ bad-2/.test(screen),
      60_000,
    );

    await tmux.sendKeys('/');
    await tmux.sendKeys('good');
    await tmux.sendKeys('Enter', 'j', 'd');
    const landed = await tmux.waitForText(
      (screen) => screen.includes('diff good-1') && screen.includes('landed commit'),
    );
    expect(landed).toMatch(/^\+line 1 of the greeting$/m);
    expect(landed).toMatch(/greeting\.txt/);
    expect(landed).not.toMatch(/line 60 of the greeting/);
    // Scrolling reaches the end of the diff.
    for (let i = 0; i < 4; i++) await tmux.sendKeys('PageDown');
    const scrolled = await tmux.waitForText(/^\+line 60 of the greeting$/m);
    expect(scrolled).not.toMatch(/^\+line 1 of the greeting$/m);
    await tmux.sendKeys('Escape');
    await tmux.waitForText((screen) => !screen.includes('diff good-1') && screen.includes('waits for input'));

    // Answer the question so that the run ends.
    // One key at a time: Escape and Tab in one read can parse as one key (alt+Tab).
    await tmux.sendKeys('Escape');
    await tmux.waitForText((screen) => !screen.includes('filter: good'));
    await tmux.sendKeys('Tab');
    await tmux.waitForText(/▶ agents/);
    await tmux.sendKeys('a');
    await tmux.waitForText(/ctrl-\] returns/);
    await tmux.sendKeys('y', 'Enter');
    await tmux.sendKeys('C-]');
    await tmux.waitForText(/run ended \(blocked\)/, 60_000);

    // After the run, the failed attempt's patch.
    await tmux.sendKeys('BTab');
    await tmux.waitForText(/▶ tasks/);
    await tmux.sendKeys('/');
    await tmux.sendKeys('bad');
    await tmux.sendKeys('Enter', 'j', 'd');
    const failed = await tmux.waitForText(
      (screen) => screen.includes('diff bad-2') && /attempt 1 — failed/.test(screen),
    );
    console.log(`the diff view at 100x30:\n${failed}`);
    expect(failed).toMatch(/wrong\.txt/);
    expect(failed).toMatch(/^\+not what was asked$/m);
    await tmux.sendKeys('q');
    const back = await tmux.waitForText(
      (screen) => !screen.includes('diff bad-2') && /run ended/.test(screen),
    );
    expect(back).not.toMatch(/exit=/);
    await tmux.sendKeys('q');
    const after = await tmux.waitForText(/exit=\d+$/m);
    expect(after).toMatch(/exit=2$/m);
  }, 150_000);
});
