/**
 * The drill's report: one object (also the `--json` output), its verdict, and its text and
 * markdown renderings. Everything that came from a log or the daemon is escaped where drawn.
 */
import { countOf } from '../util/plural.js';
import { escapeCodeBlock, escapeMarkdown, sanitizeForTerminal } from '../util/sanitize.js';
import type { DrillMeasurement, DrillEventView } from './measure.js';
import type { DrillAction } from './flags.js';

export interface DrillReport {
  schemaVersion: 1;
  container: { name: string; id: string; restartPolicy: string | null };
  url: string;
  action: DrillAction;
  methods: string[];
  plannedRequests: number;
  ratePerSec: number;
  startedAt: number;
  endedAt: number;
  actionStartedAt: number;
  actionEndedAt: number;
  /** The deadline stopped sending before all requests went out. */
  cutShort: boolean;
  measurement: DrillMeasurement;
  maxFailures: number;
  pass: boolean;
  /** One sentence per reason for the verdict. */
  verdict: string[];
  notes: string[];
}

export function decide(m: DrillMeasurement, maxFailures: number): { pass: boolean; verdict: string[] } {
  const verdict: string[] = [];
  let pass = true;
  if (m.failures.total > maxFailures) {
    pass = false;
    verdict.push(`${m.failures.total} failed request${m.failures.total === 1 ? '' : 's'} > --max-failures ${maxFailures}`);
  } else {
    verdict.push(`${m.failures.total} failed request${m.failures.total === 1 ? '' : 's'} ≤ --max-failures ${maxFailures}`);
  }
  // A drill that never saw the app answer again has not shown the restart is survivable.
  if (m.timeToReadyMs === null) {
    pass = false;
    verdict.push('no 2xx answer after the container started: the app did not come back within the drill (send more requests or raise --timeout)');
  }
  return { pass, verdict };
}

const DIGITS = new Intl.NumberFormat('en-US');

function ms(n: number | null): string {
  return n === null ? 'n/a' : `${DIGITS.format(n)} ms`;
}

function clock(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 23);
}

export function formatEvent(e: DrillEventView): string {
  if (e.action === 'die') return `die(exit ${e.exitCode ?? '?'})`;
  if (e.action === 'kill') return `kill(${e.signal ?? '?'})`;
  if (e.action === 'health_status') return `health:${e.health ?? '?'}`;
  return e.action;
}

function statusList(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}×${v}`)
    .join('  ');
}

function kv(rec: Record<string, number>): string {
  const parts = Object.entries(rec).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : 'none';
}

export function renderText(r: DrillReport): string {
  const m = r.measurement;
  const f = m.failures;
  const safe = sanitizeForTerminal;
  const lines = [
    `drill: ${r.action} ${safe(r.container.name)} while sending ${countOf(r.plannedRequests, 'request')} at ${r.ratePerSec}/s to ${safe(r.url)}`,
    `requests   ${m.sent} sent (${kv(m.byMethod)}) in ${ms(Math.round(r.endedAt - r.startedAt))}${r.cutShort ? ', cut short by --timeout' : ''}`,
    `statuses   ${statusList(m.statuses) || 'none'}`,
    `failures   ${f.total}: 502 ${f.s502}, 503 ${f.s503}, 504 ${f.s504}, other 5xx ${f.otherServerErrors}, no answer ${f.noResponse}` +
      (f.noResponse ? ` [${safe(kv(f.noResponseBy))}]` : '') +
      (f.total ? ` (${kv(f.byMethod)})` : ''),
    `window     ${m.failureWindow ? `${ms(m.failureWindow.durationMs)} (${clock(m.failureWindow.first)} → ${clock(m.failureWindow.last)} UTC)` : 'no failures'}`,
    `ready      ${m.timeToReadyMs === null ? 'not seen' : `${ms(m.timeToReadyMs)} from ${m.readyAnchor === 'start-event' ? 'the start event' : 'the API call returning'} to the first 2xx through the URL`}`,
    `events     ${m.events.length ? m.events.map(formatEvent).map(safe).join(' → ') : 'none seen'}`,
  ];
  if (m.log) {
    lines.push(`log        ${m.log.upstreamErrors} upstream error line${m.log.upstreamErrors === 1 ? '' : 's'} in ${safe(m.log.file)}` +
      (m.log.upstreamErrors ? `: ${kv(m.log.byKind as Record<string, number>)}` : ''));
    for (const [k, v] of Object.entries(m.log.byUpstream)) lines.push(`           upstream ${safe(k)}: ${v}`);
    if (m.log.note) lines.push(`           note: ${safe(m.log.note)}`);
  }
  for (const n of r.notes) lines.push(`note       ${safe(n)}`);
  lines.push(`result     ${r.pass ? 'PASS' : 'FAIL'}: ${r.verdict.join('; ')}`);
  return lines.join('\n') + '\n';
}

export function renderMarkdown(r: DrillReport): string {
  const m = r.measurement;
  const f = m.failures;
  const md = escapeMarkdown;
  const out: string[] = [
    `# Restart drill: ${md(r.container.name)} — ${r.pass ? 'PASS' : 'FAIL'}`,
    '',
    `${md(r.action)} of container ${md(r.container.name)} (${md(r.container.id.slice(0, 12))}, restart policy ${md(r.container.restartPolicy ?? 'none')}) ` +
      `while sending ${countOf(r.plannedRequests, 'request')} (${md(r.methods.join(', '))}) at ${r.ratePerSec}/s to ${md(r.url)}.`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| requests sent | ${m.sent}${r.cutShort ? ' (cut short by the timeout)' : ''} |`,
    `| statuses | ${md(statusList(m.statuses) || 'none')} |`,
    `| failures | ${f.total} (max allowed ${r.maxFailures}) |`,
    `| 502 / 503 / 504 | ${f.s502} / ${f.s503} / ${f.s504} |`,
    `| other 5xx / no answer | ${f.otherServerErrors} / ${f.noResponse}${f.noResponse ? ` (${md(kv(f.noResponseBy))})` : ''} |`,
    `| failures by method | ${md(kv(f.byMethod))} |`,
    `| failure window | ${m.failureWindow ? `${md(ms(m.failureWindow.durationMs))} (${clock(m.failureWindow.first)} → ${clock(m.failureWindow.last)} UTC)` : 'none'} |`,
    `| time to ready | ${md(ms(m.timeToReadyMs))} |`,
    `| container events | ${m.events.length ? md(m.events.map(formatEvent).join(' → ')) : 'none seen'} |`,
  ];
  if (m.log) {
    out.push(`| upstream errors in the log | ${m.log.upstreamErrors}${m.log.upstreamErrors ? ` (${md(kv(m.log.byKind as Record<string, number>))})` : ''} |`);
  }
  out.push('', `**Result: ${r.pass ? 'PASS' : 'FAIL'}** — ${md(r.verdict.join('; '))}`, '');
  if (m.log && m.log.samples.length) {
    out.push(`## First upstream errors in ${md(m.log.file)}`, '', '```text', ...m.log.samples.map(escapeCodeBlock), '```', '');
  }
  if (m.log?.note || r.notes.length) {
    out.push('## Notes', '');
    if (m.log?.note) out.push(`- ${md(m.log.note)}`);
    for (const n of r.notes) out.push(`- ${md(n)}`);
    out.push('');
  }
  return out.join('\n');
}
