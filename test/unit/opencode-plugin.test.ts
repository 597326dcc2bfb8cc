/**
 * nightshift's opencode policy plugin, loaded as opencode loads it (an ES module by file URL) and
 * its `tool.execute.before` hook called as opencode calls it, with the built CLI as the check.
 */
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  OPENCODE_PLUGIN_DENIAL,
  OPENCODE_TOOL_START,
  writeOpencodePlugin,
} from '../../source/agents/opencode-plugin.js';
import { testRequest } from '../support/agent-clis.js';
import { repoRoot, tempDir } from '../support/cli.js';

type BeforeHook = (input: { tool: string; sessionID: string }, output: { args: unknown }) => Promise<void>;

async function loadPlugin(): Promise<{ before: BeforeHook; denials: string; url: string; dir: string }> {
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
  return { before: hooks['tool.execute.before'] as BeforeHook, denials, url, dir: attemptDir };
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

  it('says on stdout when each call it lets by starts, with its call id; a refused call never starts', async () => {
    const { url, dir } = await loadPlugin();
    // In a process of its own, as in opencode: the plugin writes to the process's stdout (fd 1).
    const script = `
      const { NightshiftPolicy } = await import(${JSON.stringify(url)});
      const hooks = await NightshiftPolicy({ directory: ${JSON.stringify(dir)} });
      const before = hooks['tool.execute.before'];
      await before({ tool: 'bash', sessionID: 's1', callID: 'c1' }, { args: { command: 'git status' } });
      await before({ tool: 'write', sessionID: 's1', callID: 'c2' }, { args: { filePath: 'a.txt', content: 'y'.repeat(5000) } });
      await before({ tool: 'bash', sessionID: 's1', callID: 'c3' }, { args: { command: 'git -C . push' } }).catch(() => {});
    `;
    const child = await execa(process.execPath, ['--input-type=module', '-e', script], { stdin: 'ignore' });
    const lines = child.stdout
      .split('\n')
      .filter(Boolean)
      .map(
        (line) =>
          JSON.parse(line) as { type: string; callID: string; tool: string; input: Record<string, string> },
      );
    expect(lines.map((line) => [line.type, line.callID, line.tool])).toEqual([
      [OPENCODE_TOOL_START, 'c1', 'bash'],
      [OPENCODE_TOOL_START, 'c2', 'write'],
    ]);
    expect(lines[0]!.input).toEqual({ command: 'git status' });
    // A file's content is cut: the line says what runs, not all it writes.
    expect(lines[1]!.input['content']).toHaveLength(2000);
  });
});
