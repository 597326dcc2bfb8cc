/**
 * `nightshift status`: queue counts, agents, cost and the last events, from the running engine when
 * there is one, else from the store.
 */
import type { Command } from 'commander';
import type { EngineSnapshot } from '../ipc/protocol.js';
import { connectEngine } from '../ipc/client.js';
import { findProjectRoot } from './project.js';
import { printJson, printLine } from './output.js';
import { readStateForDisplay } from '../store/read-state.js';
import { runningEngineSocket } from './engine-connection.js';
import { statusCounts } from './task-format.js';

/** Registers `status`. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('queue counts, running agents, cost and recent events')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const root = findProjectRoot();
      const snapshot = await engineSnapshot(root);
      const state = snapshot ? undefined : await readStateForDisplay(root);
      const tasks = snapshot?.tasks ?? state?.tasks ?? [];
      const lastRun = state?.runs.at(-1);
      if (options.json) {
        const counts: Record<string, number> = { pending: 0, running: 0, verifying: 0, done: 0, blocked: 0 };
        for (const task of tasks) counts[task.status] = (counts[task.status] ?? 0) + 1;
        printJson({
          project: snapshot?.project ?? state?.project,
          engine: snapshot ? { pid: snapshot.pid, run: snapshot.run } : null,
          counts,
          total: tasks.length,
          agents: snapshot?.agents ?? [],
          lastRun: lastRun ?? null,
          recent: snapshot?.recent.slice(-10) ?? [],
        });
        return;
      }
      printLine(`project ${snapshot?.project ?? state?.project ?? ''}  (${root})`);
      if (snapshot?.run) {
        const run = snapshot.run;
        const mode = run.stopping ? 'stopping' : run.paused ? 'paused' : 'running';
        printLine(
          `engine: ${mode} (pid ${snapshot.pid}), run ${run.id}, backend ${run.backend}, parallel ${run.parallel}, cost $${run.costUsd.toFixed(4)}`,
        );
      } else {
        printLine('engine: not running');
        if (lastRun)
          printLine(
            `last run: ${lastRun.id} ${lastRun.outcome ?? 'unfinished'}, ${lastRun.tasksDone} done, $${lastRun.costUsd.toFixed(4)}`,
          );
      }
      printLine(`tasks: ${tasks.length === 0 ? 'none' : `${tasks.length} (${statusCounts(tasks)})`}`);
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

async function engineSnapshot(root: string): Promise<EngineSnapshot | undefined> {
  const socketPath = await runningEngineSocket(root);
  if (!socketPath) return undefined;
  try {
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
