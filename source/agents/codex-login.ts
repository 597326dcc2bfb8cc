/**
 * codex refused by the token endpoint: the user's refresh token was spent (by another copy of
 * auth.json, or a refresh that never reached it) and only a new login helps. codex 0.169 says
 *   `Your access token could not be refreshed because your refresh token was already used. Please
 *   log out and sign in again.` (its `error` event, `turn.failed`, and on stderr
 *   `ERROR codex_login::auth::manager: Failed to refresh token: …`, again at each of its retries),
 * without naming the command, so nightshift adds it.
 */
import type { AgentEvent } from './backend.js';

const LOGIN_SPENT = /refresh token was already used|refresh_token_reused|log out and sign in again/i;
const REFRESH_FAILED = /codex_login::auth::manager: Failed to refresh token: (.+)$/;

/** The message, told to run `codex login` when it says the login is spent. */
export function withLoginHint(message: string): string {
  return LOGIN_SPENT.test(message) && !message.includes('codex login')
    ? `${message.trim()} Run \`codex login\`, then the queue goes on by itself.`
    : message;
}

/**
 * Reads codex's stderr lines for a spent login: the first refresh failure saying so is one `error`
 * event (an auth outage, agents/outage.ts); codex retries the refresh on its own, and the repeats
 * are dropped (`[]`), so the outage grace ends the attempt. Other lines: undefined.
 */
export function loginSpentReporter(): (line: string) => AgentEvent[] | undefined {
  let reported = false;
  return (line) => {
    const message = REFRESH_FAILED.exec(line)?.[1];
    if (message === undefined || !LOGIN_SPENT.test(message)) return undefined;
    if (reported) return [];
    reported = true;
    return [{ type: 'error', message: withLoginHint(message) }];
  };
}
