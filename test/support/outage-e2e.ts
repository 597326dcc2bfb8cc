/**
 * Drives a real agent CLI through an outage of its (fake) model API under the engine (issue 11):
 * the fake answers with one fault after another — each held until the engine has paused the queue
 * for it — then `nightshift status` is asked while paused, and the fake recovers. The run goes on
 * by itself; the caller asserts the task landed with no retry, reflection or lesson spent.
 *
 *   const outage = await runThroughOutage(project, [() => fake.setFault(500), () => fake.setFault(401)],
 *     () => fake.setFault(undefined), ['run', '--no-ui', '--max-retries', '0']);
 *
 * With CAPTURE_OUTAGE_FIXTURES=1 the agent's stdout of each outage attempt (the record under
 * `.nightshift/logs/`) is copied to `test/fixtures/cli/<cli>/<version>/outage-<n>.jsonl`, the
 * fixtures `test/unit/outage-fixtures.test.ts` classifies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Task } from '../../source/tasks/model.js';
import { agentClis, type AgentCliName } from './agent-clis.js';
import { repoRoot, type CliResult, type RunCliOptions } from './cli.js';
import { waitFor, waitForValue } from './wait.js';

/** Env for a run through an outage: short pauses, and a CLI retrying a dead API is ended soon. */
export const OUTAGE_ENV: Readonly<Record<string, string>> = {
  NIGHTSHIFT_OUTAGE_BACKOFF_MS: '1500',
  NIGHTSHIFT_OUTAGE_GRACE_MS: '8000',
};

/** What runThroughOutage needs of a project. */
export interface OutageProject {
  readonly dir: string;
  run(args: readonly string[], options?: RunCliOptions): Promise<CliResult>;
}

/** What happened. */
export interface OutageRun {
  readonly run: CliResult;
  /** `nightshift status` while the queue was paused. */
  readonly status: string;
  /** The `queue paused: …` lines of the run, in order. */
  readonly pauses: readonly string[];
}

function pauseLines(dir: string): string[] {
  const file = path.join(dir, '.nightshift', 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes('queue paused: outage'))
    .map((line) => {
      try {
        const event = JSON.parse(line) as { message?: unknown };
        return typeof event.message === 'string' ? event.message : line;
      } catch {
        return line;
      }
    });
}

/** Runs `args` (a `run`) through the faults, in order, then `recover()`. */
export async function runThroughOutage(
  project: OutageProject,
  faults: readonly (() => void)[],
  recover: () => void,
  args: readonly string[],
  timeoutMs: number,
): Promise<OutageRun> {
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1000, deadline - Date.now());
  faults[0]?.();
  let finished: CliResult | undefined;
  const running = project.run(args, { timeoutMs, env: OUTAGE_ENV }).then((result) => (finished = result));
  const what = (n: number) => (): string =>
    `pause ${n} of the queue${finished ? ` (the run ended: exit ${finished.exitCode}\n${finished.stdout}\n${finished.stderr})` : ''}`;
  try {
    for (let n = 1; n <= faults.length; n += 1) {
      await waitFor(() => finished !== undefined || pauseLines(project.dir).length >= n, what(n), left());
      if (finished) throw new Error(what(n)());
      faults[n]?.();
    }
    // The fault still holds, so the queue keeps pausing: status says so, now or at the next pause.
    const status = await waitForValue(
      async () => {
        if (finished) throw new Error(what(faults.length)());
        const result = await project.run(['status']);
        return /engine: paused \(outage/.test(result.stdout) ? result.stdout : undefined;
      },
      '`nightshift status` saying the queue is paused for an outage',
      left(),
      200,
    );
    recover();
    const run = await running;
    return { run, status, pauses: pauseLines(project.dir) };
  } finally {
    recover();
    await running;
  }
}

/** With CAPTURE_OUTAGE_FIXTURES=1: the agent's stdout of each outage attempt of `task`, as fixtures. */
export async function captureOutageFixtures(cli: AgentCliName, dir: string, task: Task): Promise<void> {
  if (process.env['CAPTURE_OUTAGE_FIXTURES'] !== '1') return;
  const version = agentClis[cli]?.version;
  if (version === undefined) return;
  const logs = path.join(dir, '.nightshift', 'logs');
  const files = (await readdir(logs, { recursive: true })).filter((file) => file.endsWith('.jsonl'));
  const target = path.join(repoRoot, 'test', 'fixtures', 'cli', cli, version);
  await mkdir(target, { recursive: true });
  let n = 0;
  for (const attempt of task.attempts) {
    if (!attempt.summary.startsWith('outage:')) continue;
    n += 1;
    const record = files.find((file) => path.basename(file) === `${task.id}.${attempt.n}.jsonl`);
    if (record) await copyFile(path.join(logs, record), path.join(target, `outage-${n}.jsonl`));
  }
}
