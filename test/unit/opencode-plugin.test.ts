/**
 * nightshift's opencode policy plugin, loaded as opencode loads it (an ES module by file URL) and
 * its `tool.execute.before` hook called as opencode calls it, with the built CLI as the check.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPENCODE_PLUGIN_DENIAL, writeOpencodePlugin } from '../../source/agents/opencode-plugin.js';
import { testRequest } from '../support/agent-clis.js';
import { repoRoot, tempDir } from '../support/cli.js';

type BeforeHook = (input: { tool: string; sessionID: string }, output: { args: unknown }) => Promise<void>;

async function loadPlugin(): Promise<{ before: BeforeHook; denials: string }> {
  const attemptDir = await tempDir();
  const denials = path.join(attemptDir, 'denials.jsonl');
  const request = await testRequest({
    attemptDir,
    nightshiftCommand: [process.execPath, path.join(repoRoot, 'dist', 'cli', 'index.js')],
    env: {
      NIGHTSHIFT_POLICY: JSON.stringify({ mode: 'blocklist', blocked: ['git push', 'rm -rf'], allowed: [] }),
      NIGHTSHIFT_DENIALS_FILE: denials,
      NIGHTSHIFT_TASK_ID: 'T1',
    },
  });
  const url = await writeOpencodePlugin(request);
  expect(url.startsWith(`file://${attemptDir}/`)).toBe(true);
  const module = (await import(url)) as Record<string, (input: { directory: string }) => Promise<unknown>>;
  const hooks = (await module['NightshiftPolicy']?.({ directory: attemptDir })) as Record<string, BeforeHook>;
  return { before: hooks['tool.execute.before'] as BeforeHook, denials };
}

describe('the opencode policy plugin', () => {
  it('refuses a bash call the parser denies (git -C . push) and records it; lets others run', async () => {
    const { before, denials } = await loadPlugin();
    const call = { tool: 'bash', sessionID: 'ses_1' };
    await expect(before(call, { args: { command: 'git -C . push origin main' } })).rejects.toThrow(
      OPENCODE_PLUGIN_DENIAL,
    );
    await expect(before(call, { args: { command: 'cd src && rm -rf ../lib' } })).rejects.toThrow(
      OPENCODE_PLUGIN_DENIAL,
    );
    await expect(before(call, { args: { command: 'git status' } })).resolves.toBeUndefined();
    // Not a shell call: not the plugin's to judge.
    await expect(before({ ...call, tool: 'read' }, { args: { filePath: 'x' } })).resolves.toBeUndefined();
    const records = (await readFile(denials, 'utf8')).trim().split('\n');
    expect(records.map((line) => (JSON.parse(line) as { command: string }).command)).toEqual([
      'git -C . push origin main',
      'cd src && rm -rf ../lib',
    ]);
  });
});
