/**
 * `nightshift status`: queue counts, agents, cost and the last events, from the running engine when
 * there is one, else from the store: its small summary (`.nightshift/status.json`) when that was
 * made from the state.json there now, else state.json itself. Loads only what it shows (DESIGN.md
 * §9: ≤ 250 ms at 10,000 tasks): the engine client only when an engine runs, no schema, and no git
 * process or disk walk for the kept worktrees and branches unless they changed (status-kept.ts).
 */
import type { Command } from 'commander';
import type { EngineStatus } from '../protocol/types.js';
import { projectPaths } from '../paths.js';
import { readLock } from '../store/lock.js';
import { readStateForDisplay } from '../store/read-state.js';
import { readStatusSummary, summarize, type StatusSummary } from '../store/status-summary.js';
import { age, keptFigures, type KeptFigures } from './status-kept.js';
import { findProjectRoot } from './project.js';
import { printJson, printLine } from './output.js';
import { costText, formatBytes } from '../text.js';

/** Registers `status`. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('queue counts, running agents, cost and recent events')
    .option('--json', 'print as JSON')
    .option(
      '--kept',
      'measure the disk of kept worktrees now (else the last measure, taken when they changed)',
    )
    .action((options: StatusOptions) => showStatus(options));
}

/** The options of `status`. */
export interface StatusOptions {
  readonly json?: boolean;
  readonly kept?: boolean;
}

/** Prints the status of the project the working directory is in. */
export async function showStatus(options: StatusOptions): Promise<void> {
  const root = findProjectRoot();
  const engine = await engineStatusOf(root);
  // While an engine runs its attempts add and remove worktrees all the time: no walk then.
  const kept = await keptFigures(root, {
    measure: options.kept ? 'always' : engine ? 'never' : 'when-changed',
    stateDir: projectPaths(root).dir,
  });
  const summary: Omit<StatusSummary, 'lastRun'> & { lastRun?: StatusSummary['lastRun'] } =
    engine ?? readStatusSummary(projectPaths(root)) ?? summarize(await readStateForDisplay(root));
  const lastRun = engine ? undefined : summary.lastRun;
  if (options.json) {
    const counts: Record<string, number> = { pending: 0, running: 0, verifying: 0, done: 0, blocked: 0 };
    for (const [status, count] of Object.entries(summary.counts)) counts[status] = count;
    printJson({
      project: summary.project,
      engine: engine ? { pid: engine.pid, run: engine.run } : null,
      counts,
      total: summary.total,
      agents: engine?.agents ?? [],
      lastRun: lastRun ?? null,
      regressions: engine ? engine.regressions : (lastRun?.regressions ?? []),
      kept,
      recent: engine?.recent.slice(-10) ?? [],
    });
    return;
  }
  printLine(`project ${summary.project}  (${root})`);
  if (engine?.run) {
    const run = engine.run;
    const mode = run.stopping
      ? 'stopping'
      : run.paused && run.pauseReason
        ? `paused (${run.pauseReason}${run.resumeAt ? `; resumes by itself at ${run.resumeAt.slice(11, 19)} UTC` : ''})`
        : run.paused
          ? 'paused'
          : 'running';
    printLine(
      `engine: ${mode} (pid ${engine.pid}), run ${run.id}, backend ${run.backend}, parallel ${run.parallel}, ${costText(run.backend, run.costUsd).replace(/^\$/, 'cost $')}`,
    );
  } else {
    printLine('engine: not running');
    if (lastRun)
      printLine(
        `last run: ${lastRun.id} ${lastRun.outcome ?? 'unfinished'}, ${lastRun.tasksDone} done, ${costText(lastRun.backend, lastRun.costUsd)}` +
          (lastRun.regressions?.length
            ? `, ${lastRun.regressions.length} regression${lastRun.regressions.length === 1 ? '' : 's'} caught`
            : ''),
      );
  }
  const counts = Object.entries(summary.counts)
    .map(([status, count]) => `${count} ${status}`)
    .join(' · ');
  printLine(`tasks: ${summary.total === 0 ? 'none' : `${summary.total} (${counts})`}`);
  if (kept && (kept.worktrees > 0 || kept.branches > 0)) printLine(keptLine(kept));
  for (const agent of engine?.agents ?? []) {
    const label = agent.simulated ? ' (simulated)' : '';
    printLine(`  ${agent.name}${label}  ${agent.taskId}#${agent.attempt}  ${agent.state}  ${agent.action}`);
  }
  for (const line of engine?.recent.slice(-5) ?? []) printLine(`  ${line.at.slice(11, 19)} ${line.message}`);
}

/** `kept: 2 worktrees (3.4 MB), 1 nightshift/* branch; …`, the size's age when it is not fresh. */
function keptLine(kept: KeptFigures): string {
  const measured = kept.measuredAt ? age(kept.measuredAt) : '';
  const size =
    kept.bytes === null
      ? 'size: `nightshift status --kept`'
      : `${formatBytes(kept.bytes)}${measured && measured !== 'just now' ? `, measured ${measured}` : ''}`;
  return `kept: ${kept.worktrees} worktree${kept.worktrees === 1 ? '' : 's'} (${size}), ${kept.branches} nightshift/* branch${kept.branches === 1 ? '' : 'es'}; \`nightshift clean\` removes what no task needs`;
}

/**
 * What the running engine says of itself (the `status` command: counts, not the whole queue), or
 * undefined when no engine runs.
 */
async function engineStatusOf(root: string): Promise<EngineStatus | undefined> {
  // As runningEngineSocket (engine-connection.ts), without loading the engine client when none runs.
  const lock = await readLock(projectPaths(root));
  const socketPath =
    lock?.alive && lock.info.kind === 'engine' && lock.info.socket ? lock.info.socket : undefined;
  if (!socketPath) return undefined;
  try {
    const { askEngine } = await import('../ipc/engine-query.js');
    const answer = await askEngine(socketPath, 'status', {}, { root });
    return answer.ok ? (answer.value as EngineStatus) : undefined;
  } catch {
    return undefined; // the engine is going away; the store is the truth then
  }
}
