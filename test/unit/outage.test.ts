/**
 * Outage or task failure (agents/outage.ts), on the messages the real CLIs printed against the
 * fake model servers (500, 429, 401, connection refused), and on errors that are the task's own.
 */
import { describe, expect, it } from 'vitest';
import { classifyOutage, outageBackoffMs } from '../../source/agents/outage.js';

describe('classifyOutage', () => {
  it.each([
    // codex 0.169
    ['We’re currently experiencing high demand, which may cause temporary errors.', 'server'],
    ['exceeded retry limit, last status: 429 Too Many Requests', 'rate-limit'],
    [
      'unexpected status 401 Unauthorized: fake: invalid API key, url: http://127.0.0.1:1/v1/responses',
      'auth',
    ],
    ['Reconnecting... waiting for network (Connection failed: error sending request)', 'network'],
    // claude 2.1 (its result text, and its api_retry events as the claude parser words them)
    [
      'API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server error"}}',
      'server',
    ],
    ['API Error: 529 overloaded_error (claude retries 3/10)', 'server'],
    ['API Error: 429 rate_limit_error (claude retries 1/10)', 'rate-limit'],
    ['API Error: connection_error (claude retries 2/10)', 'network'],
    ['Invalid API key · Please run /login', 'auth'],
    // gemini, opencode
    ['[API Error: {"error":{"code":500,"message":"fake: server error","status":"INTERNAL"}}]', 'server'],
    ['RESOURCE_EXHAUSTED: quota exceeded', 'rate-limit'],
    ['connect ECONNREFUSED 127.0.0.1:4000', 'network'],
    ['refresh token was already used', 'auth'],
  ])('%s → %s', (message, kind) => {
    expect(classifyOutage(message)?.kind).toBe(kind);
  });

  it.each([
    'Model metadata for `fake-model` not found. Defaulting to fallback metadata',
    'tool failed: the internal helper returned nothing',
    'agent exited with code 1',
    'Simulated failure on attempt 1 (sim: fail-attempts 1); nothing was written.',
  ])('is not an outage: %s', (message) => {
    expect(classifyOutage(message)).toBeUndefined();
  });
});

describe('outageBackoffMs', () => {
  it('doubles per outage in a row, with ±20 % jitter, up to 15 minutes', () => {
    const env = {};
    expect(outageBackoffMs(1, env, () => 0.5)).toBe(30_000);
    expect(outageBackoffMs(2, env, () => 0.5)).toBe(60_000);
    expect(outageBackoffMs(1, env, () => 0)).toBe(24_000);
    expect(outageBackoffMs(1, env, () => 1)).toBe(36_000);
    expect(outageBackoffMs(20, env, () => 0.5)).toBe(15 * 60_000);
  });
});
