import type { ChecklistResult, CheckStatus } from '../model/incident.js';

const MARK: Record<CheckStatus, string> = { pass: 'pass', fail: 'FAIL', unknown: ' ?? ' };

/** Plain lines for a checklist result: `[pass] http-health  GET … → 200 — the app answers`. */
export function checklistLines(r: ChecklistResult): string[] {
  const lines = r.checks.map((c) => `[${MARK[c.status]}] ${c.id.padEnd(16)} ${c.evidence} — ${c.meaning}`);
  lines.push(`conclusion: ${r.conclusion}`);
  return lines;
}
