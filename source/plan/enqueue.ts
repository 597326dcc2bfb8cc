/**
 * Puts an audited plan in the queue through the same write path as `task import`: through the
 * engine when one runs (it stays the only writer, DESIGN.md §3), else under the store lock, with a
 * backup first when --replace changes existing tasks. The spec is committed, and the plan's source
 * and the resulting HEAD are recorded in `state.plan` for epochs and `reset --to-plan`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { git, head, identityConfig, isRepo } from '../git/git.js';
import { connectEngine } from '../ipc/client.js';
import { projectPaths } from '../paths.js';
import { backupState } from '../store/backup.js';
import { readLock, withStoreWrite } from '../store/lock.js';
import type { PlanInfo, State } from '../store/schema.js';
import type { ParsedPlan } from '../tasks/plan-file.js';
import { applyTaskWrite, type TaskWrite } from '../tasks/task-write.js';

/** What to put in the queue and how. */
export interface EnqueueRequest {
  readonly root: string;
  readonly plan: ParsedPlan;
  readonly replace: boolean;
  /** The spec to commit, relative to the root (skipped when missing or outside the repository). */
  readonly specPath: string;
  readonly source: Pick<PlanInfo, 'source' | 'sourceKind'>;
}

/** What enqueueing did. */
export interface EnqueueResult {
  readonly summary: string;
  readonly backup?: string;
  readonly viaEngine: boolean;
  /** HEAD after the spec commit; recorded as `state.plan.commit`. */
  readonly commit?: string;
  /** False when an engine applied the write: it alone writes the store, so `state.plan` was not updated. */
  readonly recorded: boolean;
}

/**
 * Commits the spec file alone (other changes in the checkout are left as they are) when it is new
 * or changed; returns HEAD afterwards, or undefined outside a git repository or before a first commit.
 */
export async function commitSpec(
  root: string,
  specPath: string,
  message: string,
): Promise<string | undefined> {
  if (!(await isRepo(root))) return undefined;
  const inside = !path.isAbsolute(specPath) && !specPath.startsWith('..');
  if (inside && existsSync(path.join(root, specPath))) {
    const status = await git(root, ['status', '--porcelain', '--', specPath]);
    if (status.stdout.trim() !== '') {
      await git(root, ['add', '--', specPath]);
      await git(root, ['commit', '--quiet', '--no-verify', '--file=-', '--', specPath], {
        input: message,
        config: await identityConfig(root),
      });
    }
  }
  return head(root).catch(() => undefined);
}

/** Puts the plan in the queue; see the module comment. */
export async function enqueuePlan(request: EnqueueRequest): Promise<EnqueueResult> {
  const paths = projectPaths(request.root);
  const write: TaskWrite = {
    op: 'add',
    tasks: request.plan.tasks,
    epics: request.plan.epics,
    replace: request.replace,
  };
  const message = `nightshift(plan): spec ${path.basename(request.specPath)}\n\n${request.plan.tasks.length} planned task(s) from ${request.source.sourceKind}`;
  const lock = await readLock(paths);
  if (lock?.alive && lock.info.kind === 'engine') {
    const client = await connectEngine({ socketPath: lock.info.socket, reconnect: false });
    let summary: string;
    let backup: string | undefined;
    try {
      const result = await client.command('task-write', { write });
      if (!result.ok) throw new UserError(result.error ?? 'the engine refused the plan');
      const value = result.value as { summary?: string; backup?: string } | undefined;
      summary = value?.summary ?? 'done';
      backup = value?.backup;
    } finally {
      client.close();
    }
    const commit = await commitSpec(request.root, request.specPath, message);
    return { summary, backup, viaEngine: true, commit, recorded: false };
  }
  return withStoreWrite(request.root, async (store) => {
    // Apply to a copy first: a refused plan must leave the store exactly as it was.
    const draft = structuredClone(store.state) as State;
    const summary = applyTaskWrite(draft, write);
    const backup =
      request.replace && store.state.tasks.length > 0 ? await backupState(paths, 'plan-replace') : undefined;
    const commit = await commitSpec(request.root, request.specPath, message);
    const info: PlanInfo = {
      source: request.source.source,
      sourceKind: request.source.sourceKind,
      specPath: request.specPath,
      createdAt: new Date().toISOString(),
      ...(commit === undefined ? {} : { commit }),
    };
    store.update((state) => {
      state.tasks = draft.tasks;
      state.epics = draft.epics;
      state.plan = info;
    });
    return { summary, backup, viaEngine: false, commit, recorded: true };
  });
}
