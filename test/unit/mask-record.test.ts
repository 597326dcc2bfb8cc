/**
 * The `.jsonl` record is masked as it is written (security/record-tee.ts): JSON lines keep their
 * bytes unless a secret is found, stay valid JSON when one is, and a key after an escaped newline
 * or split across two writes is still caught; the terminal gets the bytes unchanged, as tee's.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordTeeCommand } from '../../source/security/private-files.js';
import { maskRecordLine, maskSecrets } from '../../source/security/secrets.js';
import { waitFor } from '../support/wait.js';

const ANT = `sk-ant-api03-${'Q7r'.repeat(12)}`;
const GHP = `ghp_${'a1B2c3D4e5'.repeat(4)}`;

describe('maskRecordLine', () => {
  it('keeps a JSON line without secrets byte for byte', () => {
    const line = '{"type":"text","text":"caf\\u00e9 1.0","n":1.50}';
    expect(maskRecordLine(line)).toBe(line);
  });

  it('masks strings inside JSON, a key after an escaped newline included, and stays JSON', () => {
    const line = JSON.stringify({ type: 'tool_result', output: `first\n${GHP}\nTOKEN=abc\\"x`, id: ANT });
    const masked = maskRecordLine(line);
    expect(masked).not.toContain('a1B2c3D4e5');
    expect(masked).not.toContain('Q7rQ7r');
    expect(JSON.parse(masked)).toEqual({
      type: 'tool_result',
      output: 'first\nghp_…****\nTOKEN=****\\"x',
      id: 'sk-ant-…****',
    });
  });

  it('masks a key after an escaped newline in JSON text (a terminal log of JSON lines)', () => {
    expect(maskSecrets(`{"output":"first\\n${GHP}"}`)).toBe('{"output":"first\\nghp_…****"}');
  });
});

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('record-tee', () => {
  const tee = recordTeeCommand();
  it.skipIf(!tee.env['NIGHTSHIFT_RECORD_TEE'])(
    'appends masked lines and passes the bytes through unchanged',
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-tee-'));
      dirs.push(dir);
      const file = path.join(dir, 'record.jsonl');
      const child = spawn('/bin/sh', ['-c', tee.shell], {
        env: { ...process.env, ...tee.env, NIGHTSHIFT_RECORD_FILE: file },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      const first = `${JSON.stringify({ type: 'text', text: `key ${ANT}` })}\n{"type":"text","text":"${GHP.slice(0, 10)}`;
      const second = `${GHP.slice(10)}"}\nplain ${ANT} tail`;
      child.stdin.write(first);
      // The second write goes once the first has come through, so the key is split across reads.
      await waitFor(() => out === first, 'the first write on stdout');
      child.stdin.end(second);
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(0);
      expect(out).toBe(first + second);
      expect(readFileSync(file, 'utf8')).toBe(
        '{"type":"text","text":"key sk-ant-…****"}\n{"type":"text","text":"ghp_…****"}\nplain sk-ant-…**** tail',
      );
    },
  );
});
