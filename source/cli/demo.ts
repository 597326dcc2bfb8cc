/**
 * `nightshift demo`: the whole product without an API key (DESIGN.md §1). A scratch project, a plan
 * of eight tasks that build a small real program with real tests, run by the simulated agent: with
 * the board on a TTY (the engine runs as a daemon, as with `run`), with line output otherwise.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { DEFAULT_STEP_DELAY_MS, DEMO_TASK_COUNT, RETRY_TASK_ID } from '../demo/plan.js';
import { createScratchProject } from '../demo/scratch-project.js';
import { ENGINE_START_MS, boardSession, connectLocal, hasTty, loadBoard } from './attach.js';
import { printLine } from './output.js';
import { runForeground, startDaemon } from './run.js';

interface DemoOptions {
  readonly parallel: string;
  readonly dir?: string;
  readonly ui?: boolean;
  readonly stepDelayMs?: string;
  readonly regression?: string;
}

const SIMULATED =
  'Agents are SIMULATED (sim backend: no model, no API key); the code they write and the tests the gate runs are real.';

/** Registers `demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('a complete run on a scratch project with the simulated agent (no API key needed)')
    .option('--parallel <n>', 'simulated agents at once', '2')
    .option(
      '--dir <dir>',
      'where to create the scratch project (an empty or new folder; default: under the temp dir)',
    )
    .option('--no-ui', 'no board: plain timestamped lines (the default without a TTY)')
    .option('--regression <k>', 'regression workers re-testing done tasks beside the agents')
    .option(
      '--step-delay-ms <ms>',
      "pause between the simulated agent's steps",
      String(DEFAULT_STEP_DELAY_MS),
    )
    .addHelpText(
      'after',
      `\nThe plan builds "wordstat", a small Node.js library and CLI, in ${DEMO_TASK_COUNT} tasks; the "${RETRY_TASK_ID}" task\n` +
        'writes broken code on its first attempt, so you see the gate catch it and the retry pass.\n\n' +
        'Examples:\n  nightshift demo\n  nightshift demo --parallel 4 --no-ui',
    )
    .action(async (options: DemoOptions) => {
      const stepDelayMs = Number(options.stepDelayMs ?? DEFAULT_STEP_DELAY_MS);
      if (!Number.isInteger(stepDelayMs) || stepDelayMs < 0)
        throw new UserError(
          `--step-delay-ms must be a whole number of milliseconds, got "${options.stepDelayMs ?? ''}"`,
        );
      const board = options.ui !== false && hasTty();
      if (board) await loadBoard(); // fail before making anything when the board cannot load
      const project = await createScratchProject({ dir: options.dir, stepDelayMs });
      const root = project.root;
      printLine(`nightshift demo: scratch project ${root}`);
      printLine(SIMULATED);
      printLine(
        `${project.taskIds.length} tasks build "wordstat" (word counts and readability); "${RETRY_TASK_ID}" fails once and passes on retry.`,
      );
      let code: number;
      if (board) {
        const regression = options.regression === undefined ? [] : ['--regression', options.regression];
        await startDaemon(root, ['--parallel', options.parallel, ...regression]);
        const client = await connectLocal(root, false, ENGINE_START_MS);
        code = await boardSession(client, {
          comeBack: `cd ${root} && nightshift attach`,
          title: 'nightshift demo',
        });
      } else {
        printLine('');
        code = await runForeground(root, { parallel: options.parallel, regression: options.regression });
      }
      printLine('');
      printLine(`scratch project: ${root}`);
      printLine(
        `  look at it: cd ${root} && git log --oneline && node --test && node bin/wordstat.js sample.txt`,
      );
      printLine('  (remove the folder when you are done; nothing else on this machine was changed)');
      process.exitCode = code;
    });
}
