/**
 * Secrets never land in clear in a file nightshift writes (DESIGN.md §8): a sim agent prints an
 * Anthropic key, an AWS access key, a GitHub token, a Slack token and an `aws_secret_access_key = …`
 * value (to stdout, to stderr, after an escaped newline inside its JSON record, into a file of its
 * diff), a gate prints them too, a retry's prompt carries the failed gate's output; afterwards no
 * file anywhere under `.nightshift/` (records, logs, archive, prompts, reports, progress, events,
 * state) holds any of them, and neither do `task show`, `task diff` and `report`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupProjects, simProject, simTask } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

/** The keys, as env variables the agent and the gate can print; each with the part that must not appear. */
const KEYS = {
  T_ANT: `sk-ant-api03-${'Q7r'.repeat(12)}`,
  T_AKIA: 'AKIAZ7Q2X9W4V6N3M8K5',
  T_GHP: `ghp_${'a1B2c3D4e5'.repeat(4)}`,
  T_XOXB: 'xoxb-1234567890-abcdefghijklmnop',
  T_AWS: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY',
} as const;
const SECRET_PARTS = [
  'Q7rQ7rQ7rQ7r',
  'Z7Q2X9W4V6N3M8K5',
  'a1B2c3D4e5a1B2c3',
  '1234567890-abcdefghijklmnop',
  'wJalrXUtnFEMI/K7MDENG',
];

/** Every file under `dir` with any of the secret parts it holds in clear. */
function leaks(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      const stat = statSync(full, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile()) {
        const text = readFileSync(full, 'latin1');
        for (const part of SECRET_PARTS)
          if (text.includes(part)) found.push(`${path.relative(dir, full)}: ${part}`);
      }
    }
  };
  walk(dir);
  return found;
}

describe('secrets are masked in every file nightshift writes', () => {
  it('leaves no clear key under .nightshift/ nor in task show, task diff and report', async () => {
    const project = await simProject({ run: { max_retries: 1 } });
    const agent = [
      'sim: run echo "the key is $T_ANT"',
      'sim: run echo "$T_AKIA" >&2',
      `sim: run printf 'first line\\n%s\\n' "$T_GHP"`,
      'sim: run echo "aws_secret_access_key = $T_AWS"',
      'sim: run echo "$T_XOXB" > leaked.txt',
    ].join('\n');
    await project.importTasks([
      simTask('leaky', agent, ['echo "gate sees $T_GHP and $T_ANT"']),
      // The gate fails: its output goes to the archive, the log, the state and the retry's prompt.
      simTask('failing', 'sim: run echo "$T_XOXB"', [
        'echo "aws_secret_access_key = $T_AWS $T_AKIA"; exit 1',
      ]),
    ]);
    const env = { ...KEYS };
    const run = await project.cli(['run', '--no-ui'], { env, timeoutMs: 240_000 });
    expect(project.task('leaky').status, run.stdout + run.stderr).toBe('done');
    expect(project.task('failing').attempts).toHaveLength(2);

    const shown = [
      run.stdout,
      run.stderr,
      (await project.cli(['task', 'show', 'leaky'], { env })).stdout,
      (await project.cli(['task', 'show', 'failing'], { env })).stdout,
      (await project.cli(['task', 'diff', 'leaky'], { env })).stdout,
      (await project.cli(['task', 'diff', 'failing'], { env })).stdout,
      (await project.cli(['report'], { env })).stdout,
    ].join('\n');
    // The masked forms are there, so the keys were printed and caught, not lost.
    expect(
      readFileSync(
        path.join(
          project.dir,
          '.nightshift',
          'logs',
          readdirSync(path.join(project.dir, '.nightshift', 'logs'))[0] ?? '',
          'leaky.1.jsonl',
        ),
        'utf8',
      ),
    ).toContain('sk-ant-…****');
    expect(shown).toContain('AKIA…****');
    for (const part of SECRET_PARTS) expect(shown).not.toContain(part);
    expect(leaks(path.join(project.dir, '.nightshift'))).toEqual([]);
  }, 300_000);

  it('masks a key a gate prints in two writes with a pause between them, in the gate log, records, events and state', async () => {
    const project = await simProject({ run: { max_retries: 0 } });
    // The key's first 19 characters, a pause (a separate chunk), then the rest and a newline; the
    // gate fails, so its output also goes to the attempt's summary, the archive and the reflection.
    const gate =
      'printf "gate key: %s" "${T_ANT%"${T_ANT#????????????????????}"}"; sleep 1; printf "%s done\\n" "${T_ANT#????????????????????}"; exit 1';
    await project.importTasks([simTask('split', 'sim: run echo ok', [gate])]);
    const env = { ...KEYS };
    const run = await project.cli(['run', '--no-ui'], { env, timeoutMs: 240_000 });
    const task = project.task('split');
    expect(
      task.attempts.map((a) => a.outcome),
      run.stdout + run.stderr,
    ).toEqual(['failed']);
    const logs = path.join(project.dir, '.nightshift', 'logs');
    const gateLog = readdirSync(logs, { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('split.1.log'))
      .map((name) => readFileSync(path.join(logs, name), 'utf8'))
      .join('');
    // The key was printed, caught whole, and masked.
    expect(gateLog, gateLog).toContain('gate key: sk-ant-…**** done');
    const shown = [run.stdout, run.stderr, (await project.cli(['task', 'show', 'split'], { env })).stdout];
    for (const part of SECRET_PARTS) expect(shown.join('\n')).not.toContain(part);
    expect(leaks(path.join(project.dir, '.nightshift'))).toEqual([]);
  }, 300_000);
});
