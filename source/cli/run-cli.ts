/**
 * Parses argv and turns any thrown error into one clear line and an exit code (report-error.ts).
 */
import { CommanderError, type Command } from 'commander';
import { reportError } from './report-error.js';

/** Runs the program; sets process.exitCode from the outcome. */
export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  program.exitOverride();
  program.configureOutput({
    writeErr: (text) => process.stderr.write(text),
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    // Commander has printed its own message (or the help) already.
    if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : 1;
    else process.exitCode = reportError(error);
  }
}
