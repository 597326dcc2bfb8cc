/**
 * Telling an outage from a task failure (issue 11): the model API rate-limiting (429), failing
 * (5xx, "overloaded", "high demand"), refusing the login (401, an expired or spent token, a missing
 * API key) or out of reach (connection refused, DNS, a network down). An outage says nothing about
 * the task: the engine pauses the queue and retries later, and spends no retry, no reflection and no
 * learning on it.
 *
 * Only what the CLI itself reports as an error is read (its `error` events and a failed result's
 * text), never the agent's words or tool output, so a task about HTTP 429 handling is not an outage.
 * The wording is each CLI's, as captured from the real CLIs against the fake servers:
 *   claude   `API Error: 500 …`, `api_retry` system events (error_status 500/429/529)
 *   codex    `We’re currently experiencing high demand…`, `exceeded retry limit, last status: 429`,
 *            `unexpected status 401 Unauthorized`, `Reconnecting... waiting for network`,
 *            `workspace routing discovery failed` (a ChatGPT login whose backend cannot be reached)
 *   gemini   `[API Error: {"error":{"code":500,…,"status":"INTERNAL"}}]`, `[API Error: Resource has been
 *            exhausted …]\nPlease wait and try again later…` (429), `UNAUTHENTICATED`, `fetch failed`
 *   opencode `APIError`, `Too Many Requests`, `ECONNREFUSED`, `Cannot connect to API: Unable to connect.`
 *            (a refused connection, after its own silent retries)
 */

/** What kind of outage. */
export type OutageKind = 'rate-limit' | 'server' | 'auth' | 'network';

/** One outage, as the CLI reported it. */
export interface Outage {
  readonly kind: OutageKind;
  /** The CLI's own message (one line). */
  readonly message: string;
}

const PATTERNS: readonly (readonly [OutageKind, RegExp])[] = [
  [
    'rate-limit',
    /\b429\b|rate[ _-]?limit|too many requests|RESOURCE_EXHAUSTED|resource has been exhausted|quota (exceeded|exhausted)|usage limit|please wait and try again later/i,
  ],
  [
    'auth',
    /\b401\b|\b403 Forbidden|unauthori[sz]ed|UNAUTHENTICATED|invalid[ _]api[ _]key|authentication[ _](error|failed)|refresh token|token (has )?expired|not logged in|please (run \/login|log ?in)|missing api key|api key (is )?(missing|not (set|found|valid))|\w+_API_KEY (is )?(not set|missing)|environment variable .*API_KEY/i,
  ],
  [
    'server',
    /\b(API Error|status|error)[: ]+5\d\d\b|\b5\d\d (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)|internal server error|overloaded|high demand|service unavailable|server_error/i,
  ],
  // Gemini's status names, in capitals only: "internal" in prose is no outage.
  ['server', /\b(INTERNAL|UNAVAILABLE|DEADLINE_EXCEEDED)\b/],
  [
    'network',
    /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|connection[ _](refused|reset|failed|error)|error sending request|stream disconnected|waiting for network|network (is )?(unreachable|down|error)|fetch failed|socket hang up|could not resolve host|failed to connect|cannot connect to API|unable to connect|workspace routing discovery (failed|timed out)/i,
  ],
];

/** The outage a CLI's error message reports, or undefined when it reports something else. */
export function classifyOutage(message: string): Outage | undefined {
  for (const [kind, pattern] of PATTERNS) {
    if (pattern.test(message)) return { kind, message: message.replace(/\s+/g, ' ').trim().slice(0, 300) };
  }
  return undefined;
}

/** `rate limit`, `model API error`, … for lines shown to a person. */
export function describeOutage(kind: OutageKind): string {
  switch (kind) {
    case 'rate-limit':
      return 'rate limited by the model API';
    case 'server':
      return 'the model API is failing';
    case 'auth':
      return 'the login or API key was refused';
    case 'network':
      return 'the model API cannot be reached';
  }
}

/**
 * How long a CLI may report nothing but outage errors (its own retries: "Reconnecting…",
 * `api_retry`) before nightshift ends it and calls it an outage: codex waits for a network forever
 * (the whole wall-clock limit, twice per attempt). NIGHTSHIFT_OUTAGE_GRACE_MS overrides it (tests).
 */
export function outageGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env['NIGHTSHIFT_OUTAGE_GRACE_MS']);
  return Number.isFinite(value) && value > 0 ? value : 120_000;
}

/**
 * The pause after the Nth consecutive outage (1-based): 30 s, 1 min, 2 min, … capped at 15 min,
 * with ±20 % jitter so parallel engines do not hammer the API in step. NIGHTSHIFT_OUTAGE_BACKOFF_MS
 * sets the first step (tests).
 */
export function outageBackoffMs(
  consecutive: number,
  env: NodeJS.ProcessEnv = process.env,
  random: () => number = Math.random,
): number {
  const override = Number(env['NIGHTSHIFT_OUTAGE_BACKOFF_MS']);
  const base = Number.isFinite(override) && override > 0 ? override : 30_000;
  const cap = Math.max(base, 15 * 60_000);
  const step = Math.min(cap, base * 2 ** Math.max(0, consecutive - 1));
  return Math.round(step * (0.8 + 0.4 * random()));
}
