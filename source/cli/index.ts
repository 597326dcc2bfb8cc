#!/usr/bin/env node
/**
 * The `nightshift` command line: one file per command under cli/, registered lazily (commands.ts).
 */

// React's development build does several times the work per render (measured: about half the
// board's CPU under load). Nothing here imports React before this line; a user's NODE_ENV wins.
process.env['NODE_ENV'] ??= 'production';

// `nightshift task list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// Claude Code runs this hook before every Bash call: skip commander and the command table
// (~190 ms) and go straight to the policy check.
if (process.argv[2] === 'hook' && process.argv[3] === 'pre-tool-use' && process.argv.length === 4) {
  await import('../security/hook-main.js');
} else {
  const [{ Command }, { reportError, runCli }, { registerCommands, unknownCommandError }, { version }] =
    await Promise.all([
      import('commander'),
      import('./run-cli.js'),
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
