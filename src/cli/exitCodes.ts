/** The one table of exit codes. Use these names; never a bare number. */
export const EXIT = {
  /** Postmortem: no incident found. check/drill/lint: everything passed. */
  ok: 0,
  /** An incident was found (postmortem), a check/drill failed, lint has findings. */
  found: 1,
  /** Usage or input error: the run could not go on. */
  usage: 2,
  /** Interrupted by SIGINT (128 + 2), by convention. */
  interrupted: 130,
  /** Ended by SIGTERM (128 + 15), by the same convention. */
  terminated: 143,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
