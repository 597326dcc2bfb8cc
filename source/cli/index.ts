#!/usr/bin/env node
/**
 * The `nightshift` command line: one file per command under cli/, registered here.
 */
import { Command } from 'commander';
import { runCli } from './run-cli.js';
import { registerCommands } from './commands.js';
import { version } from './version.js';

const program = new Command('nightshift')
  .description(
    'Runs AI coding agents unattended over a task queue, verifies and commits their work, and shows it live on a board.',
  )
  .version(version, '-V, --version')
  .showHelpAfterError('(run with --help for usage)')
  .configureHelp({ sortSubcommands: false });

await registerCommands(program, process.argv);

await runCli(program, process.argv);
