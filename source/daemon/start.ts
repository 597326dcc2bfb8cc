/**
 * One engine process: takes the lock, opens the store, recovers what a dead engine left, serves the
 * socket, runs the queue, and cleans up on every way out (DESIGN.md §3).
 */
import path from 'node:path';
import { createBackend } from '../agents/factory.js';
import { loadConfig } from '../config/load.js';
import type { EngineEvent } from '../protocol/types.js';
import { serveEngine, type EngineServer } from '../ipc/server.js';
import { engineSocketPath } from '../ipc/socket-path.js';
import { nightshiftCommand, projectPaths } from '../paths.js';
import { policyFromConfig } from '../security/policy.js';
import { acquireLock } from '../store/lock.js';
import { Store } from '../store/store.js';
import { createAttemptRunner } from '../attempt/attempt.js';
import { createAttemptCleanups } from '../attempt/attempt-cleanup.js';
import type { AttemptDeps } from '../attempt/types.js';
import { createReviewLoop } from '../review/review-loop.js';
import { createEpochReplanner } from '../plan/epoch.js';
import { Engine } from '../engine/engine.js';
import { integrationBranchOf } from '../git/worktree.js';
import { requireHead } from '../git/git.js';
import { recoverState } from './recovery.js';
import { gitJournalDir, recoverWork } from './recover-work.js';
import { setGitJournal } from '../git/git-journal.js';
import { applyWaitingOutcome, landWaiting } from '../attempt/land-waiting.js';
import { dryRun } from './dry-run.js';
import { requireBackendCli, requireTaskBackendClis } from './preflight.js';
import { registerEngine, unregisterEngine } from './registry.js';
import { resolveRunOptions, type RunFlags } from '../config/run-options.js';
import { chooseSandbox } from '../sandbox/bwrap.js';
import { createRegressionRunner } from '../regression/check.js';
import { clearRegressionLeftovers } from '../regression/leftovers.js';

/** Where the engine's progress goes while it runs in this process. */
export interface EngineSinks {
  /** Every engine event (for line or NDJSON output). */
  readonly onEvent?: (event: EngineEvent) => void;
  /** Plain output that is not an engine event (the dry run's report). */
  readonly onOutput?: (text: string) => void;
  /** Notices before the engine exists (recovery, stale lock). */
  readonly onNotice?: (message: string) => void;
  /** Called once the engine is serving, with a way to stop it (signals). */
  readonly onStarted?: (control: {
    stop: (reason: 'stopped' | 'interrupted') => void;
    socketPath: string;
  }) => void;
}

/** Runs the engine for the project at `root` in this process; resolves to the exit code. */
export async function runEngine(root: string, flags: RunFlags, sinks: EngineSinks = {}): Promise<number> {
  const paths = projectPaths(root);
  const config = await loadConfig(root);
  const options = resolveRunOptions(config, flags);
  await requireHead(root); // a git repository with at least one commit
  const backend = createBackend(options.backend);
  const settings = config.backend[options.backend];
  if (!options.dryRun) await requireBackendCli(options.backend, config);
  // Before anything else: a run that asked for bwrap where it cannot work must not start.
  const sandbox = options.dryRun ? undefined : chooseSandbox(config.sandbox);
  if (sandbox) sinks.onNotice?.(sandbox.describe);

  if (options.dryRun) {
    const store = await Store.open(root);
    const deps = {
      paths,
      config,
      options,
      backend,
      settings,
      integrationBranch: await integrationBranchOf(root),
      policy: policyFromConfig(config.security),
      nightshiftCommand: nightshiftCommand(),
      sandbox,
    };
    await dryRun(deps, store.state, (text) => sinks.onOutput?.(text));
    return 0;
  }

  const socketPath = engineSocketPath(root);
  const lock = await acquireLock(paths, { kind: 'engine', socket: socketPath });
  let server: EngineServer | undefined;
  let store: Store | undefined;
  // Worktree removals of attempts that already reported (attempt/attempt-cleanup.ts).
  const cleanups = createAttemptCleanups();
  try {
    if (lock.warning) sinks.onNotice?.(lock.warning);
    store = await Store.open(root);
    await requireTaskBackendClis(store.state.tasks, options.backend, config);
    // A killed engine's regression check left its worktree (and maybe its gate commands) behind:
    // removed before the repository repair, which would take it for a stray worktree.
    const leftovers = await clearRegressionLeftovers(root);
    if (leftovers > 0)
      sinks.onNotice?.(`recovered: ${leftovers} regression worktree${leftovers === 1 ? '' : 's'} removed`);
    setGitJournal(gitJournalDir(paths));
    const integrationBranch = await integrationBranchOf(root);
    for (const line of await recoverWork(store, paths, integrationBranch)) sinks.onNotice?.(line);
    const recovery = await recoverState(store);
    if (recovery.interruptedAttempts.length > 0) {
      sinks.onNotice?.(
        `recovered from an engine that stopped: ${recovery.interruptedAttempts.join(', ')} closed as interrupted` +
          (recovery.killedProcesses > 0
            ? `, ${recovery.killedProcesses} leftover agent processes killed`
            : ''),
      );
    }
    const attemptDeps: AttemptDeps = {
      paths,
      config,
      options,
      backend,
      settings,
      integrationBranch,
      policy: policyFromConfig(config.security),
      nightshiftCommand: nightshiftCommand(),
      sandbox,
    };
    const engine = new Engine({
      paths,
      config,
      store,
      options,
      sandboxLine: sandbox?.describe,
      replan: options.epochs > 1 ? createEpochReplanner({ paths, config, store, options }) : undefined,
      regression: options.regressionAgents > 0 ? createRegressionRunner(attemptDeps) : undefined,
      landWaiting: async (task) => {
        if (!task.landing) return undefined;
        // The attempt that left it waiting may still be removing its worktree of the branch.
        await cleanups.settled(task.id);
        return applyWaitingOutcome(
          task,
          await landWaiting(root, task.id, task.landing, integrationBranch),
          new Date().toISOString(),
        );
      },
      runAttempt: createAttemptRunner(attemptDeps, {
        afterAttempt: createReviewLoop(attemptDeps).afterAttempt,
        cleanups,
      }),
    });
    if (sinks.onEvent) engine.subscribe(sinks.onEvent);
    server = await serveEngine(engine, { socketPath });
    await registerEngine({
      project: config.project.name || path.basename(paths.root),
      root: paths.root,
      pid: process.pid,
      socket: socketPath,
      startedAt: lock.info.startedAt,
    });
    sinks.onStarted?.({ stop: (reason) => engine.stop(reason), socketPath });
    return await engine.run();
  } finally {
    // Removals still under way are git processes of this run: journaled, and under the lock.
    await cleanups.drain();
    setGitJournal(undefined);
    await unregisterEngine(paths.root);
    await server?.close();
    await store?.close();
    await lock.release();
  }
}
