/**
 * The plain-text postmortem report (stdout when not a TTY, or on request). Every string that
 * came from a log or a container passes through sanitizeForTerminal before it is written.
 */
import { countOf } from '../util/plural.js';
import { wrap } from '../util/wrap.js';
import type { Incident } from '../model/incident.js';
import { formatDuration } from '../util/duration.js';
import { checklistLines } from './checkLines.js';
import { countersLine, eventsLine, formatTime, impactLine, matchLine } from './format.js';
import type { ReportContext } from './reportContext.js';
import { sanitizeForTerminal as safe } from './sanitize.js';
import { incidentTimeline } from './timeline.js';

function indent(lines: string[], by = '    '): string[] {
  return lines.map((l) => by + l);
}

export function incidentText(i: Incident, n: number, tz: string): string[] {
  const d = i.diagnosis;
  const b = i.burst;
  const out: string[] = [];
  out.push(`INCIDENT ${n}  ${d.title}`);
  out.push(`  diagnosis   ${d.patternId} — ${d.confidenceLabel} confidence (${d.confidence.toFixed(2)})`);
  out.push(`  summary     ${safe(d.summary)}`);
  out.push(`  upstream    ${safe(b.upstreamKey)}${b.upstream.scheme ? ` (${safe(b.upstream.scheme)})` : ''}${b.servers.length ? `, server ${b.servers.map(safe).join(', ')}` : ''}`);
  out.push(`  container   ${safe(matchLine(i))}`);
  out.push(`  when        ${formatTime(b.first, tz)} → ${formatTime(b.last, tz, false)} (${formatDuration(b.last - b.first)}, ${tz})`);
  out.push(`  impact      ${impactLine(b)}`);
  out.push('  timeline');
  for (const r of incidentTimeline(i)) {
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
    out.push('  fix');
    for (const a of i.fix.advice) out.push(`    - ${safe(a)}`);
    for (const w of i.fix.warnings) out.push(`    ! ${safe(w)}`);
    for (const f of i.fix.files) {
      for (const note of f.notes) out.push(`    - ${safe(note)}`);
      if (f.diff) out.push(...indent(safe(f.diff).split('\n').filter((l, idx, arr) => !(idx === arr.length - 1 && l === ''))));
      else out.push(`    ${safe(f.path)}: already has the fix`);
    }
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
  if (ctx.inputs.events) head.push(`  ${eventsLine(ctx.counters)}`);
  else head.push('  no Docker events given (--events): diagnoses rely on the log alone');
  for (const note of ctx.notes) head.push(`  note: ${safe(note)}`);
  yield `${head.join('\n')}\n`;
  for (const [idx, i] of ctx.incidents.entries()) yield `\n${incidentText(i, idx + 1, ctx.tz).join('\n')}\n`;
}

export function textReport(ctx: ReportContext): string {
  return [...textReportParts(ctx)].join('');
}
