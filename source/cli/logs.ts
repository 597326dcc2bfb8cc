/**
 * `nightshift logs TASK|AGENT [-f]`: the terminal log of a task's latest attempt (or a given one).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.js';
import type { State } from '../store/schema.js';
import { findProjectRoot } from './project.js';
import { readState } from '../ipc/task-access.js';
import { requireEngine, runningEngineSocket } from '../ipc/engine-connection.js';

/** Registers `logs`. */
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("print an attempt's terminal log (a task id, or a running agent's name)")
    .argument('<task-or-agent>', 'task id or agent name')
    .option('--attempt <n>', 'which attempt (default: the latest)')
    .option('-f, --follow', 'keep printing as the log grows, until the attempt ends')
    .action(async (target: string, options: { attempt?: string; follow?: boolean }) => {
      const root = findProjectRoot();
      const taskId = await resolveTaskId(root, target);
      const { logPath, attempt } = await locate(root, taskId, options.attempt);
      if (!logPath || !existsSync(logPath))
        throw new UserError(`no log for ${taskId} attempt ${attempt} yet`);
      let offset = await copyFrom(logPath, 0);
      if (!options.follow) return;
      // Follow until the attempt is no longer running (poll the store; the engine writes it).
      for (;;) {
        const state = await readState(root);
        const running =
          state.tasks.find((t) => t.id === taskId)?.attempts.find((a) => a.n === attempt)?.outcome ===
          'running';
        offset = await copyFrom(logPath, offset);
        if (!running) return;
        await sleep(250);
      }
    });
}

async function resolveTaskId(root: string, target: string): Promise<string> {
  const state = await readState(root);
  if (state.tasks.some((task) => task.id === target)) return target;
  if (await runningEngineSocket(root)) {
    const client = await requireEngine(root, { readonly: true });
    try {
      const agent = client.current()?.agents.find((a) => a.name === target || a.id === target);
      if (agent) return agent.taskId;
    } finally {
      client.close();
    }
  }
  throw new UserError(`no task or running agent named "${target}"`, {
    hint: 'see `nightshift task list` and `nightshift status`',
  });
}

async function locate(
  root: string,
  taskId: string,
  attemptFlag: string | undefined,
): Promise<{ logPath: string | undefined; attempt: number }> {
  const state: State = await readState(root);
  const task = state.tasks.find((t) => t.id === taskId);
  const attempts = task?.attempts ?? [];
  if (attempts.length === 0) throw new UserError(`task ${taskId} has no attempts yet`);
  const wanted =
    attemptFlag === undefined ? attempts.at(-1) : attempts.find((a) => a.n === Number(attemptFlag));
  if (!wanted)
    throw new UserError(`task ${taskId} has no attempt ${attemptFlag ?? ''}`, {
      hint: `attempts: ${attempts.map((a) => a.n).join(', ')}`,
    });
  return { logPath: wanted.logPath, attempt: wanted.n };
}

async function copyFrom(file: string, offset: number): Promise<number> {
  const size = statSync(file).size;
  if (size <= offset) return offset;
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file, { start: offset, end: size - 1 });
    stream.on('error', reject);
    stream.on('end', resolve);
    stream.pipe(process.stdout, { end: false });
  });
  return size;
}
