/**
 * Vitest global setup: says once, at the start of `npm test`, which real agent CLIs are missing from
 * the test cache and so which tests are skipped, and how to install them. Without the cache (and
 * without network) the rest of the suite runs as usual.
 */
import { agentClis, cliCacheDir, type AgentCliName } from './agent-clis.js';

/** Prints the notice when any CLI is missing. */
export default function setup(): void {
  const missing = (Object.keys(agentClis) as AgentCliName[]).filter((name) => agentClis[name] === undefined);
  if (missing.length === 0) return;
  process.stdout.write(
    `agent CLIs not in the test cache ${cliCacheDir}: ${missing.join(', ')}; the tests that run them are skipped.\n` +
      `  Install them with scripts/install-agent-clis.sh [${missing.join(' ')}] (set NIGHTSHIFT_CLI_CACHE to use another cache).\n`,
  );
}
