import { EXIT, type ExitCode } from './exitCodes.js';

/**
 * An error the user can act on: one line of message, an optional "try this" hint, an exit code.
 * The top-level handler prints it without a stack trace (or as JSON under --json).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint: string | null = null,
    readonly exitCode: ExitCode = EXIT.usage,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Bad flags or arguments. */
export class UsageError extends UserError {
  constructor(message: string, hint: string | null = 'run `restartdoctor --help` for usage') {
    super(message, hint, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** An input that cannot be read: missing file, directory, unreadable, invalid config or pattern file. */
export class InputError extends UserError {
  constructor(message: string, hint: string | null = null) {
    super(message, hint, EXIT.usage);
    this.name = 'InputError';
  }
}

/** One line for any thrown value: a UserError's message, or the first line of anything else. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').trim() || 'unknown error';
}
