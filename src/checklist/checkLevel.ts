/**
 * Whether a failed check is a failure or a warning: what `check`'s exit code, the checklist's
 * marks and the live lines are made of. Apart from conclusion.ts because the report writers read
 * it too, and conclusion.ts pulls in the Docker client.
 */
import type { CheckResult } from '../model/incident.js';

/**
 * Checks whose failure is advice rather than a cause: a container without a healthcheck can be
 * perfectly healthy, it only makes restarts unsafe. They are warnings, which fail `check` (and are
 * marked so in every report) only when the user asks for it with --strict.
 */
const WARNING_CHECKS: ReadonlySet<string> = new Set(['healthcheck-defined']);

export type CheckLevel = 'failure' | 'warning';

/** A failed check's level; null for a pass or an unknown. */
export function checkLevel(c: Pick<CheckResult, 'id' | 'status'>): CheckLevel | null {
  if (c.status !== 'fail') return null;
  return WARNING_CHECKS.has(c.id) ? 'warning' : 'failure';
}

/** The failed checks of a run, failures and warnings apart (what `check`'s exit code is made of). */
export function checklistTally(checks: ReadonlyArray<Pick<CheckResult, 'id' | 'status'>>): { failures: string[]; warnings: string[] } {
  const failures: string[] = [];
  const warnings: string[] = [];
  for (const c of checks) {
    const level = checkLevel(c);
    if (level === 'failure') failures.push(c.id);
    else if (level === 'warning') warnings.push(c.id);
  }
  return { failures, warnings };
}
