/**
 * `nightshift doctor`: checks the machine and the project (DESIGN.md §1). The checks are in
 * init/doctor-checks.ts; this file prints them as `status  check  detail` lines or JSON.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { allPassed, runDoctorChecks, type CheckResult } from '../init/doctor-checks.js';

/** Registers `doctor`. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check node-pty, git, each agent CLI, nightshift.toml and the store')
    .argument(
      '[dir]',
      'the project folder (default: the nearest folder upwards with a nightshift.toml, else the current one)',
    )
    .option('--json', 'print {ok, checks: [{status, check, detail, fix}]} as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Each line is ok, warn or fail, with a fix under every warn and fail. Exits 1 when any check fails.',
        '',
        'Examples:',
        '  nightshift doctor',
        '  nightshift doctor --json | jq \'.checks[] | select(.status != "ok")\'',
      ].join('\n'),
    )
    .action(async (dir: string | undefined, options: { json?: boolean }) => {
      const root = dir === undefined ? nearestProject(process.cwd()) : path.resolve(dir);
      const checks = await runDoctorChecks({ root });
      const ok = allPassed(checks);
      if (options.json) printLine(JSON.stringify({ ok, root, checks }, null, 2));
      else printChecks(checks);
      if (!ok) process.exitCode = 1;
    });
}

function printChecks(checks: readonly CheckResult[]): void {
  const width = Math.max(...checks.map((check) => check.check.length));
  for (const check of checks) {
    printLine(
      `${check.status.padEnd(4)}  ${check.check.padEnd(width)}  ${check.detail.replace(/\n/g, '\n      ')}`,
    );
    if (check.fix !== undefined && check.status !== 'ok')
      printLine(`${' '.repeat(width + 8)}fix: ${check.fix}`);
  }
  const failed = checks.filter((check) => check.status === 'fail').length;
  const warned = checks.filter((check) => check.status === 'warn').length;
  printLine();
  printLine(
    failed > 0
      ? `${failed} failed, ${warned} warnings`
      : warned > 0
        ? `no failures, ${warned} warnings`
        : 'all checks passed',
  );
}

/** The nearest folder upwards holding a nightshift.toml, or `start` itself. */
function nearestProject(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nightshift.toml'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start);
  }
}

function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}
