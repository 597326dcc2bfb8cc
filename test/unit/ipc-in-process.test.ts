import { describe, expect, it } from 'vitest';
import { inProcessClient } from '../../source/ipc/in-process.js';
import { applyEvent, type AgentView, type EngineEvent } from '../../source/protocol/types.js';
import { FakeHost, emptySnapshot, lineEvent } from '../integration/ipc-support.js';

const agent: AgentView = {
  id: 'a1',
  name: 'ada',
  backend: 'sim',
  simulated: true,
  taskId: 'T1',
  attempt: 1,
  role: 'coding',
  state: 'thinking',
  action: '',
  startedAt: '2025-01-01T00:00:00.000Z',
  tokensIn: 0,
  tokensOut: 0,
  costUsd: 0,
};

describe('applyEvent as clients use it', () => {
  it('adds, replaces and removes agents and bounds the recent lines', () => {
    let state = emptySnapshot();
    state = applyEvent(state, { type: 'agent', agent });
    state = applyEvent(state, { type: 'agent', agent: { ...agent, state: 'tool' } });
    expect(state.agents).toEqual([{ ...agent, state: 'tool' }]);
    for (let index = 0; index < 5; index += 1) state = applyEvent(state, lineEvent(`l${index}`), 3);
    expect(state.recent.map((line) => line.message)).toEqual(['l2', 'l3', 'l4']);
    const before = state;
    state = applyEvent(state, { type: 'agent-removed', agentId: 'a1' });
    expect(state.agents).toEqual([]);
    expect(before.agents).toHaveLength(1);
  });
});

describe('inProcessClient', () => {
  it('starts from the host snapshot and applies events before telling listeners', () => {
    const host = new FakeHost();
    const client = inProcessClient(host);
    const seen: { event: EngineEvent; agents: number }[] = [];
    client.onEvent((event) => seen.push({ event, agents: client.current()?.agents.length ?? -1 }));
    host.emit({ type: 'agent', agent });
    expect(seen).toEqual([{ event: { type: 'agent', agent }, agents: 1 }]);
    expect(client.current()?.project).toBe('demo');
  });

  it('runs commands directly and turns a thrown error into a failed result', async () => {
    const host = new FakeHost();
    const client = inProcessClient(host);
    await expect(client.command('pause')).resolves.toEqual({ ok: true, value: { paused: true } });
    await expect(client.command('block', { taskId: 'T1' })).resolves.toEqual({
      ok: false,
      error: 'block needs a reason',
    });
  });

  it('wires pty listeners to the host and lets go of everything on close', () => {
    const host = new FakeHost();
    const client = inProcessClient(host);
    const data: string[] = [];
    const states: string[] = [];
    client.onConnection((status) => states.push(status));
    client.onPty('a1', (chunk) => data.push(chunk));
    host.pty('a1', 'hello');
    expect(data).toEqual(['hello']);
    client.close();
    host.pty('a1', 'after');
    host.emit(lineEvent('after close'));
    expect(data).toEqual(['hello']);
    expect(host.subscriberCount()).toBe(0);
    expect(states).toEqual(['closed']);
  });
});
