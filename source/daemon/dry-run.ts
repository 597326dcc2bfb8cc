/**
 * `run --dry-run`: what the engine would do next, without doing it. For each pending task in the
 * order the scheduler would take them, the rendered prompt and the exact command line. Nothing is
 * spawned and the store is not written; the backend may write its per-attempt settings files into
 * a temporary folder, which is removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { shellQuote } from '../text.js';
import type { State } from '../store/schema.js';
import { topologicalOrder } from '../tasks/graph.js';
import { agentRequest } from '../attempt/agent-run.js';
import { renderCodePrompt } from '../attempt/code-prompt.js';
import type { AttemptContext, AttemptDeps } from '../attempt/types.js';
import { recentLearnings } from '../tasks/learning.js';

/** Prints the plan of the next run through `write`; returns how many tasks it covered. */
export async function dryRun(
  deps: AttemptDeps,
  state: State,
  write: (text: string) => void,
): Promise<number> {
  const pending = topologicalOrder(state.tasks).filter((task) => task.status === 'pending');
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'nightshift-dry-run-'));
  try {
    write(
      `dry run: ${pending.length} pending task${pending.length === 1 ? '' : 's'}, backend ${deps.backend.name}${deps.backend.simulated ? ' (simulated)' : ''}; nothing is spawned\n`,
    );
    for (const task of pending) {
      const attempt = task.attempts.length + 1;
      const context = {
        task,
        attempt,
        maxAttempts: deps.options.maxRetries + 1,
        runId: 'dry-run',
        learnings: recentLearnings(state.learning),
      } as unknown as AttemptContext; // renderCodePrompt reads only these fields; no handle is needed
      const prompt = await renderCodePrompt(deps, context);
      const cwd = `<worktree of ${task.id}>`;
      const command = await deps.backend.buildCommand(
        agentRequest(deps, context, cwd, path.join(scratch, task.id), prompt, 'coding'),
      );
      const argv = [command.file, ...command.args].map((arg) =>
        arg === prompt ? `<prompt: ${prompt.length} chars>` : shellQuote(arg),
      );
      write(`\n── ${task.id}: ${task.title} (attempt ${attempt} of ${deps.options.maxRetries + 1})\n`);
      write(`command: ${argv.join(' ')}\n`);
      write(`cwd: ${cwd}\n`);
      const env = Object.entries(command.env).filter(([key]) => !key.startsWith('NIGHTSHIFT_POLICY'));
      if (env.length > 0)
        write(`env: ${env.map(([key, value]) => `${key}=${shellQuote(value)}`).join(' ')}\n`);
      write(
        `gate: ${task.verification.commands.map((c) => `$ ${c}`).join('; ') || '(path patterns only)'}\n`,
      );
      write(`prompt:\n${prompt.replace(/^/gm, '  ')}\n`);
    }
    return pending.length;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
