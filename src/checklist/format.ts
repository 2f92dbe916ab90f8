/**
 * The checklist as plain text lines, shared by `restartdoctor check`, the text report and the
 * markdown export. Evidence may contain container output (health log), so control characters
 * are replaced here, at the edge that draws it.
 */
import type { CheckStatus, ChecklistResult } from '../model/incident.js';
import { sanitizeForTerminal } from '../util/sanitize.js';
import { checkLevel } from './checkLevel.js';
import { formatHostPort } from './httpProbe.js';

export interface FormatOptions {
  /** `[pass]/[FAIL]/[ ?? ]` instead of ✔/✘/? (TERM=dumb, non-UTF-8 terminals). */
  ascii?: boolean;
}

const MARKS: Record<CheckStatus, { unicode: string; ascii: string }> = {
  pass: { unicode: '✔ pass', ascii: '[pass]' },
  fail: { unicode: '✘ FAIL', ascii: '[FAIL]' },
  unknown: { unicode: '? unkn', ascii: '[ ?? ]' },
};
/** A failed check that is only advice (conclusion.ts's WARNING_CHECKS). */
const WARN_MARK = { unicode: '! warn', ascii: '[warn]' };

/** No escape sequences or line breaks from a container may reach the terminal. */
export function sanitize(text: string): string {
  return sanitizeForTerminal(text.replace(/\r?\n/g, ' ⏎ '));
}

export function formatChecklist(result: ChecklistResult, options: FormatOptions = {}): string[] {
  const arrow = options.ascii ? '->' : '→';
  const dash = options.ascii ? '--' : '—';
  const target = formatHostPort(result.target.host, result.target.port);
  const lines = [`check ${target}${result.target.container ? ` (container ${result.target.container})` : ''}`];
  const width = Math.max(0, ...result.checks.map((c) => c.id.length));
  for (const c of result.checks) {
    const marks = checkLevel(c) === 'warning' ? WARN_MARK : MARKS[c.status];
    const mark = options.ascii ? marks.ascii : marks.unicode;
    const evidence = sanitize(c.evidence);
    const meaning = sanitize(c.meaning);
    const ascii = (t: string) => t.replace(/→/g, arrow).replace(/⏎/g, '|').replace(/[^\x20-\x7e]/g, '?');
    lines.push(`${mark}  ${c.id.padEnd(width)}  ${options.ascii ? ascii(evidence) : evidence} ${dash} ${options.ascii ? ascii(meaning) : meaning}`);
  }
  if (result.timeToListenMs !== null || result.timeToHealthyMs !== null) {
    const part = (label: string, ms: number | null): string => `${label} ${ms === null ? 'not measured' : `${ms} ms`}`;
    lines.push(`time to ready: ${part(`start${arrow}listening`, result.timeToListenMs)}, ${part(`start${arrow}healthy`, result.timeToHealthyMs)}`);
  }
  lines.push(`conclusion: ${result.conclusion}`);
  return lines;
}
