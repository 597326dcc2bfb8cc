/**
 * The board as a person uses it, in a real terminal: `nightshift run` inside tmux on a sim plan,
 * the keys of DESIGN.md §7 (help, panes, detail, attach to an agent's terminal and back), `q`
 * leaving the board while the run goes on, `nightshift attach` from another window showing it again,
 * and the board at 80x24. Every wait polls the screen with a deadline; nothing sleeps a fixed time.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli, tempDir, tempGitRepo } from '../support/cli.js';
import { engineGone, stopEngine } from '../support/engine-fixtures.js';
import { shellReady, startTmux, tmuxAvailable, type TmuxSession } from '../support/tmux.js';

const TASKS = [
  { id: 'lexer-1', title: 'Write the lexer', deps: [] },
  { id: 'parser-2', title: 'Write the parser', deps: [] },
  { id: 'eval-3', title: 'Evaluate expressions', deps: ['lexer-1', 'parser-2'] },
  { id: 'repl-4', title: 'An interactive prompt', deps: ['eval-3'] },
] as const;

/** Tasks slow enough (~12 s each) that agents are always running while keys are pressed. */
function plan(): string {
  return JSON.stringify({
    project: 'calc',
    tasks: TASKS.map((task) => ({
      id: task.id,
      title: task.title,
      depends_on: task.deps,
      description: [
        `Simulated work for ${task.id}.`,
        'sim: delay 3000',
        `sim: run echo compiling ${task.id}`,
        `sim: write ${task.id}.txt <<<`,
        task.title,
        '>>>',
        `sim: run echo tests pass for ${task.id}`,
      ].join('\n'),
      verification: { validate_commands: [`test -f ${task.id}.txt`] },
    })),
  });
}

/** What the simulated agent prints on its terminal: its banner, or its JSON record lines. */
const SIM_OUTPUT = /simulated — no model|"type":"(init|text|usage|tool_use|tool_result)"/;

const available = await tmuxAvailable();
const cli = `node ${cliPath}`;

describe.skipIf(!available)('the board in tmux', () => {
  let dir: string;
  let env: Record<string, string>;
  const sessions: TmuxSession[] = [];

  beforeAll(async () => {
    dir = await tempGitRepo('nightshift-board-');
    env = { XDG_STATE_HOME: await tempDir('nightshift-board-state-'), NO_COLOR: '1' };
    expect((await runCli(['init', '--use', 'sim'], { cwd: dir, env })).exitCode).toBe(0);
    const planFile = path.join(dir, '..', `${path.basename(dir)}-plan.json`);
    await writeFile(planFile, plan());
    const imported = await runCli(['task', 'import', planFile], { cwd: dir, env });
    expect(imported.exitCode, imported.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const session of sessions) await session.kill();
    // Whatever happened above, leave no engine behind (it writes into the folder being removed).
    if (dir) await stopEngine(dir, env);
  });

  async function shell(width: number, height: number): Promise<TmuxSession> {
    const session = await startTmux({ cwd: dir, width, height, env });
    sessions.push(session);
    await shellReady(session);
    return session;
  }

  const boardShown = (screen: string): boolean =>
    screen.includes('nightshift') && TASKS.every((task) => screen.includes(task.id));

  it('runs, answers its keys, leaves with q while the run goes on, and attach shows it again', async () => {
    const tmux = await shell(120, 35);
    // The exit code is printed by the same command line: keys typed while the CLI is still
    // exiting would go to it, not to the shell.
    await tmux.type(`${cli} run --parallel 2; echo "exit=$?"`);
    // The header names the simulated backend once; agent rows do not repeat it.
    const first = await tmux.waitForText((screen) => boardShown(screen) && /simulated/.test(screen), 30_000);
    expect(first).toMatch(/\d+\/4 done/);

    // ? opens the help generated from the key table; ? closes it again.
    await tmux.sendKeys('?');
    await tmux.waitForText('show or hide this help');
    await tmux.sendKeys('?');
    await tmux.waitForText((screen) => !screen.includes('show or hide this help') && boardShown(screen));

    // An agent must be running for the pane switch, the detail and attach to have a subject.
    await tmux.waitForText(/▸? +\S+ +\S+#1 /, 20_000);
    await tmux.sendKeys('Tab');
    await tmux.waitForText(/▶ agents/);
    await tmux.sendKeys('Enter');
    const detail = await tmux.waitForText(
      (screen) => screen.includes('verification') && screen.includes('attempts'),
    );
    expect(detail).toMatch(/\$ test -f \S+\.txt/);
    await tmux.sendKeys('Escape');
    await tmux.waitForText((screen) => !screen.includes('verification') && boardShown(screen));

    // a: the agent's own terminal, with the simulated agent's banner; ctrl-] comes back.
    await tmux.sendKeys('a');
    const attached = await tmux.waitForText(
      (screen) => screen.includes('ctrl-] returns') && SIM_OUTPUT.test(screen),
    );
    expect(attached).toMatch(/attached/);
    await tmux.sendKeys('C-]');
    await tmux.waitForText((screen) => !screen.includes('ctrl-] returns') && boardShown(screen));

    // q leaves the board: the shell is back with one line saying how to return; exit code 0.
    await tmux.sendKeys('q');
    const left = await tmux.waitForText(/exit=\d+$/m);
    expect(left).toContain('the run goes on');
    expect(left).toContain('nightshift attach');
    expect(left).toMatch(/exit=0$/m);

    // The engine did not notice: it still runs, and another terminal can open its board.
    const status = await runCli(['status', '--json'], { cwd: dir, env });
    const engine = (JSON.parse(status.stdout) as { engine: { pid: number } | null }).engine;
    expect(engine, status.stdout).not.toBeNull();
    const running = JSON.parse((await runCli(['ls', '--json'], { env })).stdout) as {
      root: string;
      pid: number;
    }[];
    expect(running).toEqual([expect.objectContaining({ root: dir, pid: engine?.pid })]);
    const second = await tmux.newWindow(dir);
    await shellReady(second);
    await second.type(`${cli} attach`);
    const again = await second.waitForText(
      (screen) => boardShown(screen) && /\d+\/4 done/.test(screen),
      20_000,
    );
    console.log(`board at 120x35 (nightshift attach):\n${again}`);
    await second.sendKeys('q');
    await second.waitForText('the run goes on');

    // The smallest supported terminal.
    const small = await shell(80, 24);
    await small.type(`${cli} attach --readonly`);
    const tiny = await small.waitForText((screen) => boardShown(screen), 20_000);
    console.log(`board at 80x24 (nightshift attach --readonly):\n${tiny}`);
    const rows = tiny.split('\n');
    expect(rows.length).toBeLessThanOrEqual(24);
    for (const row of rows) expect(row.length, row).toBeLessThanOrEqual(80);
    await small.sendKeys('q');
    await small.waitForText('the run goes on');

    // stop ends the run; the engine's lock and registry entry go with it.
    const stopped = await runCli(['stop'], { cwd: dir, env });
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    await engineGone(dir, env);
    const listed = JSON.parse((await runCli(['ls', '--json'], { env })).stdout) as unknown[];
    expect(listed).toEqual([]);
  }, 120_000);

  it("exits with the run's code when the run ends while the board watches", async () => {
    const short = await tempGitRepo('nightshift-board-short-');
    expect((await runCli(['init', '--use', 'sim'], { cwd: short, env })).exitCode).toBe(0);
    const planFile = path.join(short, '..', `${path.basename(short)}-plan.json`);
    await writeFile(
      planFile,
      JSON.stringify({
        tasks: [
          {
            id: 'ok-1',
            title: 'Passes',
            description: 'sim: delay 300\nsim: write ok.txt <<<\nok\n>>>',
            verification: { validate_commands: ['test -f ok.txt'] },
          },
          {
            id: 'bad-2',
            title: 'Always fails',
            description: 'sim: delay 300\nsim: fail-attempts 9',
            verification: { validate_commands: ['true'] },
          },
        ],
      }),
    );
    expect((await runCli(['task', 'import', planFile], { cwd: short, env })).exitCode).toBe(0);
    const tmux = await startTmux({ cwd: short, width: 100, height: 30, env });
    sessions.push(tmux);
    await shellReady(tmux);
    await tmux.type(`${cli} run --max-retries 0; echo "exit=$?"`);
    // The board stays on the final state until the person leaves it.
    await tmux.waitForText(
      (screen) => screen.includes('ok-1') && screen.includes('bad-2') && /1\/2 done/.test(screen),
      30_000,
    );
    await tmux.waitForText(/ended/, 30_000);
    await tmux.sendKeys('q');
    const after = await tmux.waitForText(/exit=\d+$/m);
    expect(after).toContain('run blocked: 1/2 tasks done, 1 blocked');
    expect(after).toMatch(/exit=2$/m);
  }, 90_000);
});
