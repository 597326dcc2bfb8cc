/**
 * `nightshift status`: queue counts, agents, cost and the last events, from the running engine when
 * there is one, else from the store: its small summary (`.nightshift/status.json`) when that was
 * made from the state.json there now, else state.json itself. Loads only what it shows (DESIGN.md
 * §9: ≤ 250 ms at 10,000 tasks): the engine client only when an engine runs, no schema.
 */
import type { Command } from 'commander';
import type { EngineSnapshot } from '../protocol/types.js';
import { projectPaths } from '../paths.js';
import { readLock } from '../store/lock.js';
import { readStateForDisplay } from '../store/read-state.js';
import { readStatusSummary, summarize, type StatusSummary } from '../store/status-summary.js';
import { formatBytes, keptWork } from '../git/kept-work.js';
import { findProjectRoot } from './project.js';
import { printJson, printLine } from './output.js';
import { costText } from '../text.js';

/** Registers `status`. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('queue counts, running agents, cost and recent events')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const root = findProjectRoot();
      const snapshot = await engineSnapshot(root);
      const summary: StatusSummary = snapshot
        ? summarize(snapshot)
        : (readStatusSummary(projectPaths(root)) ?? summarize(await readStateForDisplay(root)));
      const lastRun = snapshot ? undefined : summary.lastRun;
      if (options.json) {
        const counts: Record<string, number> = { pending: 0, running: 0, verifying: 0, done: 0, blocked: 0 };
        for (const [status, count] of Object.entries(summary.counts)) counts[status] = count;
        printJson({
          project: summary.project,
          engine: snapshot ? { pid: snapshot.pid, run: snapshot.run } : null,
          counts,
          total: summary.total,
          agents: snapshot?.agents ?? [],
          lastRun: lastRun ?? null,
          regressions: regressionsCaught(snapshot, lastRun),
          kept: await keptSummary(root),
          recent: snapshot?.recent.slice(-10) ?? [],
        });
        return;
      }
      printLine(`project ${summary.project}  (${root})`);
      if (snapshot?.run) {
        const run = snapshot.run;
        const mode = run.stopping
          ? 'stopping'
          : run.paused && run.pauseReason
            ? `paused (${run.pauseReason}${run.resumeAt ? `; resumes by itself at ${run.resumeAt.slice(11, 19)} UTC` : ''})`
            : run.paused
              ? 'paused'
              : 'running';
        printLine(
          `engine: ${mode} (pid ${snapshot.pid}), run ${run.id}, backend ${run.backend}, parallel ${run.parallel}, ${costText(run.backend, run.costUsd).replace(/^\$/, 'cost $')}`,
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
      const kept = await keptSummary(root);
      if (kept && (kept.worktrees > 0 || kept.branches > 0))
        printLine(
          `kept: ${kept.worktrees} worktree${kept.worktrees === 1 ? '' : 's'} (${formatBytes(kept.bytes)}), ${kept.branches} nightshift/* branch${kept.branches === 1 ? '' : 'es'}; \`nightshift clean\` removes what no task needs`,
        );
      for (const agent of snapshot?.agents ?? []) {
        const label = agent.simulated ? ' (simulated)' : '';
        printLine(
          `  ${agent.name}${label}  ${agent.taskId}#${agent.attempt}  ${agent.state}  ${agent.action}`,
        );
      }
      for (const line of snapshot?.recent.slice(-5) ?? [])
        printLine(`  ${line.at.slice(11, 19)} ${line.message}`);
    });
}

/**
 * The regressions caught: by the running engine (tasks its regression workers reopened), else by
 * the last run (its record lists them).
 */
function regressionsCaught(
  snapshot: EngineSnapshot | undefined,
  lastRun: StatusSummary['lastRun'] | undefined,
): { taskId: string; head: string; at: string; summary: string }[] {
  if (!snapshot) return lastRun?.regressions ?? [];
  return snapshot.tasks.flatMap((task) =>
    task.regression?.outcome === 'failed'
      ? [
          {
            taskId: task.id,
            head: task.regression.head,
            at: task.regression.testedAt,
            summary: (task.regression.output ?? '').split('\n')[0] ?? '',
          },
        ]
      : [],
  );
}

/** Kept worktrees and branches (counts and bytes), or null outside a git repository. */
async function keptSummary(
  root: string,
): Promise<{ worktrees: number; bytes: number; branches: number } | null> {
  try {
    const kept = await keptWork(root);
    return { worktrees: kept.worktrees.length, bytes: kept.bytes, branches: kept.branches.length };
  } catch {
    return null;
  }
}

async function engineSnapshot(root: string): Promise<EngineSnapshot | undefined> {
  // As runningEngineSocket (engine-connection.ts), without loading the engine client when none runs.
  const lock = await readLock(projectPaths(root));
  const socketPath =
    lock?.alive && lock.info.kind === 'engine' && lock.info.socket ? lock.info.socket : undefined;
  if (!socketPath) return undefined;
  try {
    const { connectEngine } = await import('../ipc/client.js');
    const client = await connectEngine({ socketPath, reconnect: false, readonly: true });
    try {
      return client.current() ?? undefined;
    } finally {
      client.close();
    }
  } catch {
    return undefined; // the engine is going away; the store is the truth then
  }
}
