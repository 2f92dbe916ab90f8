/**
 * Live mode without a TTY (`--no-tui`, piped, CI, journald): one self-contained line per
 * incident and per checklist result, key=value after a fixed prefix so `grep`/`awk` work.
 */
import { checkLevel } from '../checklist/checkLevel.js';
import type { ChecklistResult, Incident } from '../model/incident.js';
import type { SourceStatus } from '../model/snapshot.js';
import { formatCount } from '../util/count.js';
import { formatTime } from './format.js';
import { sanitizeForTerminal as safe } from '../util/sanitize.js';

/** Values with spaces are quoted; everything is terminal-safe. */
function kv(key: string, value: string | number): string {
  const v = safe(String(value));
  return `${key}=${/[\s"]/.test(v) ? JSON.stringify(v) : v}`;
}

export function incidentLine(i: Incident, tz: string): string {
  const b = i.burst;
  const d = i.diagnosis;
  return [
    formatTime(b.last, tz),
    b.closed ? 'INCIDENT' : 'INCIDENT(open)',
    d.patternId,
    kv('confidence', `${d.confidenceLabel}:${d.confidence.toFixed(2)}`),
    kv('upstream', b.upstreamKey),
    kv('container', i.match?.name ?? '-'),
    kv('workload', i.workload?.key ?? '-'),
    kv('contributing', (d.contributing ?? []).map((c) => c.id).join(',') || '-'),
    kv('errors', b.count),
    kv('writes', b.writes),
    kv('not_retried', b.notRetried),
    kv('from', formatTime(b.first, tz)),
    kv('to', formatTime(b.last, tz)),
    '—',
    safe(d.summary),
  ].join(' ');
}

export function checklistLinesLive(i: Incident, r: ChecklistResult, tz: string): string[] {
  const at = formatTime(r.ranAt, tz);
  const lines = r.checks.map((c) =>
    [at, 'CHECK', c.id, checkLevel(c) === 'warning' ? 'WARN' : c.status.toUpperCase(), kv('upstream', `${r.target.host}:${r.target.port}`), kv('incident', i.diagnosis.patternId), '—', safe(c.evidence), '—', safe(c.meaning)].join(' '),
  );
  lines.push([at, 'VERDICT', kv('upstream', `${r.target.host}:${r.target.port}`), kv('container', r.target.container ?? '-'), '—', safe(r.conclusion)].join(' '));
  return lines;
}

const ATTACHED: Record<SourceStatus['kind'], string> = {
  log: 'following',
  stdin: 'reading',
  docker: 'connected: container events streaming',
  replay: 'replaying',
};

/**
 * A source's health as one stderr line, for lines mode where no header shows it: said when a
 * source attaches, waits, fails or reconnects (an operator tailing journald sees when the tool
 * is really watching, and why it is not).
 */
export function sourceStatusLine(s: SourceStatus): string {
  // A replay that skipped its quiet start says so here as on the screen's header.
  const skipped = s.kind === 'replay' && s.detail ? ` (${s.detail})` : '';
  const what = s.state === 'ok' ? `${ATTACHED[s.kind]}${skipped}` : `${s.state}${s.detail ? `: ${s.detail}` : ''}`;
  const lost = unrecoveredNote(s);
  return `restartdoctor: ${safe(s.label)}: ${safe(what)}${lost ? `; ${lost}` : ''}`;
}

/** What copytruncate rotations took from a log that no file holds any more, or null. */
export function unrecoveredNote(s: SourceStatus): string | null {
  if (!s.unrecoveredBytes) return null;
  return `copytruncate: ~${formatCount(s.unrecoveredBytes)} bytes written between copy and truncate could not be recovered`;
}
