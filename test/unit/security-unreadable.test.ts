/**
 * A policy that cannot be read denies everything (issue 10): a broken NIGHTSHIFT_POLICY, a
 * `[security]` table of the wrong shape, a nightshift.toml that does not parse. And the secret
 * formats of issue 10 are masked, the AWS secret value included.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../source/security/load-policy.js';
import { evaluateCommand } from '../../source/security/policy.js';
import { maskSecrets } from '../../source/security/secrets.js';
import { tempDir } from '../support/cli.js';

async function projectWith(toml: string): Promise<string> {
  const dir = await tempDir('nightshift-policy-');
  await writeFile(path.join(dir, 'nightshift.toml'), toml);
  return dir;
}

describe('an unreadable [security] denies every command', () => {
  it.each([
    ['a TOML syntax error', '[security\nmode = "blocklist"\n'],
    ['a wrong mode', '[security]\nmode = "permissive"\n'],
    ['a wrong type', '[security]\nblocked_commands = "sudo"\n'],
    ['a non-table', 'security = 3\n'],
  ])('%s', async (_what, toml) => {
    const dir = await projectWith(toml);
    const loaded = loadPolicy({}, dir);
    expect(loaded.source).toBe('deny-all');
    expect(loaded.warning).toMatch(/cannot be read, so every command is denied/);
    for (const command of ['ls', 'npm test', 'echo hi'])
      expect(evaluateCommand(loaded.policy, command, { cwd: dir }).decision).toBe('deny');
  });

  it('a NIGHTSHIFT_POLICY that is not valid JSON', () => {
    const loaded = loadPolicy({ NIGHTSHIFT_POLICY: '{mode: blocklist' }, '/');
    expect(loaded.source).toBe('deny-all');
    expect(evaluateCommand(loaded.policy, 'ls', { cwd: '/' }).decision).toBe('deny');
  });

  it('a readable one still allows ordinary commands', async () => {
    const dir = await projectWith('[security]\nmode = "blocklist"\n');
    const loaded = loadPolicy({}, dir);
    expect(loaded.source).toBe('config');
    expect(evaluateCommand(loaded.policy, 'ls', { cwd: dir }).decision).toBe('allow');
  });
});

describe('the secret formats of issue 10 are masked', () => {
  it.each([
    ['sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'AbCdEfGhIjKlMnOp'],
    ['AKIAIOSFODNN7EXAMPLE', 'IOSFODNN7EXAMPLE'],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'abcdefghijklmnopqrstuvwxyz'],
    ['xoxb-123456789012-abcdefghijkl', 'abcdefghijkl'],
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI'],
    ['AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI'],
    ['{"aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', 'wJalrXUtnFEMI'],
  ])('%s', (text, secret) => {
    const masked = maskSecrets(`line with ${text} in it`);
    expect(masked).not.toContain(secret);
    expect(masked).toContain('****');
  });
});
