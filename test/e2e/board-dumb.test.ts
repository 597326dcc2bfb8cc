/**
 * TERM=dumb (Emacs shell, some CI consoles) gets line mode in a real terminal: `run` prints a plain
 * line per event, never enters the alternate screen and never moves the cursor.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { boardProject, cli } from '../support/board-e2e.js';
import { tempDir } from '../support/cli.js';
import { cleanupProjects, simTask, simWrite, waitFor } from '../support/engine-fixtures.js';
import { shellReady, startTmux, tmuxAvailable, type TmuxSession } from '../support/tmux.js';

const available = await tmuxAvailable();
const ESC = String.fromCharCode(27);

describe.skipIf(!available)('TERM=dumb', () => {
  const sessions: TmuxSession[] = [];
  afterAll(async () => {
    for (const session of sessions) await session.kill();
    await cleanupProjects();
  });

  it('run prints a line per event: no alternate screen, no cursor moves', async () => {
    const project = await boardProject([simTask('one-1', simWrite('one.txt', 'ok'), ['test -f one.txt'])]);
    const tmux = await startTmux({ cwd: project.dir, width: 100, height: 30, env: project.env });
    sessions.push(tmux);
    const raw = path.join(await tempDir('nightshift-board-dumb-raw-'), 'pane.bytes');
    await shellReady(tmux);
    // Every byte the pane receives from here on.
    await execa('tmux', ['-L', tmux.socketName, 'pipe-pane', '-t', tmux.target, `cat > ${raw}`]);
    await tmux.type(`TERM=dumb ${cli} run; echo "exit=$?"`);
    let alternate = false;
    await waitFor(
      async () => {
        const flag = await execa('tmux', [
          '-L',
          tmux.socketName,
          'display',
          '-p',
          '-t',
          tmux.target,
          '#{alternate_on}',
        ]);
        if (flag.stdout.trim() === '1') alternate = true;
        return /exit=\d+$/m.test(await tmux.capture());
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the run to end' },
    );
    expect(alternate).toBe(false);
    const screen = await tmux.capture();
    expect(screen).toMatch(/^\d\d:\d\d:\d\d .*one-1 done/m);
    expect(screen).toMatch(/exit=0$/m);
    await execa('tmux', ['-L', tmux.socketName, 'pipe-pane', '-t', tmux.target]);
    const bytes = await readFile(raw, 'utf8');
    const fromRun = bytes.slice(bytes.indexOf('TERM=dumb'));
    expect(fromRun).toContain('one-1 done');
    // No alternate screen, no cursor addressing or erasing: escapes of any kind are absent.
    expect(fromRun).not.toMatch(new RegExp(`${ESC}\\[\\?1049|${ESC}\\[[\\d;]*[ABCDHJKfGd]`));
  }, 120_000);
});
