/**
 * A write the kernel sandbox refused is a denial (attempt/agent-run.ts denialOf), whether the CLI
 * marks the failed command as an error (claude, codex) or reports it as a result with its output
 * (gemini, opencode); a result that only mentions the words is not one.
 */
import { describe, expect, it } from 'vitest';
import { denialOf } from '../../source/attempt/agent-run.js';

const calls = new Map([['t1', 'Bash: rm -r /elsewhere/dir']]);
const result = (text: string, isError: boolean) =>
  denialOf({ type: 'tool-result', id: 't1', isError, text }, calls);

describe('denialOf: the kernel sandbox refusing a write', () => {
  it.each([
    ["rm: cannot remove '/elsewhere/dir/canary.txt': Read-only file system", true],
    ["rm: cannot remove '/elsewhere/dir/canary.txt': Read-only file system", false],
    ['/usr/bin/bash: line 4: /home/u/project/user.txt: Read-only file system\nExit Code: 1', false],
    [
      "error: cannot lock ref 'refs/stash': Unable to create '/p/.git/refs/stash.lock': Read-only file system",
      false,
    ],
    ['error: remote unpack failed: unable to create temporary object directory\n ! [remote rejected]', false],
  ])('%j (isError %s) is a sandbox denial naming the command', (text, isError) => {
    const denial = result(text, isError);
    expect(denial?.by).toBe('sandbox');
    expect(denial?.command).toBe('Bash: rm -r /elsewhere/dir');
    expect(denial?.reason).toMatch(/^sandbox: .*(Read-only file system|temporary object directory)/);
  });

  it('a successful result that only mentions the words is none', () => {
    expect(
      result('const SANDBOX_REFUSAL = /Read-only file system|EROFS/; // the kernel', false),
    ).toBeUndefined();
    expect(result('the Read-only file system error means the sandbox refused it', false)).toBeUndefined();
    expect(result('all good', true)).toBeUndefined();
  });
});

describe('denialOf: who refused', () => {
  it('is the policy for a denied event, or the CLI the event names', () => {
    expect(denialOf({ type: 'denied', command: 'git push', reason: 'no' }, calls)?.by).toBe('policy');
    const byCli = denialOf({ type: 'denied', by: 'opencode', command: 'cat /etc/x', reason: 'no' }, calls);
    expect(byCli?.by).toBe('opencode');
  });
});
