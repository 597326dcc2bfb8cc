/**
 * Parses argv and turns any thrown error into one clear line and an exit code.
 * A stack trace appears only with DEBUG=nightshift.
 */
import { CommanderError, type Command } from 'commander';
import { UserError, errorMessage } from '../errors.js';

/** True when DEBUG names nightshift. */
export function debugEnabled(): boolean {
  return /(^|,)\s*nightshift(\*|:|,|$)/.test(process.env['DEBUG'] ?? '');
}

/** Prints an error the way every command does, and returns its exit code. */
export function reportError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
  const message = errorMessage(error);
  process.stderr.write(`nightshift: ${message}\n`);
  if (error instanceof UserError && error.hint) process.stderr.write(`  ${error.hint}\n`);
  if (debugEnabled() && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else if (!(error instanceof UserError)) process.stderr.write('  (set DEBUG=nightshift for details)\n');
  return error instanceof UserError ? error.exitCode : 1;
}

/** Runs the program; sets process.exitCode from the outcome. */
export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  program.exitOverride();
  program.configureOutput({
    writeErr: (text) => process.stderr.write(text),
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
