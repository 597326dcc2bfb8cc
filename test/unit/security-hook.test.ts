/**
 * `nightshift hook pre-tool-use` run as claude runs it: the built CLI, hook JSON on stdin.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { repoRoot, runCli, tempDir } from '../support/cli.js';

function hookInput(cwd: string, toolName: string, toolInput: Record<string, unknown>): string {
  return JSON.stringify({
    session_id: 'session-1',
    transcript_path: path.join(cwd, 'transcript.jsonl'),
    cwd,
    hook_event_name: 'PreToolUse',
    tool_name: toolName,
    tool_input: toolInput,
  });
}

async function runHook(
  cwd: string,
  toolName: string,
  toolInput: Record<string, unknown>,
  env: Record<string, string | undefined> = {},
) {
  return runCli(['hook', 'pre-tool-use'], {
    cwd,
    input: hookInput(cwd, toolName, toolInput),
    env: { NIGHTSHIFT_POLICY: undefined, NIGHTSHIFT_DENIALS_FILE: undefined, ...env },
  });
}

describe('nightshift hook pre-tool-use', () => {
  it('denies git push with a reason claude shows the model, and records the denial', async () => {
    const dir = await tempDir();
    const denials = path.join(dir, 'denials.jsonl');
    const result = await runHook(
      dir,
      'Bash',
      { command: 'git add . && git push origin main', description: 'push' },
      {
        NIGHTSHIFT_DENIALS_FILE: denials,
        NIGHTSHIFT_TASK_ID: 'T1',
        NIGHTSHIFT_ATTEMPT: '2',
      },
    );
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: expect.stringMatching(
          /^git push is blocked by nightshift: agents never push/,
        ) as unknown,
      },
    });
    const lines = (await readFile(denials, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      tool: 'Bash',
      command: 'git add . && git push origin main',
      denied: 'git push origin main',
      taskId: 'T1',
      attempt: '2',
      sessionId: 'session-1',
      cwd: dir,
    });
  });

  it("answers gemini's BeforeTool call for run_shell_command in gemini's shape", async () => {
    const dir = await tempDir();
    const input = JSON.parse(
      hookInput(dir, 'run_shell_command', { command: 'git -C . push origin HEAD:main' }),
    ) as Record<string, unknown>;
    const result = await runCli(['hook', 'pre-tool-use'], {
      cwd: dir,
      input: JSON.stringify({ ...input, hook_event_name: 'BeforeTool' }),
      env: { NIGHTSHIFT_POLICY: undefined, NIGHTSHIFT_DENIALS_FILE: undefined },
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      decision: 'deny',
      reason: expect.stringMatching(/^git push is blocked by nightshift/) as unknown,
    });
  });

  it('prints nothing for an allowed command', async () => {
    const dir = await tempDir();
    const result = await runHook(dir, 'Bash', { command: 'ls -la' });
    expect(result).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
  });

  it('is hidden from the top-level help', async () => {
    const result = await runCli(['--help']);
    expect(result.stdout).not.toMatch(/^\s+hook\b/m);
  });

  it('takes the policy from NIGHTSHIFT_POLICY', async () => {
    const dir = await tempDir();
    const policy = JSON.stringify({ mode: 'allowlist', blocked: [], allowed: ['ls'] });
    const denied = await runHook(dir, 'Bash', { command: 'npm install' }, { NIGHTSHIFT_POLICY: policy });
    expect(denied.stdout).toMatch(/allowlist mode/);
    const ok = await runHook(dir, 'Bash', { command: 'ls' }, { NIGHTSHIFT_POLICY: policy });
    expect(ok.stdout).toBe('');
  });

  it("falls back to the project's nightshift.toml, found from a subfolder", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'nightshift.toml'), '[security]\nblocked_commands = ["docker rm"]\n');
    await mkdir(path.join(dir, 'sub'));
    const result = await runHook(path.join(dir, 'sub'), 'Bash', { command: 'docker rm -f web' });
    expect(JSON.parse(result.stdout)).toMatchObject({
      hookSpecificOutput: {
        permissionDecision: 'deny',
        permissionDecisionReason: expect.stringMatching(/blocked_commands/) as unknown,
      },
    });
  });

  it('denies reading ~/.ssh through the Read tool', async () => {
    const dir = await tempDir();
    const result = await runHook(dir, 'Read', { file_path: '~/.ssh/id_rsa' });
    expect(result.stdout).toMatch(/"permissionDecision":"deny"/);
  });

  it('ignores other tools', async () => {
    const dir = await tempDir();
    const result = await runHook(dir, 'Write', { file_path: path.join(dir, 'a.txt'), content: 'git push' });
    expect(result.stdout).toBe('');
  });

  it('answers the same from the standalone entry dist/security/hook-main.js (no CLI imports)', async () => {
    const dir = await tempDir();
    const { stdout } = await execa(
      process.execPath,
      [path.join(repoRoot, 'dist', 'security', 'hook-main.js')],
      {
        cwd: dir,
        input: hookInput(dir, 'Bash', { command: 'sudo rm -rf /' }),
        env: { NIGHTSHIFT_POLICY: '', NIGHTSHIFT_DENIALS_FILE: '' },
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ hookSpecificOutput: { permissionDecision: 'deny' } });
  });
});
