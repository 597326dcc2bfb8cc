/**
 * One clear line for any error a command throws, and its exit code. A stack trace appears only
 * with DEBUG=nightshift. Apart from run-cli.ts so that the commands that skip commander (`status`,
 * the pre-tool-use hook) report errors the same way without loading it.
 */
import { UserError, errorMessage } from '../errors.js';

/** True when DEBUG names nightshift. */
export function debugEnabled(): boolean {
  return /(^|,)\s*nightshift(\*|:|,|$)/.test(process.env['DEBUG'] ?? '');
}

/** Prints an error the way every command does, and returns its exit code. */
export function reportError(error: unknown): number {
  const message = errorMessage(error);
  process.stderr.write(`nightshift: ${message}\n`);
  if (error instanceof UserError && error.hint) process.stderr.write(`  ${error.hint}\n`);
  if (debugEnabled() && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else if (!(error instanceof UserError)) process.stderr.write('  (set DEBUG=nightshift for details)\n');
  return error instanceof UserError ? error.exitCode : 1;
}
