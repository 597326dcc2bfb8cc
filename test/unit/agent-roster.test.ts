/**
 * What a client that starts watching an agent gets first: its newest lines, after the roster sent
 * every line still pending, so that no line comes twice or after the lines that replace it.
 */
import { describe, expect, it } from 'vitest';
import { AgentRoster, OUTPUT_LINES_KEPT } from '../../source/engine/agent-roster.js';
import type { EngineEvent } from '../../source/protocol/types.js';
import { makeAgent } from '../ui/fake-client.js';

describe('AgentRoster.lines', () => {
  it('sends the pending output first, then answers with the newest kept lines', () => {
    const events: EngineEvent[] = [];
    const roster = new AgentRoster((event) => events.push(event));
    // roster.add gives the agent its own id.
    const { id: _ignored, ...fields } = makeAgent({ id: 'ignored', name: 'ada', taskId: 't1' });
    const agent = roster.add(fields, undefined);
    for (let i = 0; i < OUTPUT_LINES_KEPT + 50; i += 1) roster.output(agent.id, `line ${i}`);
    const before = events.filter((event) => event.type === 'agent-output').length;
    const lines = roster.lines(agent.id);
    const output = events.filter((event) => event.type === 'agent-output');
    expect(before).toBe(0);
    expect(output).toHaveLength(1);
    expect(lines).toHaveLength(OUTPUT_LINES_KEPT);
    expect(lines.at(-1)).toBe(`line ${OUTPUT_LINES_KEPT + 49}`);
    expect(lines[0]).toBe('line 50');
    // Nothing is left to flush: the next flush sends no output.
    roster.flush();
    expect(events.filter((event) => event.type === 'agent-output')).toHaveLength(1);
    expect(roster.lines('agent-none')).toEqual([]);
  });
});
