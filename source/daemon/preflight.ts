/**
 * Before a run starts: the agent CLIs it will call are there. The run's backend, and every backend a
 * task still to run names for itself (`backend = "codex"` in the plan, `task add --backend`), so a
 * missing CLI is a clear error at the start, not a task blocked in the night.
 */
import { existsSync } from 'node:fs';
import { createBackend } from '../agents/factory.js';
import { BACKEND_PACKAGES } from '../agents/backend.js';
import { BACKEND_NAMES, type BackendName, type Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { findOnPath } from '../init/probe.js';
import type { Task } from '../tasks/model.js';

/** Throws a UserError naming the CLI and how to install it when `backend`'s CLI is not found. */
export async function requireBackendCli(
  backendName: BackendName,
  config: Config,
  who = `the ${backendName} CLI`,
): Promise<void> {
  const backend = createBackend(backendName);
  if (backend.simulated) return;
  const binary = backend.binary(config.backend[backendName]);
  const found = binary.includes('/') ? existsSync(binary) : (await findOnPath(binary)) !== undefined;
  if (found) return;
  const pkg = backendName === 'sim' ? undefined : BACKEND_PACKAGES[backendName];
  throw new UserError(`${who} ("${binary}") was not found on PATH`, {
    hint: pkg
      ? `install it with \`npm install -g ${pkg}\`, set [backend.${backendName}] command in nightshift.toml, or run with --backend sim`
      : 'check [backend] in nightshift.toml',
  });
}

/** The CLIs of the backends that tasks still to run name for themselves (other than the run's). */
export async function requireTaskBackendClis(
  tasks: readonly Task[],
  runBackend: BackendName,
  config: Config,
): Promise<void> {
  const byBackend = new Map<BackendName, string[]>();
  for (const task of tasks) {
    if (task.status === 'done' || task.backend === undefined || task.backend === runBackend) continue;
    if (!(BACKEND_NAMES as readonly string[]).includes(task.backend))
      throw new UserError(`task ${task.id} names backend "${task.backend}", which nightshift does not know`, {
        hint: `choose one of ${BACKEND_NAMES.join(', ')}: nightshift task edit ${task.id} --backend NAME`,
      });
    const name = task.backend as BackendName;
    byBackend.set(name, [...(byBackend.get(name) ?? []), task.id]);
  }
  for (const [name, ids] of byBackend) {
    const shown =
      ids.length > 3 ? `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more` : ids.join(', ');
    await requireBackendCli(
      name,
      config,
      `task${ids.length === 1 ? '' : 's'} ${shown} use${ids.length === 1 ? 's' : ''} backend ${name}, whose CLI`,
    );
  }
}
