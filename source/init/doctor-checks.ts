/**
 * `nightshift doctor`: checks of the machine and the project, each ending ok, warn or fail with a
 * fix. External programs are probed with a deadline so one hung CLI cannot hang the doctor.
 */
import { stat } from 'node:fs/promises';
import { probePty } from '../agents/pty.js';
import { BACKEND_PACKAGES } from '../agents/backend.js';
import { loadConfig } from '../config/load.js';
import { BACKEND_NAMES, type BackendName, type Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { projectPaths } from '../paths.js';
import { readStoreSummary } from './project-store.js';
import { readRawState } from '../store/task-files.js';
import { probeBwrap } from '../sandbox/bwrap.js';
import { PROBE_TIMEOUT_MS, findOnPath, firstLine, gitRepositoryInfo, runProbe } from './probe.js';

/** How a check came out. `fail` makes `doctor` exit 1. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the doctor's report. */
export interface CheckResult {
  readonly status: CheckStatus;
  /** What was checked, e.g. `node`, `node-pty`, `claude`. */
  readonly check: string;
  readonly detail: string;
  /** What to do about a warn or fail. */
  readonly fix?: string;
}

/** The oldest Node major nightshift runs on (DESIGN §10). */
export const MIN_NODE_MAJOR = 20;

/** Options of {@link runDoctorChecks}. */
export interface DoctorOptions {
  /** The project root. */
  readonly root: string;
  /** Environment the CLIs are looked up in (PATH); defaults to the process's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Runs every check (the slow ones in parallel) and returns them in a fixed order. */
export async function runDoctorChecks(options: DoctorOptions): Promise<CheckResult[]> {
  const env = options.env ?? process.env;
  const override = Number(env['NIGHTSHIFT_DOCTOR_TIMEOUT_MS']);
  const timeoutMs = options.timeoutMs ?? (override > 0 ? override : PROBE_TIMEOUT_MS);
  const configOutcome = await checkConfig(options.root);
  const config = configOutcome.config;
  const required = new Set<BackendName>();
  if (config !== undefined) {
    required.add(config.backend.default);
    if (config.backend.plan !== '') required.add(config.backend.plan);
    for (const backend of await taskBackends(options.root)) required.add(backend);
  }

  const backendNames = Object.keys(BACKEND_PACKAGES) as Exclude<BackendName, 'sim'>[];
  const [pty, git, store, ...backends] = await Promise.all([
    checkNodePty(options.root, timeoutMs),
    checkGit(options.root, env, timeoutMs),
    checkStore(options.root),
    ...backendNames.map((name) => checkBackend(name, config, required.has(name), env, timeoutMs)),
  ]);
  // In a project, a CLI it does not use is not worth a warning: shown when installed, else named once.
  const inProject = config !== undefined;
  const unused = backends.filter((result) => inProject && notInstalled.has(result));
  const results: CheckResult[] = [checkNode(), pty, ...git, ...backends.filter((r) => !unused.includes(r))];
  if (unused.length > 0)
    results.push({
      status: 'ok',
      check: 'other CLIs',
      detail: `${unused.map((result) => result.check).join(', ')} not installed (this project does not use them)`,
    });
  if (required.has('sim'))
    results.push({ status: 'ok', check: 'sim', detail: 'built in (simulated agent, no model)' });
  results.push(checkSandbox(config), configOutcome.result, store);
  return results;
}

/** bwrap works here (`bwrap --ro-bind / / true`): fail when the project asked for it, else warn. */
export function checkSandbox(config: Config | undefined): CheckResult {
  const mode = config?.sandbox.mode ?? 'auto';
  if (mode === 'off')
    return {
      status: 'warn',
      check: 'sandbox',
      detail: '[sandbox] mode = "off": agents run with your permissions',
    };
  if (process.platform !== 'linux')
    return {
      status: 'warn',
      check: 'sandbox',
      detail: `bubblewrap needs Linux; agents run unsandboxed on ${process.platform}`,
    };
  const probe = probeBwrap();
  if (probe.ok)
    return { status: 'ok', check: 'sandbox', detail: `${probe.detail}: agents and gates run under bwrap` };
  return {
    status: mode === 'bwrap' ? 'fail' : 'warn',
    check: 'sandbox',
    detail: probe.detail,
    fix: 'apt-get install bubblewrap (Debian/Ubuntu) and allow unprivileged user namespaces, or set [sandbox] mode = "off"',
  };
}

/** True when no check failed. */
export function allPassed(results: readonly CheckResult[]): boolean {
  return results.every((result) => result.status !== 'fail');
}

/** The pty every agent runs in: loaded and proven by running `echo ok` in it. */
async function checkNodePty(root: string, timeoutMs: number): Promise<CheckResult> {
  const probe = await probePty(root, timeoutMs);
  if (probe.ok) return { status: 'ok', check: 'node-pty', detail: probe.detail };
  return { status: 'fail', check: 'node-pty', detail: probe.problem, fix: probe.fix };
}

function checkNode(): CheckResult {
  const version = process.versions.node;
  const major = Number(version.split('.')[0]);
  if (major >= MIN_NODE_MAJOR) return { status: 'ok', check: 'node', detail: `v${version}` };
  return {
    status: 'fail',
    check: 'node',
    detail: `v${version} is older than ${MIN_NODE_MAJOR}`,
    fix: `install Node ${MIN_NODE_MAJOR} or newer (e.g. with nvm: \`nvm install ${MIN_NODE_MAJOR}\`)`,
  };
}

async function checkGit(root: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CheckResult[]> {
  const git = await findOnPath('git', env);
  if (git === undefined) {
    return [
      {
        status: 'fail',
        check: 'git',
        detail: 'not found on PATH',
        fix: 'install git (e.g. `apt-get install git`); nightshift commits every task and runs agents in worktrees',
      },
    ];
  }
  const version = await runProbe(git, ['--version'], { env, timeoutMs });
  const versionResult: CheckResult = version.ok
    ? { status: 'ok', check: 'git', detail: firstLine(version.stdout) }
    : {
        status: 'fail',
        check: 'git',
        detail: `${git} --version failed: ${version.error}`,
        fix: 'reinstall git',
      };
  const repo = await gitRepositoryInfo(root, env);
  let repoResult: CheckResult;
  switch (repo.kind) {
    case 'repository':
      repoResult = { status: 'ok', check: 'repository', detail: repo.topLevel };
      break;
    case 'not-a-repository':
      repoResult = {
        status: 'warn',
        check: 'repository',
        detail: `${root} is not a git repository`,
        fix: 'run `git init` (and make a first commit) before `nightshift run`',
      };
      break;
    case 'no-git':
      repoResult = {
        status: 'fail',
        check: 'repository',
        detail: repo.error,
        fix: 'check that git works in this folder',
      };
      break;
  }
  return [versionResult, repoResult];
}

/** The backend results that say the CLI is not installed (named once, in a project that does not use them). */
const notInstalled = new WeakSet<CheckResult>();

async function checkBackend(
  name: Exclude<BackendName, 'sim'>,
  config: Config | undefined,
  required: boolean,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<CheckResult> {
  const command = config?.backend[name].command || name;
  const role = required ? ' (the configured backend)' : '';
  const file = await findOnPath(command, env);
  if (file === undefined) {
    const where = command === name ? 'not found on PATH' : `${command} not found`;
    const missing: CheckResult = {
      status: required ? 'fail' : 'warn',
      check: name,
      detail: `${where}${role}`,
      fix: `npm install -g ${BACKEND_PACKAGES[name]}${required ? '' : ' (only needed to use this backend)'}`,
    };
    if (!required) notInstalled.add(missing);
    return missing;
  }
  const version = await runProbe(file, ['--version'], { env, timeoutMs });
  if (!version.ok && version.timedOut)
    return slowBackend(name, command, file, role, required, env, timeoutMs);
  if (!version.ok) {
    return {
      status: required ? 'fail' : 'warn',
      check: name,
      detail: `${file} --version failed: ${version.error}${role}`,
      fix: `reinstall it: npm install -g ${BACKEND_PACKAGES[name]}`,
    };
  }
  return { status: 'ok', check: name, detail: `${versionText(version)} (${file})${role}` };
}

function versionText(probe: { readonly stdout: string; readonly stderr: string }): string {
  return firstLine(probe.stdout) || firstLine(probe.stderr) || 'version unknown';
}

/** How long a CLI that did not answer `--version` in time gets on the second, patient try. */
const SLOW_START_MS = 60_000;

/**
 * A CLI that did not answer `--version` in time is asked again, patiently, and timed: gemini takes
 * 20–40 s to start on a loaded machine (it loads its whole bundle). One that answers is only slow
 * to start, not broken: a warning with the measured time, never "reinstall".
 */
async function slowBackend(
  name: Exclude<BackendName, 'sim'>,
  command: string,
  file: string,
  role: string,
  required: boolean,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<CheckResult> {
  const started = Date.now();
  const patient = await runProbe(file, ['--version'], { env, timeoutMs: Math.max(SLOW_START_MS, timeoutMs) });
  const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (patient.ok) {
    return {
      status: 'warn',
      check: name,
      detail: `${name} is slow to start: \`${command} --version\` took ${took} (over ${Math.round(timeoutMs / 1000)} s): ${versionText(patient)} (${file})${role}`,
      fix: `nothing is broken: ${name} starts slowly on this machine (load, a slow disk or home folder): agents take that much longer to begin`,
    };
  }
  return {
    status: required ? 'fail' : 'warn',
    check: name,
    detail: `\`${command} --version\` did not answer in ${took}: ${patient.error || 'no output'}${role}`,
    fix: `run \`${command} --version\` by hand: if it answers after a while, ${name} is only slow to start; if it never does, reinstall it: npm install -g ${BACKEND_PACKAGES[name]}`,
  };
}

async function checkConfig(root: string): Promise<{ result: CheckResult; config?: Config }> {
  const file = projectPaths(root).config;
  if (!(await isFile(file))) {
    return {
      result: {
        status: 'warn',
        check: 'config',
        detail: `${file} not found`,
        fix: 'run `nightshift init` in the repository root',
      },
    };
  }
  try {
    const config = await loadConfig(root);
    const plan = config.backend.plan === '' ? '' : `, plan backend ${config.backend.plan}`;
    return {
      result: { status: 'ok', check: 'config', detail: `${file} (backend ${config.backend.default}${plan})` },
      config,
    };
  } catch (error) {
    return {
      result: {
        status: 'fail',
        check: 'config',
        detail: errorMessage(error),
        fix: `fix ${file} as the message says`,
      },
    };
  }
}

async function checkStore(root: string): Promise<CheckResult> {
  const file = projectPaths(root).state;
  if (!(await isFile(file))) {
    return {
      status: 'warn',
      check: 'store',
      detail: `${file} not found`,
      fix: 'run `nightshift init` to create it',
    };
  }
  try {
    return { status: 'ok', check: 'store', detail: `${file} (${await readStoreSummary(root)})` };
  } catch (error) {
    return {
      status: 'fail',
      check: 'store',
      detail: errorMessage(error),
      fix: 'restore it from .nightshift/backups/, or move it away and re-run `nightshift init`',
    };
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The backends the queue's tasks name for themselves (`backend` of a task), from state.json. */
async function taskBackends(root: string): Promise<BackendName[]> {
  try {
    const state = (await readRawState(projectPaths(root).state)).raw as {
      tasks?: { backend?: unknown }[];
    };
    const named = (state.tasks ?? []).map((task) => task.backend);
    return BACKEND_NAMES.filter((name) => named.includes(name));
  } catch {
    return [];
  }
}
