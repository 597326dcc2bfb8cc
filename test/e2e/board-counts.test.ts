/**
 * The board's counts agree with `nightshift status --json` on the same run, in a real terminal: a
 * run with a landed task, a blocked one, one whose agent waits for input and one waiting on it.
 * Header (agents n/limit, done/total, blocked) and the task groups say what status says.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { boardProject, boardShell, cli } from '../support/board-e2e.js';
import { runCli } from '../support/cli.js';
import { cleanupProjects, simTask, simWrite } from '../support/engine-fixtures.js';
import { tmuxAvailable, type TmuxSession } from '../support/tmux.js';

const available = await tmuxAvailable();

interface StatusJson {
  readonly engine: { readonly run: { readonly parallel: number } } | null;
  readonly counts: Readonly<Record<'pending' | 'running' | 'verifying' | 'done' | 'blocked', number>>;
  readonly total: number;
  readonly agents: readonly { readonly role: string; readonly state: string }[];
}

describe.skipIf(!available)('counts on the board and in status', () => {
  const sessions: TmuxSession[] = [];
  afterAll(async () => {
    for (const session of sessions) await session.kill();
    await cleanupProjects();
  });

  it('agree on done, running, blocked, pending and agents n/limit', async () => {
    const project = await boardProject([
      simTask('done-1', simWrite('one.txt', 'ok'), ['test -f one.txt']),
      simTask('bad-2', simWrite('wrong.txt', 'no'), ['test -f right.txt']),
      simTask('ask-3', `sim: ask\n${simWrite('answered.txt', 'yes')}`, ['test -f answered.txt']),
      simTask('later-4', simWrite('later.txt', 'ok'), ['test -f later.txt'], { depends_on: ['ask-3'] }),
    ]);
    const { dir, env } = project;
    const tmux = await boardShell(sessions, project, 120, 35);
    await tmux.type(`${cli} run --parallel 3 --max-retries 0; echo "exit=$?"`);
    // Every frame on the way, starts included: "agents n/3" counts the slots in use, the tasks the
    // task pane shows under "running / verifying" (starting, with an agent, or at the gate). Whether a
    // capture catches the short "starting #n" moment depends on the machine's load: the canned frames
    // of test/ui/board-frames.test.tsx show it for certain.
    const frames: string[] = [];
    const screen = await tmux.waitForText((text) => {
      if (/agents \d+\/3/.test(text)) frames.push(text);
      return /waits for input on ask-3/.test(text) && /✓ done-1/.test(text) && /✗ bad-2/.test(text);
    }, 60_000);
    for (const frame of frames) {
      const header = Number(/agents (\d+)\/3/.exec(frame)?.[1]);
      const group = Number(/^running \/ verifying \((\d+)\)/m.exec(frame)?.[1] ?? 0);
      expect(header, `agents in the header against the task pane:\n${frame}`).toBe(group);
    }
    const status = await runCli(['status', '--json'], { cwd: dir, env });
    expect(status.exitCode, status.stderr).toBe(0);
    const json = JSON.parse(status.stdout) as StatusJson;
    console.log(`counts at 120x35:\n${screen}\nstatus: ${JSON.stringify(json.counts)}`);
    expect(json.counts).toMatchObject({ done: 1, blocked: 1, running: 1, pending: 1 });
    const working = json.agents.filter((agent) => agent.role === 'coding' && agent.state !== 'exited');
    expect(screen).toMatch(new RegExp(`agents ${working.length}/${json.engine?.run.parallel ?? -1}\\b`));
    expect(screen).toMatch(new RegExp(`${json.counts.done}/${json.total} done`));
    expect(screen).toMatch(new RegExp(`· ${json.counts.blocked} blocked`));
    const group = (name: string): number =>
      Number(new RegExp(`^${name} \\((\\d+)\\)`, 'm').exec(screen)?.[1]);
    expect(group('done')).toBe(json.counts.done);
    expect(group('blocked')).toBe(json.counts.blocked);
    expect(group('running / verifying')).toBe(json.counts.running + json.counts.verifying);
    expect(group('pending')).toBe(json.counts.pending);
    await tmux.sendKeys('Q');
    await tmux.sendKeys('y');
    await tmux.waitForText(/exit=\d+$/m, 60_000);
  }, 150_000);
});
