/**
 * Agent state from the structured stream (DESIGN.md §4): canned fixture streams of the real CLIs,
 * fed event by event through the parser, the tool tracker and the classifier, as agent-process does.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentEvent, Backend } from '../../source/agents/backend.js';
import { claudeBackend } from '../../source/agents/claude.js';
import { codexBackend } from '../../source/agents/codex.js';
import { createToolTracker, IDLE_MS } from '../../source/agents/common.js';
import { geminiBackend } from '../../source/agents/gemini.js';
import { opencodeBackend } from '../../source/agents/opencode.js';
import { fixtureLines, testRequest } from '../support/agent-clis.js';

/** The state after each event of a fixture, with the agent `idleMs` quiet since it. */
async function states(
  backend: Backend,
  fixture: string,
  idleMs = 0,
): Promise<{ event: AgentEvent; state: string }[]> {
  const parser = backend.createParser();
  const tools = createToolTracker();
  const out: { event: AgentEvent; state: string }[] = [];
  for (const line of await fixtureLines(fixture)) {
    for (const event of parser.push(line)) {
      tools.push(event);
      const runningTool = tools.running();
      out.push({
        event,
        state: backend.classify({
          screen: '',
          lastEvent: event,
          ...(runningTool !== undefined && { runningTool }),
          idleMs,
          exited: false,
        }),
      });
    }
  }
  return out;
}

describe('agent state from the structured stream', () => {
  it('claude shows `tool` while a tool runs, even after the usage event that follows the call', async () => {
    const seen = await states(claudeBackend, 'claude/2.1.197/session.jsonl');
    const call = seen.findIndex((s) => s.event.type === 'tool-call');
    expect(call).toBeGreaterThanOrEqual(0);
    const result = seen.findIndex((s, i) => i > call && s.event.type === 'tool-result');
    // Everything between the call and its result (the usage event among them) reads as `tool`.
    const between = seen.slice(call, result);
    expect(between.some((s) => s.event.type === 'usage')).toBe(true);
    expect(between.map((s) => s.state)).toEqual(between.map(() => 'tool'));
    expect(seen[result]?.state).toBe('thinking');
  });

  it('a running tool call is never idle, however long it is silent', async () => {
    for (const [backend, fixture] of [
      [claudeBackend, 'claude/2.1.197/session.jsonl'],
      [codexBackend, 'codex/0.169.0/session.jsonl'],
      [geminiBackend, 'gemini/0.61.0/session.jsonl'],
    ] as const) {
      const quiet = await states(backend, fixture, IDLE_MS * 3);
      const calls = quiet.filter((s) => s.event.type === 'tool-call');
      expect(calls.length, fixture).toBeGreaterThan(0);
      for (const s of calls) expect(['tool', 'testing'], fixture).toContain(s.state);
      // Once no tool runs, silence is idle again.
      expect(quiet.at(-1)?.state, fixture).toBe('idle');
    }
  });

  it('a test command shows as `testing` while it runs', async () => {
    const seen = await states(codexBackend, 'codex/0.169.0/session.jsonl');
    const npmTest = seen.find((s) => s.event.type === 'tool-call' && s.event.input.includes('npm test'));
    expect(npmTest?.state).toBe('testing');
  });
});

describe('captured sessions (real CLIs against test/support/fake-models.ts)', () => {
  // The fake reported 1010+1020+1030 input and 21+22+23 output tokens over three turns.
  it.each([
    ['codex', codexBackend, 'codex/0.169.0/captured-session.jsonl'],
    ['gemini', geminiBackend, 'gemini/0.61.0/captured-session.jsonl'],
    ['opencode', opencodeBackend, 'opencode/1.18.33/captured-session.jsonl'],
  ] as const)(
    '%s: tokens are what the fake sent; two tools called and answered',
    async (_name, backend, fixture) => {
      const events = (await states(backend, fixture)).map((s) => s.event);
      const usage = events.filter((e) => e.type === 'usage');
      expect(usage.reduce((sum, e) => sum + e.tokensIn, 0)).toBe(3060);
      expect(usage.reduce((sum, e) => sum + e.tokensOut, 0)).toBe(66);
      expect(events.filter((e) => e.type === 'tool-call')).toHaveLength(2);
      expect(events.filter((e) => e.type === 'tool-result' && !e.isError)).toHaveLength(2);
    },
  );
});

describe('commands built before the attempt folder exists (run --dry-run)', () => {
  it.each([
    ['claude', claudeBackend],
    ['gemini', geminiBackend],
  ] as const)('%s writes its per-attempt file into a folder it creates', async (_name, backend) => {
    const request = await testRequest();
    const attemptDir = path.join(request.attemptDir, 'not', 'made', 'yet');
    const command = await backend.buildCommand({ ...request, attemptDir });
    expect(command.args.some((arg) => arg.startsWith(attemptDir))).toBe(true);
  });
});
