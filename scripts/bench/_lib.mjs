// Helpers shared by the benchmark sections (scripts/bench/NN-name.mjs). Files starting with `_` are
// not sections. Everything runs the BUILT CLI (dist/) on scratch git repos under the system temp
// dir, with a scratch XDG_STATE_HOME, and removes them afterwards.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI. */
export const cliPath = path.join(repoRoot, 'dist', 'cli', 'index.js');

/** The node flags the built CLI's `#!` line names, read once (not inside each timed command). */
let shebangFlags;

/**
 * The node arguments that start the CLI as a user's shell does: the node flags its `#!` line
 * names (`#!/usr/bin/env -S node FLAGS`), then the script. This bench's own node runs it.
 */
export function cliArgs(...args) {
  if (shebangFlags === undefined) {
    const shebang = existsSync(cliPath) ? readFileSync(cliPath, 'utf8').split('\n', 1)[0] : '';
    const named = /^#!\S*env -S node((?: --[\w-]+(?:=\S+)?)*)$/.exec(shebang)?.[1] ?? '';
    shebangFlags = named.split(' ').filter(Boolean);
  }
  return [...shebangFlags, cliPath, ...args];
}

const scratch = [];

/** A new scratch folder, removed by {@link cleanup}. */
export function scratchDir(prefix) {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  scratch.push(dir);
  return dir;
}

/** Removes every scratch folder (set NIGHTSHIFT_KEEP_TMP=1 to keep them). */
export function cleanup() {
  if (process.env.NIGHTSHIFT_KEEP_TMP === '1') return;
  // Retried: an engine that was just stopped may still be writing its last files in there. A
  // folder that still cannot go is named, not fatal: the figures are printed already.
  for (const dir of scratch.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
    } catch (error) {
      console.error(`  (could not remove ${dir}: ${error.message})`);
    }
  }
}

/** Median of numbers (NaN for none). */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The p-th percentile (0–100), nearest rank. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** `12.3 ms` */
export function ms(value) {
  return `${value.toFixed(1)} ms`;
}

/** A seeded PRNG (mulberry32) so every run of a benchmark measures the same workload. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** state.json of `.nightshift/` with its tasks, also when a large queue keeps them in task files (store/task-files.ts). */
function readState(nightshift) {
  const state = JSON.parse(readFileSync(path.join(nightshift, 'state.json'), 'utf8'));
  if (!Array.isArray(state.taskFiles)) return state;
  const tasks = state.taskFiles.flatMap((name) =>
    JSON.parse(readFileSync(path.join(nightshift, 'state-tasks', name), 'utf8')),
  );
  return { ...state, tasks };
}

/**
 * A scratch git repo with `nightshift init --use sim`, `[run]` keys set, everything committed, and
 * `tasks` (plan file format) imported. Returns { dir, env, cli(args) → spawnSync result, state() }.
 */
export function simProject({ tasks = [], run = {} } = {}) {
  const dir = scratchDir('nightshift-bench-');
  const env = {
    ...process.env,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    XDG_STATE_HOME: scratchDir('nightshift-bench-state-'),
  };
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const cli = (args) =>
    spawnSync(process.execPath, cliArgs(...args), {
      cwd: dir,
      env,
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'nightshift bench');
  git('config', 'user.email', 'bench@nightshift.invalid');
  git('config', 'commit.gpgsign', 'false');
  check(cli(['init', '--use', 'sim']), 'init');
  const toml = path.join(dir, 'nightshift.toml');
  let text = readFileSync(toml, 'utf8').replace(/^default = .*$/m, 'default = "sim"');
  for (const [key, value] of Object.entries(run))
    text = text.replace(new RegExp(`^${key} = .*$`, 'm'), `${key} = ${JSON.stringify(value)}`);
  writeFileSync(toml, text);
  git('add', '-A');
  git('commit', '-q', '-m', 'nightshift init');
  if (tasks.length > 0) {
    const plan = path.join(scratchDir('nightshift-bench-plan-'), 'plan.json');
    writeFileSync(plan, JSON.stringify({ project: 'bench', tasks }));
    check(cli(['task', 'import', plan]), 'task import');
  }
  return {
    dir,
    env,
    cli,
    state: () => readState(path.join(dir, '.nightshift')),
  };
}

/** Throws with the output when a CLI run failed. */
export function check(result, what) {
  if (result.status !== 0)
    throw new Error(`nightshift ${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** A task in the plan file format for the sim: `description` holds its `sim:` directives. */
export function simTask(id, description, verify, extra = {}) {
  return {
    id,
    title: `Task ${id}`,
    description,
    steps: [`do what task ${id} says`],
    verification: { validate_commands: verify },
    ...extra,
  };
}

/**
 * Runs `nightshift run --no-ui --json …` in a project; resolves to { exitCode, wallMs, events }
 * where each event is the parsed NDJSON line (with the engine's `at` time).
 */
export function runJson(project, args = []) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, cliArgs('run', '--no-ui', '--json', ...args), {
      cwd: project.dir,
      env: project.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const text = out.map((c) => c.toString('utf8')).join('');
      const events = text
        .split('\n')
        .filter((line) => line.trim().startsWith('{'))
        .map((line) => JSON.parse(line));
      if (code !== 0) {
        reject(new Error(`run exited ${code}:\n${err.map((c) => c.toString('utf8')).join('')}`));
        return;
      }
      resolve({ exitCode: code, wallMs, events });
    });
  });
}

/** Wall time in ms of one synchronous CLI run (asserting success). */
export function timeCli(project, args) {
  const started = performance.now();
  check(project.cli(args), args.join(' '));
  return performance.now() - started;
}

/** Fails early with a clear message when dist/ is missing. */
export function requireBuild() {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
}

/**
 * A store of `count` tasks written straight into a sim project's state.json (faster than `task
 * import` at 10,000 tasks, and with history): a seeded mix of statuses, about half with a
 * dependency, done ones with one or two finished attempts (checks, quality, summary).
 */
export function largeStore(count, { seed = 7 } = {}) {
  const project = simProject();
  const random = seededRandom(seed);
  const at = '2026-01-01T00:00:00.000Z';
  const id = (i) => `t${String(i).padStart(5, '0')}`;
  const statuses = ['done', 'done', 'done', 'pending', 'pending', 'blocked'];
  const tasks = Array.from({ length: count }, (_, i) => {
    const status = statuses[Math.floor(random() * statuses.length)];
    const attempts =
      status === 'pending'
        ? []
        : Array.from({ length: 1 + Math.floor(random() * 2) }, (_, k) => ({
            n: k + 1,
            runId: 'r1',
            backend: 'sim',
            agentName: 'Ada',
            startedAt: at,
            endedAt: at,
            outcome: status === 'blocked' || k === 0 ? 'failed' : 'passed',
            exitCode: 0,
            checks: [{ kind: 'command', name: `test -f f${i}.txt`, passed: true, detail: '', durationMs: 3 }],
            tokensIn: 1200,
            tokensOut: 80,
            costUsd: 0,
            summary: `Wrote f${i}.txt with its line.`,
            commit: '0123456789abcdef0123456789abcdef01234567',
            sessionId: `sim-r1-${id(i)}-${k + 1}`,
            logPath: `.nightshift/logs/r1/${id(i)}.${k + 1}.log`,
            quality: {
              score: 90,
              files: 1,
              insertions: 1,
              deletions: 0,
              outsidePatterns: [],
              testsChanged: 0,
              todosAdded: 0,
              verifyMs: 3,
              reasons: ['small change'],
            },
          }));
    return {
      id: id(i),
      title: `Task ${i}`,
      description: `Task number ${i}: write its file.\nsim: write f${i}.txt <<<\nline ${i}\n>>>`,
      priority: 0,
      steps: [`do what task ${i} says`],
      dependsOn: i > 0 && random() < 0.5 ? [id(Math.floor(random() * i))] : [],
      docs: [],
      status,
      ...(status === 'blocked' ? { blockReason: 'gate failed 4 times' } : {}),
      verification: { pathPatterns: [], commands: [`test -f f${i}.txt`], env: {} },
      completion: { kind: 'boolean' },
      execution: { strategy: 'single_pass' },
      attempts,
      notes: '',
      learning: [],
      createdAt: at,
      updatedAt: at,
    };
  });
  const file = path.join(project.dir, '.nightshift', 'state.json');
  const state = JSON.parse(readFileSync(file, 'utf8'));
  state.tasks = tasks;
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  return project;
}

/**
 * The budget rows (DESIGN.md §9) measured in this bench run, for the summary scripts/bench.mjs
 * prints at the end: each { label, value, limit, unit, note }, within when value ≤ limit.
 */
export const budgets = [];

/** Records one budget row (a figure and its limit) for the summary. */
export function budget(label, value, limit, unit, note = '') {
  budgets.push({ label, value, limit, unit, note });
}
