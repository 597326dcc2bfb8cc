/**
 * The agent runner with a real pty and the built sim agent (run `npm run build` first): files the
 * sim writes, its failure modes, timeouts, attach input, killing escaped descendants, and the
 * completeness of the event record under node-pty's dropped-tail bug.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess, type StartAgentOptions } from '../../source/agents/agent-process.js';
import type { AgentCommand } from '../../source/agents/backend.js';
import { descendants, isAlive, taggedProcesses } from '../../source/agents/process-tree.js';
import { WRONG_MARKER } from '../../source/agents/sim-directives.js';
import { opencodeBackend } from '../../source/agents/opencode.js';
import { SIM_BANNER, SIM_QUESTION, createSimParser, simBackend } from '../../source/agents/sim.js';
import { piecesIn } from '../support/key-pieces.js';
import { waitFor } from '../support/wait.js';

let root: string;
let counter = 0;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ns-agent-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Attempt {
  readonly dir: string;
  readonly cwd: string;
  readonly logPath: string;
  readonly jsonlPath: string;
}

function newAttempt(): Attempt {
  counter += 1;
  const dir = path.join(root, `a${counter}`);
  const cwd = path.join(dir, 'work');
  mkdirSync(cwd, { recursive: true });
  return { dir, cwd, logPath: path.join(dir, 't1.1.log'), jsonlPath: path.join(dir, 't1.1.jsonl') };
}

/** Starts `command` as an agent (sim parser) in `attempt`, on a 100x30 pty. */
async function launch(
  attempt: Attempt,
  command: AgentCommand,
  extra: Partial<StartAgentOptions>,
): Promise<{ agent: AgentProcess; attempt: Attempt }> {
  const agent = await startAgent({
    command,
    backend: simBackend,
    logPath: attempt.logPath,
    jsonlPath: attempt.jsonlPath,
    cols: 100,
    rows: 30,
    ...extra,
  });
  return { agent, attempt };
}

async function startSim(
  prompt: string,
  attemptNo = 1,
  extra: Partial<StartAgentOptions> = {},
): Promise<{ agent: AgentProcess; attempt: Attempt }> {
  const attempt = newAttempt();
  const command = await simBackend.buildCommand({
    role: 'coding',
    prompt,
    cwd: attempt.cwd,
    attemptDir: attempt.dir,
    settings: { model: '', plan_model: '', extra_args: [], command: '' },
    policy: { mode: 'blocklist', blocked: [], allowed: [] },
    env: { NIGHTSHIFT_TASK_ID: 't1', NIGHTSHIFT_ATTEMPT: String(attemptNo), NIGHTSHIFT_RUN_ID: 'r1' },
    nightshiftCommand: ['nightshift'],
  });
  return launch(attempt, command, extra);
}

/** Runs `/bin/sh -c script` as an agent (sim parser) in `attempt` (a new one by default), on a 100x30 pty. */
async function startShell(
  script: string,
  extra: Partial<StartAgentOptions> = {},
  attempt = newAttempt(),
): Promise<{ agent: AgentProcess; attempt: Attempt }> {
  const command: AgentCommand = { file: '/bin/sh', args: ['-c', script], env: {}, cwd: attempt.cwd };
  return launch(attempt, command, extra);
}

/** Process group and session of `pid`, read from /proc/PID/stat (the fields after the name). */
function processIds(pid: number): { readonly pgrp: number; readonly session: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(pgrp), session: Number(session) };
}

/** Nothing of the agent is alive: neither its leader nor anything carrying its tag. */
function assertGone(agent: AgentProcess): void {
  expect(isAlive(agent.pid)).toBe(false);
  expect(taggedProcesses(agent.tag)).toEqual([]);
}

describe('startAgent with the sim agent', () => {
  it('runs the agent as the leader of its own session and process group', async () => {
    const { agent } = await startSim('sim: hang');
    // node-pty's child calls setsid() just before exec: until the sim prints, /proc may still show
    // the parent's group and session (CI read pgrp of the test worker, session 0, at load 10).
    await waitFor(() => agent.screen().includes(SIM_BANNER), 'the sim banner', 60_000);
    expect(processIds(agent.pid)).toMatchObject({ pgrp: agent.pid, session: agent.pid });
    await agent.stop();
    assertGone(agent);
  });

  it('writes, appends and runs, and records every event', async () => {
    const prompt = [
      'Make notes.',
      'sim: write notes/a.txt <<<',
      'alpha',
      '>>>',
      'sim: append notes/a.txt <<<',
      'beta',
      '>>>',
      'sim: run ls notes > listing.txt',
    ].join('\n');
    const { agent, attempt } = await startSim(prompt);
    const events: string[] = [];
    agent.on('event', (event) => events.push(event.type));
    const result = await agent.result;
    expect(result).toMatchObject({
      reason: 'exit',
      exitCode: 0,
      ok: true,
      costUsd: 0,
      finalText: 'Done (simulated): 2 file write(s), 1 command(s).',
    });
    expect(result.tokensIn).toBeGreaterThan(1000);
    expect(result.sessionId).toMatch(/^sim-r1-t1-1-/);
    expect(readFileSync(path.join(attempt.cwd, 'notes/a.txt'), 'utf8')).toBe('alpha\nbeta\n');
    expect(readFileSync(path.join(attempt.cwd, 'listing.txt'), 'utf8')).toBe('a.txt\n');
    expect(events[0]).toBe('init');
    expect(events.at(-1)).toBe('result');
    expect(events.filter((type) => type === 'tool-call')).toHaveLength(3);
    expect(result.eventCount).toBe(events.length);
    // The .log holds the terminal bytes: the banner (stderr) and the JSON lines (stdout via tee).
    const log = readFileSync(attempt.logPath, 'utf8');
    expect(log).toContain(SIM_BANNER);
    expect(readFileSync(attempt.jsonlPath, 'utf8')).not.toContain(SIM_BANNER);
    assertGone(agent);
  });

  it('fails attempts up to fail-attempts without writing, then succeeds', async () => {
    const prompt = 'sim: fail-attempts 2\nsim: write out.txt <<<\nok\n>>>';
    const first = await startSim(prompt, 2);
    const failed = await first.agent.result;
    expect(failed).toMatchObject({ reason: 'exit', exitCode: 1, ok: false });
    expect(failed.finalText).toContain('Simulated failure on attempt 2');
    expect(existsSync(path.join(first.attempt.cwd, 'out.txt'))).toBe(false);

    const third = await startSim(prompt, 3);
    expect(await third.agent.result).toMatchObject({ exitCode: 0, ok: true });
    expect(readFileSync(path.join(third.attempt.cwd, 'out.txt'), 'utf8')).toBe('ok\n');
  });

  it('writes deliberately wrong content on attempts up to wrong-attempts', async () => {
    const prompt = 'sim: wrong-attempts 1\nsim: write calc.py <<<\ndef add(a, b):\n    return a + b\n>>>';
    const wrong = await startSim(prompt, 1);
    expect(await wrong.agent.result).toMatchObject({ exitCode: 0, ok: true });
    expect(readFileSync(path.join(wrong.attempt.cwd, 'calc.py'), 'utf8')).toBe(
      `def add(a, b):\n${WRONG_MARKER}\n`,
    );

    const right = await startSim(prompt, 2);
    await right.agent.result;
    expect(readFileSync(path.join(right.attempt.cwd, 'calc.py'), 'utf8')).toBe(
      'def add(a, b):\n    return a + b\n',
    );
  });

  it('refuses a path outside the working directory with an error result', async () => {
    const { agent } = await startSim('sim: write ../escape.txt <<<\nx\n>>>');
    const result = await agent.result;
    expect(result).toMatchObject({ exitCode: 1, ok: false });
    expect(result.finalText).toContain('Refused');
  });

  it('stops a hung agent at the idle timeout and leaves no process behind', async () => {
    const { agent } = await startSim('sim: hang', 1, {
      idleTimeoutMs: 600,
      classifyIntervalMs: 50,
      graceMs: 1000,
    });
    const states: string[] = [];
    agent.on('state', (state) => states.push(state));
    const result = await agent.result;
    expect(result.reason).toBe('idle');
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBeNull();
    expect(states.at(-1)).toBe('exited');
    assertGone(agent);
  });

  it('stops at the wall-clock timeout', async () => {
    const { agent } = await startSim('sim: spam 20 30', 1, { timeoutMs: 700, graceMs: 500 });
    const result = await agent.result;
    expect(result.reason).toBe('timeout');
    assertGone(agent);
  });

  it('takes an answer typed into the terminal (attach)', async () => {
    const { agent, attempt } = await startSim('sim: ask\nsim: write answered.txt <<<\nyes\n>>>', 1, {
      classifyIntervalMs: 50,
    });
    await waitFor(() => agent.state() === 'waiting-input', 'waiting-input', 10_000);
    expect(agent.screen()).toContain(SIM_QUESTION);
    agent.write('y\r');
    expect(await agent.result).toMatchObject({ exitCode: 0, ok: true });
    expect(readFileSync(path.join(attempt.cwd, 'answered.txt'), 'utf8')).toBe('yes\n');
  });

  it('exits 1 when the answer is not yes', async () => {
    const { agent, attempt } = await startSim('sim: ask\nsim: write answered.txt <<<\nyes\n>>>', 1, {
      classifyIntervalMs: 50,
    });
    await waitFor(() => agent.screen().includes(SIM_QUESTION), 'the question', 10_000);
    agent.write('n\r');
    expect(await agent.result).toMatchObject({ exitCode: 1, ok: false });
    expect(existsSync(path.join(attempt.cwd, 'answered.txt'))).toBe(false);
  });

  it('kills a setsid descendant that escaped the session, the group and the ppid tree', async () => {
    const prompt = `sim: run sh -c 'setsid sh -c "echo \\$\\$ > escaped.pid; exec sleep 300" &'\nsim: hang`;
    const { agent, attempt } = await startSim(prompt);
    const pidFile = path.join(attempt.cwd, 'escaped.pid');
    await waitFor(
      () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'),
      'escaped.pid',
      10_000,
    );
    const escaped = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(
      () => readFileSync(`/proc/${escaped}/cmdline`, 'utf8').startsWith('sleep'),
      'exec sleep',
      5000,
    );
    expect(isAlive(escaped)).toBe(true);
    expect(processIds(escaped).session).toBe(escaped);
    expect(processIds(escaped).pgrp).not.toBe(agent.pid);
    // Escaped once the sh that started it has exited and it is reparented; under load that comes later.
    await waitFor(
      () => !descendants(agent.pid).includes(escaped),
      'the escaped process out of the ppid tree',
      30_000,
    );

    const result = await agent.stop();
    expect(result.reason).toBe('stopped');
    expect(isAlive(escaped)).toBe(false);
    assertGone(agent);
  });

  it('SIGKILLs what ignores SIGTERM once the grace period is over', async () => {
    // An ignored signal stays ignored across fork and exec, so the sleeps ignore it as well. HUP
    // too: when the wrapper (the session leader) dies, the kernel hangs up the terminal's group.
    const { agent, attempt } = await startShell('trap "" TERM HUP; echo ready; while :; do sleep 1; done', {
      graceMs: 300,
    });
    await waitFor(() => readFileSync(attempt.jsonlPath, 'utf8').includes('ready'), 'ready', 5000);
    const result = await agent.stop();
    expect(result.reason).toBe('stopped');
    assertGone(agent);
  });

  it('passes a resize to the terminal the agent sees', async () => {
    // `read` waits for a line so the resize lands first; stty reads the size of stdin, the pty.
    const { agent, attempt } = await startShell('read line; stty size');
    agent.resize(60, 10);
    agent.write('\r');
    expect(await agent.result).toMatchObject({ exitCode: 0 });
    expect(readFileSync(attempt.jsonlPath, 'utf8')).toBe('10 60\n');
    assertGone(agent);
  });
});

describe('a key typed into the terminal', () => {
  it('is masked in the log and in a later replay even when output lands between its keystrokes', async () => {
    const attempt = newAttempt();
    const body = `api03-${'T9y'.repeat(14)}`;
    const key = `sk-ant-${body}`;
    const go = path.join(attempt.dir, 'go');
    const done = path.join(attempt.dir, 'done');
    const wait = (file: string) => `while [ ! -e '${file}' ]; do sleep 0.05; done`;
    // The agent's record line reaches the terminal while the key is half typed, as a late tee's
    // did on a loaded machine: the echo is cut where no half matches a key pattern.
    const script = `printf 'Key? ' >&2; ${wait(go)}; echo '{"type":"text","text":"noise"}'; read line; echo "answered \${#line}" >&2; ${wait(done)}`;
    const { agent } = await startShell(script, {}, attempt);
    await waitFor(() => agent.screen().includes('Key?'), 'the question', 10_000);
    const cut = 18;
    for (const char of key.slice(0, cut)) agent.write(char);
    await waitFor(() => agent.screen().includes(key.slice(0, cut)), 'the first half echoed', 10_000);
    writeFileSync(go, '');
    await waitFor(() => agent.screen().includes('noise'), 'the record line', 10_000);
    for (const char of `${key.slice(cut)}\r`) agent.write(char);
    await waitFor(() => agent.screen().includes('answered'), 'the answer', 10_000);
    // A board that attaches now is sent the screen so far: the key's pieces are masked in it.
    let replay = '';
    const unwatch = agent.watch((data) => (replay += data));
    await waitFor(() => replay.includes('answered'), 'the replay', 10_000);
    unwatch();
    expect(replay).toContain('noise');
    expect(piecesIn(replay, body)).toEqual([]);
    writeFileSync(done, '');
    expect(await agent.result).toMatchObject({ exitCode: 0 });
    const log = readFileSync(attempt.logPath, 'utf8');
    expect(log).toContain(`answered ${key.length}`);
    expect(log).toContain('noise');
    expect(piecesIn(log, body)).toEqual([]);
  });
});

describe('record completeness (microsoft/node-pty#72)', () => {
  it('parses every line of a fast 20 KiB burst, 30 times out of 30', async () => {
    const lines = 200;
    // ~103 bytes a line: 200 lines ≈ 20 KiB, written at once and followed by an immediate exit.
    const script = `const pad='x'.repeat(60);let s='';for(let i=0;i<${lines};i++)s+=JSON.stringify({type:'text',text:'line '+String(i).padStart(5,'0')+' '+pad})+'\\n';process.stdout.write(s);`;
    let ptyComplete = 0;
    for (let run = 0; run < 30; run += 1) {
      const attempt = newAttempt();
      const command: AgentCommand = {
        file: process.execPath,
        args: ['-e', script],
        env: {},
        cwd: attempt.cwd,
      };
      const agent = await startAgent({
        command,
        backend: { createParser: createSimParser, classify: simBackend.classify },
        logPath: attempt.logPath,
        jsonlPath: attempt.jsonlPath,
      });
      let ptyText = '';
      agent.on('data', (data) => (ptyText += data));
      const result = await agent.result;
      expect(result.exitCode).toBe(0);
      expect(result.eventCount).toBe(lines);
      if ((ptyText.match(/"type":"text"/g) ?? []).length === lines) ptyComplete += 1;
    }
    console.info(`record complete 30/30; pty stream complete ${ptyComplete}/30`);
  });
});

describe('the cause of a failed exit', () => {
  /** A CLI printing opencode's stdout `lines` and exiting with `code`, parsed by opencode's parser. */
  async function runOpencodeLines(lines: readonly object[], code: number) {
    const attempt = newAttempt();
    const text = lines.map((line) => JSON.stringify(line)).join('\n');
    const agent = await startAgent({
      command: {
        file: process.execPath,
        args: ['-e', `process.stdout.write(${JSON.stringify(`${text}\n`)});process.exitCode=${code}`],
        env: {},
        cwd: attempt.cwd,
      },
      backend: opencodeBackend,
      logPath: attempt.logPath,
      jsonlPath: attempt.jsonlPath,
    });
    return agent.result;
  }
  const refused = {
    type: 'tool_use',
    sessionID: 'ses_1',
    part: {
      type: 'tool',
      tool: 'bash',
      callID: 'c1',
      state: {
        status: 'error',
        input: { command: 'cat /etc/hostname' },
        error: 'The user rejected permission to use this specific tool call.',
      },
    },
  };
  const usage = { type: 'step_finish', sessionID: 'ses_1', part: { tokens: { input: 5, output: 1 } } };

  it('is the refusal the CLI ended its session on, in its words', async () => {
    const result = await runOpencodeLines([refused, usage], 1);
    expect(result.ok).toBe(false);
    expect(result.endedOn).toBe(
      'opencode refused cat /etc/hostname: opencode refused a path outside the worktree (The user rejected permission to use this specific tool call.)',
    );
  });

  it('is not a refusal the agent went on from', async () => {
    const went = {
      type: 'text',
      sessionID: 'ses_1',
      part: { type: 'text', text: 'Reading it another way.' },
    };
    const result = await runOpencodeLines([refused, went], 1);
    expect(result.ok).toBe(false);
    expect(result.endedOn).toBeUndefined();
    expect(result.finalText).toBe('Reading it another way.');
  });
});
