#!/usr/bin/env -S node --optimize-for-size --max-semi-space-size=2
/**
 * The `nightshift` command line: one file per command under cli/, registered lazily (commands.ts).
 *
 * The `#!` line gives node V8's memory-saving mode and a small young generation: the board is a
 * long-lived process of under 20 MB of live objects that V8 otherwise lets grow to 125 MB of RSS
 * under agent output (90 MB with them, after 1 GB; npm run bench -- output), for a board CPU of
 * 8.1 % at 32 agents against 7.8 % without. A shell starts the command through that line (`env
 * -S` splits it: coreutils 8.30+, BSD and macOS env). The detached engine gets its own flags
 * (run.ts startDaemon); `run --no-ui` in the foreground runs with these (engine overhead per task
 * 104.5 ms against 102 ms without, within the noise).
 */

// React's development build does several times the work per render (measured: about half the
// board's CPU under load). Nothing here imports React before this line; a user's NODE_ENV wins.
process.env['NODE_ENV'] ??= 'production';

// `nightshift task list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

/** The flags `status` takes (status.ts); with only these, status skips commander. */
const STATUS_FLAGS: ReadonlySet<string> = new Set(['--json', '--kept']);

// Claude Code runs this hook before every Bash call: skip commander and the command table
// (~190 ms) and go straight to the policy check.
if (process.argv[2] === 'hook' && process.argv[3] === 'pre-tool-use' && process.argv.length === 4) {
  await import('../security/hook-main.js');
} else if (process.argv[2] === 'status' && process.argv.slice(3).every((arg) => STATUS_FLAGS.has(arg))) {
  // `status` is the hot path (DESIGN.md §9: ≤ 250 ms at 10,000 tasks): commander and the command
  // table cost ~30 ms of CPU, a tenth of the budget. Anything else after `status` (--help, a
  // typo) goes the ordinary way below and gets commander's answer.
  const [{ showStatus }, { reportError }] = await Promise.all([
    import('./status.js'),
    import('./report-error.js'),
  ]);
  const flags = process.argv.slice(3);
  await showStatus({ json: flags.includes('--json'), kept: flags.includes('--kept') }).catch(
    (error: unknown) => {
      process.exitCode = reportError(error);
    },
  );
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
