/** The one table of exit codes. Use these names; never a bare number. The help and README print EXIT_TABLE. */
export const EXIT = {
  /** Postmortem: no incident found. check/lint: nothing failed (warnings only fail with --strict). drill: passed. */
  ok: 0,
  /** An incident was found (postmortem, live), a check failed, lint found an error, a drill failed. */
  found: 1,
  /** Usage or input error: the run could not go on. */
  usage: 2,
  /** Interrupted by SIGINT (128 + 2), by convention. */
  interrupted: 130,
  /** Ended by SIGTERM (128 + 15), by the same convention. */
  terminated: 143,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each code means to a user, for `--help` and the README. */
export const EXIT_TABLE: ReadonlyArray<{ code: ExitCode; meaning: string }> = [
  { code: EXIT.ok, meaning: 'no incident found; check/lint: no failure (warnings do not fail unless --strict); drill passed' },
  { code: EXIT.found, meaning: 'an incident was found; check: a check failed; lint: an error (or a warning with --strict); drill failed' },
  { code: EXIT.usage, meaning: 'usage or input error, or an input that cannot answer (an access log, a window with no line): one line on stderr saying what and what to do (JSON on stdout under --json)' },
  { code: EXIT.interrupted, meaning: 'interrupted (SIGINT); live mode restores the terminal first' },
  { code: EXIT.terminated, meaning: 'ended by SIGTERM; live mode restores the terminal first' },
];

/** Warnings are advice: they fail a run only when the user asked for it with --strict. */
export function verdictExit(failures: number, warnings: number, strict: boolean): ExitCode {
  return failures > 0 || (strict && warnings > 0) ? EXIT.found : EXIT.ok;
}
