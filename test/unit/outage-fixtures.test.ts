/**
 * What each real CLI printed during an outage of its model API, classified as the engine does
 * (agents/agent-process.ts: the CLI's own error events, else its failed result's text). The
 * fixtures `test/fixtures/cli/<cli>/<version>/outage-N.jsonl` are the agent's stdout of the outage
 * attempts of the e2e outage tests (CAPTURE_OUTAGE_FIXTURES=1, test/support/outage-e2e.ts): the
 * fake answered 500, then 429, then 401 (opencode: 500, then 401), each until the queue paused.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OutputParser } from '../../source/agents/backend.js';
import { createClaudeParser } from '../../source/agents/claude.js';
import { createCodexParser } from '../../source/agents/codex.js';
import { createGeminiParser } from '../../source/agents/gemini.js';
import { createOpencodeParser } from '../../source/agents/opencode.js';
import { classifyOutage, type OutageKind } from '../../source/agents/outage.js';
import { repoRoot } from '../support/cli.js';
import { fixtureLines, parseFixture } from '../support/agent-clis.js';

const CLIS: Readonly<Record<string, { parser: () => OutputParser; kinds: readonly OutageKind[] }>> = {
  claude: { parser: createClaudeParser, kinds: ['server', 'rate-limit', 'auth'] },
  codex: { parser: createCodexParser, kinds: ['server', 'rate-limit', 'auth'] },
  gemini: { parser: createGeminiParser, kinds: ['server', 'rate-limit', 'auth'] },
  opencode: { parser: createOpencodeParser, kinds: ['server', 'auth'] },
};

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'cli');

describe('outages as the real CLIs report them', () => {
  for (const [cli, { parser, kinds }] of Object.entries(CLIS)) {
    const versions = readdirSync(path.join(fixtures, cli));
    const files = versions.flatMap((version) =>
      readdirSync(path.join(fixtures, cli, version))
        .filter((name) => /^outage-\d+\.jsonl$/.test(name))
        .map((name) => `${cli}/${version}/${name}`),
    );
    it(`${cli}: each captured outage is one, of the kind the fake injected`, async () => {
      expect(files.length, `no outage fixtures for ${cli}`).toBeGreaterThanOrEqual(kinds.length);
      for (const file of files) {
        const n = Number(/outage-(\d+)/.exec(file)?.[1]);
        const events = await parseFixture(parser, file);
        const errors = events.flatMap((event) => (event.type === 'error' ? [event.message] : []));
        const result = events.findLast((event) => event.type === 'result');
        const found =
          errors.map((message) => classifyOutage(message)).findLast((outage) => outage !== undefined) ??
          (result?.type === 'result' && !result.ok && result.text ? classifyOutage(result.text) : undefined);
        expect(found?.kind, `${file}: ${JSON.stringify(errors)}`).toBe(kinds[Math.min(n, kinds.length) - 1]);
      }
    });
  }

  it('claude: connection refused (api_retry with no HTTP status) is an outage: the API cannot be reached', async () => {
    const events = await parseFixture(createClaudeParser, 'claude/2.1.197/connection-refused.jsonl');
    const errors = events.flatMap((event) => (event.type === 'error' ? [event.message] : []));
    expect(errors.length).toBeGreaterThan(0);
    for (const message of errors) expect(classifyOutage(message)?.kind, message).toBe('network');
  });

  it('opencode: connection refused (its APIError with no status, after its own retries) is an outage: the API cannot be reached', async () => {
    const events = await parseFixture(createOpencodeParser, 'opencode/1.18.33/connection-refused.jsonl');
    const errors = events.flatMap((event) => (event.type === 'error' ? [event.message] : []));
    expect(errors).toHaveLength(1);
    expect(classifyOutage(errors[0]!)?.kind, errors[0]).toBe('network');
  });

  it('codex: a spent refresh token (its ChatGPT login) is an auth outage that says to run `codex login`', async () => {
    // Captured from the real codex 0.169 against test/support/fake-chatgpt.ts, the user's refresh
    // token spent before codex started: its JSON on stdout, and what it printed on stderr.
    const events = await parseFixture(createCodexParser, 'codex/0.169.0/refresh-token-spent.jsonl');
    const errors = events.flatMap((event) =>
      event.type === 'error' && !event.warning ? [event.message] : [],
    );
    expect(errors.length).toBeGreaterThan(0);
    for (const message of errors) {
      expect(classifyOutage(message)?.kind, message).toBe('auth');
      expect(message).toContain('Run `codex login`');
    }
    const parser = createCodexParser();
    const stderr = (await fixtureLines('codex/0.169.0/refresh-token-spent.stderr.txt')).flatMap((line) => [
      ...(parser.terminal?.(line) ?? []),
    ]);
    // codex tries the refresh again and again, printing each failure: one event says it.
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatchObject({ type: 'error' });
    const message = stderr[0]!.type === 'error' ? stderr[0]!.message : '';
    expect(classifyOutage(message)?.kind).toBe('auth');
    expect(message).toContain('Run `codex login`');
  });

  it('codex: its ChatGPT backend out of reach ("workspace routing discovery failed") is an outage: the API cannot be reached', async () => {
    // Captured from the real codex 0.169.1 against test/support/fake-chatgpt.ts with every connection
    // to it dropped: codex retries by itself (10 "Reconnecting…", ~40 s), then its turn fails.
    const events = await parseFixture(createCodexParser, 'codex/0.169.1/routing-discovery-failed.jsonl');
    const errors = events.flatMap((event) =>
      event.type === 'error' && !event.warning ? [event.message] : [],
    );
    expect(errors.length).toBeGreaterThan(0);
    for (const message of errors) expect(classifyOutage(message)?.kind, message).toBe('network');
    const failed = events.find((event) => event.type === 'result');
    expect(failed).toMatchObject({ ok: false });
    expect(classifyOutage(failed?.type === 'result' ? failed.text : '')?.kind).toBe('network');
  });
});
