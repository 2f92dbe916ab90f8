/**
 * The plain-text postmortem report (stdout when not a TTY, or on request). Every string that
 * came from a log or a container passes through sanitizeForTerminal before it is written.
 */
import { countOf } from '../util/plural.js';
import { wrap } from '../util/wrap.js';
import type { Incident } from '../model/incident.js';
import { formatDuration } from '../util/duration.js';
import { checklistLines } from './checkLines.js';
import { diffForTerminal, fixFileName } from './diffView.js';
import { contributingLines, phasesLine, workloadLine } from './findingLines.js';
import { countersLine, eventsLine, formatTime, impactLine, matchLine, shapeLines } from './format.js';
import { byWorkload, fixPlacements, workloadKey, type FixPlacement } from './incidentGroups.js';
import type { ReportContext } from './reportContext.js';
import { sanitizeForTerminal as safe } from '../util/sanitize.js';
import { incidentTimeline } from './timeline.js';

function indent(lines: string[], by = '    '): string[] {
  return lines.map((l) => by + l);
}

/** What one incident's text needs from the whole report: its neighbours, where its fix is printed, colour. */
interface IncidentTextView {
  /** The report's incidents of the same workload (its timeline leaves out their events). */
  sameWorkload: readonly Incident[];
  fix: FixPlacement;
  color: boolean;
  allPlatforms: boolean;
}

/** The fix lines: advice (other platforms only when asked), warnings, notes and each file's diff. */
function fixText(placement: FixPlacement, view: IncidentTextView): string[] {
  if (placement === null) return [];
  if ('sameAs' in placement) return [`  fix         same as incident ${placement.sameAs}`];
  const f = placement.show;
  const out = [placement.incidents.length > 1 ? `  fix         (for incidents ${placement.incidents.join(', ')})` : '  fix'];
  for (const a of [...f.advice, ...(view.allPlatforms ? (f.otherPlatformAdvice ?? []) : [])]) out.push(`    - ${safe(a)}`);
  for (const w of f.warnings) out.push(`    ! ${safe(w)}`);
  for (const file of f.files) {
    for (const note of file.notes) out.push(`    - ${safe(note)}`);
    if (file.diff) out.push(...indent(diffForTerminal(file.diff, view.color)));
    else out.push(`    ${safe(fixFileName(file))}: already has the fix`);
  }
  return out;
}

export function incidentText(i: Incident, n: number, tz: string, view: IncidentTextView = { sameWorkload: [], fix: i.fix ? { show: i.fix, incidents: [n] } : null, color: false, allPlatforms: false }): string[] {
  const d = i.diagnosis;
  const b = i.burst;
  const out: string[] = [];
  out.push(`INCIDENT ${n}  ${d.title}`);
  out.push(`  diagnosis   ${d.patternId} — ${d.confidenceLabel} confidence (${d.confidence.toFixed(2)})`);
  out.push(`  summary     ${safe(d.summary)}`);
  out.push(`  upstream    ${safe(b.upstreamKey)}${b.upstream.scheme ? ` (${safe(b.upstream.scheme)})` : ''}${b.servers.length ? `, server ${b.servers.map(safe).join(', ')}` : ''}`);
  out.push(`  container   ${safe(matchLine(i))}`);
  const wl = workloadLine(i);
  if (wl) out.push(`  workload    ${safe(wl)}`);
  const ph = phasesLine(i);
  if (ph) out.push(`  errors by phase  ${ph}`);
  const contributing = contributingLines(i);
  if (contributing.length) {
    out.push('  contributing');
    for (const c of contributing) out.push(`    - ${safe(c)}`);
  }
  out.push(`  when        ${formatTime(b.first, tz)} → ${formatTime(b.last, tz, false)} (${formatDuration(b.last - b.first)}, ${tz})`);
  out.push(`  impact      ${impactLine(b)}`);
  out.push('  timeline');
  for (const r of incidentTimeline(i, view.sameWorkload)) {
    out.push(`    ${formatTime(r.time, tz, false).padEnd(11)} ${r.what.padEnd(16)} ${safe(r.subject)}${r.detail ? `  ${safe(r.detail)}` : ''}`);
  }
  out.push('  why');
  for (const reason of d.reasons) out.push(`    - ${safe(reason)}`);
  out.push('  what happened');
  out.push(...wrap(safe(d.explanation), 96).map((l) => `    ${l}`));
  if (i.checklist) {
    out.push('  checklist');
    out.push(...indent(checklistLines(i.checklist).map(safe)));
  }
  if (i.fix) {
    out.push(...fixText(view.fix, view));
  } else {
    out.push(`  fix         ${d.fixIds.join(', ')} (pass --nginx-conf / --compose for a diff of your own files)`);
  }
  out.push('  evidence');
  for (const e of b.evidence) out.push(`    ${safe(e.source)}:${e.line}  ${safe(e.raw)}`);
  return out;
}

/**
 * The report in parts: the header, then one part per incident. The CLI writes each part as it is
 * made, so a report of 1,000 incidents (~5 MB) never sits in memory whole.
 */
export function* textReportParts(ctx: ReportContext): Generator<string> {
  const head: string[] = [];
  const n = ctx.incidents.length;
  head.push(`restartdoctor ${ctx.tool.version} — ${n === 0 ? 'no incident found' : `${countOf(n, 'incident')} found`} in ${ctx.inputs.logs.map(safe).join(', ')} (log times read as ${ctx.tz})`);
  head.push(`  ${countersLine(ctx.counters)}`);
  for (const line of shapeLines(ctx.counters)) head.push(`  ${line}`);
  if (ctx.inputs.events) head.push(`  ${eventsLine(ctx.counters)}`);
  else head.push('  no Docker events given (--events): diagnoses rely on the log alone');
  for (const note of ctx.notes) head.push(`  note: ${safe(note)}`);
  yield `${head.join('\n')}\n`;
  const fixes = fixPlacements(ctx.incidents);
  const groups = byWorkload(ctx.incidents);
  const color = ctx.color === true;
  const allPlatforms = ctx.allPlatforms === true;
  for (const [idx, i] of ctx.incidents.entries()) {
    yield `\n${incidentText(i, idx + 1, ctx.tz, { sameWorkload: groups.get(workloadKey(i)) ?? [], fix: fixes[idx] ?? null, color, allPlatforms }).join('\n')}\n`;
  }
}

export function textReport(ctx: ReportContext): string {
  return [...textReportParts(ctx)].join('');
}
