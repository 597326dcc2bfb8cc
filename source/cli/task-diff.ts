/**
 * `nightshift task diff ID [--attempt N]`: what an attempt did, from the files kept for it
 * (source/report/attempt-archive.ts): its diff, the prompt it was given, and the gate's output.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { projectPaths } from '../paths.js';
import { readKeptAttempts, type KeptAttempt } from '../report/attempt-archive.js';
import { findTask } from '../tasks/queue.js';
import type { Task } from '../tasks/model.js';
import { printJson, printLine } from './output.js';
import { readState } from '../ipc/task-access.js';

interface DiffOptions {
  readonly attempt?: string;
  readonly prompt?: boolean;
  readonly gate?: boolean;
  readonly patch?: boolean;
  readonly json?: boolean;
}

/** Adds `diff` to the `task` command. */
export function registerTaskDiff(task: Command, projectRoot: () => Promise<string>): void {
  task
    .command('diff')
    .description("an attempt's diff, prompt and gate output (the newest attempt unless --attempt)")
    .argument('<id>', 'task id')
    .option('--attempt <n>', 'the attempt number (task show lists them)')
    .option('--patch', 'only the diff, as a patch (git apply can read it)')
    .option('--prompt', 'only the prompt')
    .option('--gate', "only the gate's output")
    .option('--json', 'print the kept files as JSON')
    .action(async (id: string, options: DiffOptions) => {
      const root = await projectRoot();
      const found = findTask(await readState(root), id);
      const kept = await readKeptAttempts(projectPaths(root).dir, found.id);
      const chosen = pickAttempt(found, kept, options.attempt);
      if (options.json) return printJson(chosen);
      const only = options.patch
        ? chosen.diff
        : options.prompt
          ? chosen.prompt
          : options.gate
            ? chosen.gate
            : null;
      if (only !== null) {
        process.stdout.write(only ?? '');
        return;
      }
      const attempt = found.attempts.find((candidate) => candidate.n === chosen.n);
      printLine(
        `${found.id} attempt ${chosen.n}${attempt ? ` — ${attempt.outcome}${attempt.summary ? `: ${attempt.summary}` : ''}` : ''}`,
      );
      printLine(`kept in ${chosen.dir}`);
      printLine('');
      printLine('=== diff ===');
      printLine(chosen.diff?.trimEnd() || '(no changes)');
      printLine('');
      printLine('=== gate ===');
      printLine(chosen.gate?.trimEnd() || '(no gate output kept)');
      printLine('');
      printLine('=== prompt ===');
      printLine(chosen.prompt?.trimEnd() || '(no prompt kept)');
    });
}

function pickAttempt(task: Task, kept: readonly KeptAttempt[], wanted: string | undefined): KeptAttempt {
  if (kept.length === 0)
    throw new UserError(
      task.attempts.length === 0
        ? `task "${task.id}" has no attempts yet`
        : `no attempt of task "${task.id}" was kept (older than [run] keep_attempts, or from before nightshift kept them)`,
    );
  if (wanted === undefined) return kept[kept.length - 1] as KeptAttempt;
  const n = Number(wanted);
  const chosen = kept.find((attempt) => attempt.n === n);
  if (!chosen)
    throw new UserError(`attempt ${wanted} of task "${task.id}" was not kept`, {
      hint: `kept attempts: ${kept.map((attempt) => attempt.n).join(', ')}`,
    });
  return chosen;
}
