// The sandbox's start-up cost per attempt (DESIGN.md §8): `sh -c true` bare and under the bwrap
// arguments an attempt gets (dist/sandbox/bwrap.js, on a real git worktree), median of N runs.
// An attempt starts bwrap twice or more: once for the agent and once per gate command. The agent's
// record goes through record-tee (a `tee -a` masking secrets, dist/security/record-tee.js) once per
// agent: its rows compare it with plain tee on one JSON line.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { median, ms, percentile, repoRoot, scratchDir } from './_lib.mjs';

export const name = 'sandbox';
export const title = 'bwrap start-up per sandboxed command (median of 50 runs)';

function time(file, args, cwd) {
  const started = performance.now();
  const result = spawnSync(file, args, { cwd, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${file} exited ${String(result.status)}`);
  return performance.now() - started;
}

export async function run({ print }) {
  const { bwrapArguments, bwrapBinary, probeBwrap } = await import(
    pathToFileURL(path.join(repoRoot, 'dist', 'sandbox', 'bwrap.js')).href
  );
  const probe = probeBwrap();
  if (!probe.ok) {
    print(`skipped: ${probe.detail}`);
    return;
  }
  const runs = Number(process.env.BENCH_SANDBOX_RUNS ?? (process.env.BENCH_QUICK === '1' ? 10 : 50));
  const repo = scratchDir('nightshift-bench-sandbox-');
  const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '--allow-empty', '-m', 'x');
  const worktree = path.join(scratchDir('nightshift-bench-wt-'), 't-1');
  mkdirSync(path.dirname(worktree), { recursive: true });
  git('worktree', 'add', '-q', '-B', 'nightshift/t', worktree);
  const settings = { mode: 'bwrap', network: true, writable: [] };
  const { args } = bwrapArguments(settings, { worktree, projectRoot: repo }, process.env.HOME ?? '/root');
  const cut = bwrapArguments(
    { ...settings, network: false },
    { worktree, projectRoot: repo },
    process.env.HOME ?? '/root',
  );
  const rows = [
    ['sh -c true', () => time('/bin/sh', ['-c', 'true'], worktree)],
    [
      'bwrap … sh -c true (network on)',
      () => time(bwrapBinary(), [...args, '--', '/bin/sh', '-c', 'true'], worktree),
    ],
    [
      'bwrap … sh -c true (network off)',
      () => time(bwrapBinary(), [...cut.args, '--', '/bin/sh', '-c', 'true'], worktree),
    ],
    [
      'building the arguments',
      () => {
        const started = performance.now();
        bwrapArguments(settings, { worktree, projectRoot: repo }, process.env.HOME ?? '/root');
        return performance.now() - started;
      },
    ],
    [
      'echo line | tee -a record',
      () => time('/bin/sh', ['-c', `echo '{"type":"text"}' | tee -a record.jsonl >/dev/null`], worktree),
    ],
    [
      'echo line | record-tee record',
      () =>
        time(
          '/bin/sh',
          [
            '-c',
            `echo '{"type":"text"}' | "${process.execPath}" "${path.join(repoRoot, 'dist', 'security', 'record-tee.js')}" record.jsonl >/dev/null`,
          ],
          worktree,
        ),
    ],
  ];
  const medians = [];
  for (const [label, measure] of rows) {
    measure();
    const samples = Array.from({ length: runs }, measure);
    medians.push(median(samples));
    print(`${label.padEnd(36)} median ${ms(median(samples))}, p90 ${ms(percentile(samples, 90))}`);
  }
  print(
    `bwrap cost per sandboxed command: ${ms(medians[1] - medians[0])} (network on), ${ms(medians[2] - medians[0])} (network off), plus ${ms(medians[3])} to build the arguments`,
  );
  print(`record-tee cost per agent (masking the record) over tee: ${ms(medians[5] - medians[4])}`);
}
