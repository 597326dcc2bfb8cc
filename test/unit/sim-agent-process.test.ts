/**
 * The agent runner against a scripted pty (no process): what it parses, emits and reports. The real
 * pty and the sim agent are exercised in test/integration/agent-process.test.ts.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startAgent } from '../../source/agents/agent-process.js';
import type { PtyExit, PtyProcess, SpawnPty } from '../../source/agents/pty.js';
import { simBackend } from '../../source/agents/sim.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'ns-fakepty-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A pid far above any pid_max: killTree's signals find nothing (ESRCH) and /proc has no entry.
const NO_SUCH_PID = 2_000_000_000;

interface FakePty extends PtyProcess {
  readonly typed: string[];
  readonly sizes: [number, number][];
  emitData: (data: string) => void;
  exit: (exit: PtyExit) => void;
  spawned?: { file: string; args: readonly string[]; env: Readonly<Record<string, string>> };
}

function fakePty(): { spawn: SpawnPty; pty: FakePty } {
  const dataListeners = new Set<(data: string) => void>();
  const exitListeners = new Set<(exit: PtyExit) => void>();
  const pty: FakePty = {
    pid: NO_SUCH_PID,
    typed: [],
    sizes: [],
    onData: (listener) => (dataListeners.add(listener), () => dataListeners.delete(listener)),
    onExit: (listener) => (exitListeners.add(listener), () => exitListeners.delete(listener)),
    write: (data) => pty.typed.push(data),
    resize: (cols, rows) => pty.sizes.push([cols, rows]),
    kill: () => undefined,
    emitData: (data) => dataListeners.forEach((listener) => listener(data)),
    exit: (exit) => exitListeners.forEach((listener) => listener(exit)),
  };
  const spawn: SpawnPty = (file, args, options) => {
    pty.spawned = { file, args, env: options.env };
    return Promise.resolve(pty);
  };
  return { spawn, pty };
}

describe('startAgent with a scripted pty', () => {
  it('wraps the command, parses the record file, and summarises the events', async () => {
    const dir = mkdtempSync(path.join(root, 'a-'));
    const jsonlPath = path.join(dir, 't.1.jsonl');
    const logPath = path.join(dir, 't.1.log');
    const { spawn, pty } = fakePty();
    const agent = await startAgent({
      command: { file: 'agent-cli', args: ['-p', 'hi'], env: { FOO: 'bar' }, cwd: dir },
      backend: simBackend,
      logPath,
      jsonlPath,
      spawn,
    });
    expect(pty.spawned?.file).toBe('/bin/sh');
    expect(pty.spawned?.args.slice(3)).toEqual(['agent-cli', '-p', 'hi']);
    expect(pty.spawned?.env).toMatchObject({
      FOO: 'bar',
      NIGHTSHIFT_RECORD_FILE: jsonlPath,
      NIGHTSHIFT_PROCESS_TAG: agent.tag,
    });

    // What tee would do: the record gets the lines (the last one without a newline), and the pty
    // shows only some of them, as when node-pty drops a fast process's tail.
    appendFileSync(
      jsonlPath,
      '{"type":"init","session_id":"s1","model":"sim","simulated":true,"attempt":1,"task_id":"t"}\n',
    );
    pty.emitData('{"type":"init"}\r\n');
    appendFileSync(
      jsonlPath,
      '{"type":"usage","input_tokens":10,"output_tokens":5,"cost_usd":0}\n{"type":"text","text":"hé',
    );
    appendFileSync(
      jsonlPath,
      'llo"}\n{"type":"result","ok":true,"text":"done","session_id":"s1","turns":1,"cost_usd":0.25}',
    );
    writeFileSync(jsonlPath.replace(/\.jsonl$/, '.exit'), '0\n');
    agent.write('y\r');
    agent.resize(90, 20);
    pty.exit({ exitCode: 0, signal: 0 });

    const result = await agent.result;
    expect(result).toMatchObject({
      reason: 'exit',
      exitCode: 0,
      ok: true,
      tokensIn: 10,
      tokensOut: 5,
      costUsd: 0.25,
      sessionId: 's1',
      finalText: 'done',
      eventCount: 4,
    });
    expect(pty.typed).toEqual(['y\r']);
    expect(pty.sizes).toEqual([[90, 20]]);
    expect(readFileSync(logPath, 'utf8')).toBe('{"type":"init"}\r\n');
    expect(agent.state()).toBe('exited');
  });

  it('reports the CLI exit status from the wrapper, and not ok when the result says so', async () => {
    const dir = mkdtempSync(path.join(root, 'b-'));
    const jsonlPath = path.join(dir, 't.1.jsonl');
    const { spawn, pty } = fakePty();
    const agent = await startAgent({
      command: { file: 'x', args: [], env: {}, cwd: dir },
      backend: simBackend,
      logPath: path.join(dir, 'log'),
      jsonlPath,
      spawn,
    });
    appendFileSync(
      jsonlPath,
      '{"type":"result","ok":false,"text":"nope","session_id":"s","turns":0,"cost_usd":0}\n',
    );
    writeFileSync(path.join(dir, 't.1.exit'), '3\n');
    pty.exit({ exitCode: 0, signal: 0 });
    expect(await agent.result).toMatchObject({ exitCode: 3, ok: false, finalText: 'nope' });
  });
});
