import type { ChecklistResult } from '../model/incident.js';
import { formatChecklist } from '../checklist/format.js';

/** Checklist lines for reports: the same rendering `restartdoctor check` prints, ASCII marks. */
export function checklistLines(r: ChecklistResult): string[] {
  return formatChecklist(r, { ascii: true });
}
