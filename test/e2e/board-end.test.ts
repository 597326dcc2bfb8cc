/**
 * The end of a run and text of any width, in a real terminal: a sim run whose tasks have CJK,
 * emoji and tab titles ends with one task blocked; the board stays on its final state (summary,
 * blocked task and reason, next commands) past the client's reconnect timeout with no connection
 * alarm, every row fits the terminal, and `q` leaves with the run's exit code. Without a board the
 * last line names the blocked task.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import stringWidth from 'string-width';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath, runCli, tempDir, tempGitRepo } from '../support/cli.js';
import { shellReady, startTmux, tmuxAvailable, type TmuxSession } from '../support/tmux.js';

const available = await tmuxAvailable();
const cli = `node ${cliPath}`;
/** The board's client gives up reconnecting after this long (NIGHTSHIFT_RECONNECT_TIMEOUT_MS). */
const RECONNECT_MS = 1500;

const TITLES = {
  'wide-1': '日本語のタイトル 漢字テスト',
  'emoji-2': 'ship 🚀 it ✔️ done',
  'tab-3': 'tab\there',
} as const;

async function project(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await tempGitRepo('nightshift-board-end-');
  const env = {
    XDG_STATE_HOME: await tempDir('nightshift-board-end-state-'),
    NO_COLOR: '1',
    NIGHTSHIFT_RECONNECT_TIMEOUT_MS: String(RECONNECT_MS),
  };
  expect((await runCli(['init', '--use', 'sim'], { cwd: dir, env })).exitCode).toBe(0);
  const planFile = path.join(dir, '..', `${path.basename(dir)}-plan.json`);
  const passing = Object.entries(TITLES).map(([id, title]) => ({
    id,
    title,
    description: `sim: delay 200\nsim: write ${id}.txt <<<\nok\n>>>`,
    verification: { validate_commands: [`test -f ${id}.txt`] },
  }));
  await writeFile(
    planFile,
    JSON.stringify({
      tasks: [
        ...passing,
        {
          id: 'bad-4',
          title: 'Always fails',
          description: 'sim: delay 200\nsim: fail-attempts 9',
          verification: { validate_commands: ['true'] },
        },
      ],
    }),
  );
  const imported = await runCli(['task', 'import', planFile], { cwd: dir, env });
  expect(imported.exitCode, imported.stderr).toBe(0);
  return { dir, env };
}

describe.skipIf(!available)('the end of a run on the board', () => {
  const sessions: TmuxSession[] = [];
  afterAll(async () => {
    for (const session of sessions) await session.kill();
  });

  it('holds the final state past the reconnect timeout, with a summary; every row fits', async () => {
    const { dir, env } = await project();
    const tmux = await startTmux({ cwd: dir, width: 120, height: 35, env });
    sessions.push(tmux);
    await shellReady(tmux);
    await tmux.type(`${cli} run --max-retries 0 --parallel 2; echo "exit=$?"`);
    const end = await tmux.waitForText(
      (screen) => screen.includes('run ended (blocked)') && screen.includes('nightshift task retry bad-4'),
      60_000,
    );
    expect(end).toMatch(/run blocked · 3\/4 done · 1 blocked/);
    expect(end).toMatch(/✗ bad-4 Always fails — /);
    // The engine has exited; watch the board for longer than the client's reconnect timeout.
    const watchedUntil = Date.now() + 3 * RECONNECT_MS;
    let screen = end;
    while (Date.now() < watchedUntil) {
      screen = await tmux.capture();
      expect(screen).not.toMatch(/connection (lost|closed)|exit=/);
      expect(screen).toContain('run ended (blocked)');
    }
    console.log(`end of a run at 120x35:\n${screen}`);
    const rows = screen.split('\n');
    for (const row of rows) expect(stringWidth(row), row).toBeLessThanOrEqual(120);
    // No drift: the header is on the first row, the footer on the last row of the frame.
    expect(rows[0]).toMatch(/^nightshift · /);
    expect(rows[33]).toMatch(/^q leave .*\? (help|more) *$/);
    expect(screen).toContain('日本語のタイトル 漢字テスト');
    expect(screen).toContain('ship 🚀 it ✔ done');
    expect(screen).toContain('tab  here');

    await tmux.sendKeys('q');
    const after = await tmux.waitForText(/exit=\d+$/m);
    expect(after).toContain('run blocked: 3/4 tasks done, 1 blocked');
    expect(after).toMatch(/exit=2$/m);
  }, 120_000);

  it('run --no-ui ends with a line naming the blocked tasks', async () => {
    const { dir, env } = await project();
    const result = await runCli(['run', '--no-ui', '--max-retries', '0', '--parallel', '2'], {
      cwd: dir,
      env,
      timeoutMs: 90_000,
    });
    expect(result.exitCode, result.stderr).toBe(2);
    const last = result.stdout.trim().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^blocked: bad-4 \(.+\) · retry with `nightshift task retry bad-4`/);
  }, 120_000);
});
