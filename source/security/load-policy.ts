/**
 * Finds the command policy for a hook call without loading the full configuration machinery: the
 * hook runs before every Bash call an agent makes, so it reads only what it needs. Order: the
 * `NIGHTSHIFT_POLICY` JSON the engine passes, else the `[security]` table of the nearest
 * `nightshift.toml` above `cwd`, else the defaults. A policy that cannot be read (bad JSON, a
 * `[security]` table that does not parse) denies every command — never a looser default — and says
 * why on `warning`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import type { CommandPolicy } from './command-policy.js';
import { defaultPolicy, denyAllPolicy, policyFromConfig } from './policy.js';

/** A policy and where it came from, with a warning when a source was unusable. */
export interface LoadedPolicy {
  readonly policy: CommandPolicy;
  readonly source: 'env' | 'config' | 'default' | 'deny-all';
  readonly warning?: string;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Validates a `CommandPolicy` received as JSON. */
export function parsePolicyJson(text: string): CommandPolicy {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new Error('NIGHTSHIFT_POLICY is not a JSON object');
  const record = value as Record<string, unknown>;
  const { mode, blocked, allowed } = record;
  if (mode !== 'blocklist' && mode !== 'allowlist')
    throw new Error('NIGHTSHIFT_POLICY.mode must be "blocklist" or "allowlist"');
  if (!isStringArray(blocked) || !isStringArray(allowed)) {
    throw new Error('NIGHTSHIFT_POLICY.blocked and .allowed must be arrays of strings');
  }
  return { mode, blocked, allowed };
}

/** The nearest `nightshift.toml` at or above `start`, if any. */
export function findConfigFile(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const file = path.join(dir, 'nightshift.toml');
    if (existsSync(file)) return file;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Reads the `[security]` table of a nightshift.toml into a policy. */
export function policyFromConfigFile(file: string): CommandPolicy {
  const doc = parse(readFileSync(file, 'utf8'));
  const security: unknown = doc['security'] ?? {};
  if (typeof security !== 'object' || security === null)
    throw new Error(`${file}: [security] must be a table`);
  const table = security as Record<string, unknown>;
  const mode = table['mode'] ?? 'blocklist';
  const blocked = table['blocked_commands'] ?? [];
  const allowed = table['allowed_commands'] ?? [];
  if (mode !== 'blocklist' && mode !== 'allowlist')
    throw new Error(`${file}: security.mode must be "blocklist" or "allowlist"`);
  if (!isStringArray(blocked))
    throw new Error(`${file}: security.blocked_commands must be an array of strings`);
  if (!isStringArray(allowed))
    throw new Error(`${file}: security.allowed_commands must be an array of strings`);
  return policyFromConfig({ mode, blocked_commands: blocked, allowed_commands: allowed });
}

/** Loads the policy for a command running in `cwd` (see the module comment for the order). */
export function loadPolicy(env: Readonly<Record<string, string | undefined>>, cwd: string): LoadedPolicy {
  const fromEnv = env['NIGHTSHIFT_POLICY'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    try {
      return { policy: parsePolicyJson(fromEnv), source: 'env' };
    } catch (error) {
      return {
        policy: denyAllPolicy(),
        source: 'deny-all',
        warning: `NIGHTSHIFT_POLICY cannot be read, so every command is denied: ${String(error)}`,
      };
    }
  }
  const file = findConfigFile(cwd);
  if (file === undefined) return { policy: defaultPolicy(), source: 'default' };
  try {
    return { policy: policyFromConfigFile(file), source: 'config' };
  } catch (error) {
    return {
      policy: denyAllPolicy(),
      source: 'deny-all',
      warning: `[security] of ${file} cannot be read, so every command is denied: ${String(error)}`,
    };
  }
}
