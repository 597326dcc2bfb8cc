/**
 * An error a user can act on: the message names the file, field, line or command and what to do.
 * The CLI prints `message` (and `hint`) without a stack trace; DEBUG=nightshift shows the stack.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  /** What to do about it, printed on its own line after the message. */
  readonly hint: string | undefined;
  /** Process exit code; 1 for environment or input errors. */
  readonly exitCode: number;

  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Exhaustiveness check for switches over discriminated unions. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
