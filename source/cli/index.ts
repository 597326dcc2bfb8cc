#!/usr/bin/env node
/**
 * The `nightshift` command line: one file per command under cli/, registered lazily (commands.ts).
 */
// The one static import: a table of status's flags, with no imports of its own.
import { statusOptionsOf } from './status-flags.js';

// React's development build does several times the work per render (measured: about half the
// board's CPU under load). Nothing here imports React before this line; a user's NODE_ENV wins.
process.env['NODE_ENV'] ??= 'production';

// `nightshift task list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// With only the flags of its table, `status` skips commander.
const statusOptions = process.argv[2] === 'status' ? statusOptionsOf(process.argv.slice(3)) : undefined;

// Claude Code runs this hook before every Bash call: skip commander and the command table
// (~190 ms) and go straight to the policy check.
if (process.argv[2] === 'hook' && process.argv[3] === 'pre-tool-use' && process.argv.length === 4) {
  await import('../security/hook-main.js');
} else if (statusOptions) {
  // `status` is the hot path (DESIGN.md §9: ≤ 250 ms at 10,000 tasks): commander and the command
  // table cost ~30 ms of CPU, a tenth of the budget. Anything else after `status` (--help, a
  // typo) goes the ordinary way below and gets commander's answer.
  const [{ showStatus }, { reportError }] = await Promise.all([
    import('./status.js'),
    import('./report-error.js'),
  ]);
  await showStatus(statusOptions).catch((error: unknown) => {
    process.exitCode = reportError(error);
  });
} else {
  const [{ Command }, { runCli }, { reportError }, { registerCommands, unknownCommandError }, { version }] =
    await Promise.all([
      import('commander'),
      import('./run-cli.js'),
      import('./report-error.js'),
      import('./commands.js'),
      import('../version.js'),
    ]);
  const program = new Command('nightshift')
    .description(
      'Runs AI coding agents unattended over a task queue, verifies and commits their work, and shows it live on a board.',
    )
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false });
  const unknown = unknownCommandError(process.argv);
  if (unknown) {
    process.exitCode = reportError(unknown);
  } else {
    await registerCommands(program, process.argv);
    await runCli(program, process.argv);
  }
}
