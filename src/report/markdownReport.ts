/**
 * `--export incident.md`: the incident summary an on-call engineer pastes into a postmortem doc.
 * Log-derived text is escaped where markdown would read it as syntax (escapeMarkdown), or kept
 * verbatim in code spans and fenced blocks longer than any backtick run inside (codeSpan,
 * fencedBlock): a log line can inject neither markup nor terminal sequences into the document.
 */
import type { FixProposal, Incident } from '../model/incident.js';
import { formatDuration } from '../util/duration.js';
import { checklistLines } from './checkLines.js';
import { diffLines, fixFileName } from './diffView.js';
import { countersLine, eventsLine, formatTime, kindsSummary, shapeLines } from './format.js';
import { byWorkload, fixPlacements, mostSevereIndex, workloadKey, type FixPlacement } from './incidentGroups.js';
import { contributingLines, phasesLine, workloadLine } from './findingLines.js';
import type { ReportContext } from './reportContext.js';
import { codeSpan, escapeMarkdown as md, fencedBlock } from '../util/sanitize.js';
import { incidentTimeline } from './timeline.js';

/**
 * Our own prose, which marks config snippets with backticks (`keepalive 16;`): those parts become
 * code spans, the rest is escaped prose. Log-derived parts inside stay inert either way.
 */
function prose(text: string, inTable = false): string {
  return text
    .split(/`([^`]+)`/)
    .map((part, idx) => (idx % 2 === 1 ? codeSpan(part, inTable) : md(part)))
    .join('');
}

function who(i: Incident): string {
  if (!i.match) return codeSpan(i.burst.upstreamKey, true);
  return `${md(i.match.name)}${i.match.service ? ` (service ${md(i.match.service)})` : ''}`;
}

function fixMarkdown(placement: FixPlacement, allPlatforms: boolean): string[] {
  if (placement === null) return [];
  if ('sameAs' in placement) return [`Same as incident ${placement.sameAs} (the same fix for the same workload).`, ''];
  const f: FixProposal = placement.show;
  const out: string[] = [];
  if (placement.incidents.length > 1) out.push(`For incidents ${placement.incidents.join(', ')}, sized for the slowest restart among them.`, '');
  const advice = [...f.advice, ...(allPlatforms ? (f.otherPlatformAdvice ?? []) : [])];
  for (const a of advice) out.push(`- ${prose(a)}`);
  for (const w of f.warnings) out.push(`- **Warning:** ${prose(w)}`);
  for (const file of f.files) {
    out.push('', `${codeSpan(fixFileName(file))} (${md(file.kind)})`, '');
    for (const note of file.notes) out.push(`- ${prose(note)}`);
    if (file.notes.length > 0) out.push('');
    if (file.diff) out.push(...fencedBlock(diffLines(file.diff).map((l) => l.text), 'diff'));
    else out.push('_already has the fix_');
  }
  out.push('');
  return out;
}

function incidentMarkdown(i: Incident, n: number, ctx: ReportContext, placement: FixPlacement, sameWorkload: readonly Incident[]): string[] {
  const b = i.burst;
  const d = i.diagnosis;
  const tz = ctx.tz;
  const out: string[] = [];
  out.push(`## ${n}. ${md(d.title)}`, '');
  out.push(`**Diagnosis:** ${codeSpan(d.patternId)}, ${d.confidenceLabel} confidence (${d.confidence.toFixed(2)}). ${prose(d.summary)}`, '');
  out.push('### Impact', '');
  out.push('| Measure | Value |', '|---|---|');
  out.push(`| Upstream | ${codeSpan(b.upstreamKey, true)} |`);
  out.push(`| Container | ${i.match ? `${who(i)}, linked by ${md(i.match.method)}` : 'not linked'} |`);
  out.push(`| Window | ${formatTime(b.first, tz)} → ${formatTime(b.last, tz, false)} (${md(formatDuration(b.last - b.first))}, ${md(tz)}) |`);
  out.push(`| Failed requests | ${b.count} (${md(kindsSummary(b.kinds))}) |`);
  out.push(`| Writes at risk (POST/PUT/PATCH/DELETE) | ${b.writes} |`);
  out.push(`| Cut after sending, never retried by nginx (POST/PATCH/LOCK) | ${b.notRetried} |`);
  out.push(`| Peak rate | ${b.rate} errors/s |`);
  const wl = workloadLine(i);
  if (wl) out.push(`| Workload | ${md(wl)} |`);
  const ph = phasesLine(i);
  if (ph) out.push(`| Errors by phase | ${md(ph)} |`);
  out.push('');
  const contributing = contributingLines(i);
  if (contributing.length) out.push('### Contributing', '', ...contributing.map((c) => `- ${prose(c)}`), '');
  out.push('### Timeline', '');
  out.push('| Time | Event | Subject | Detail |', '|---|---|---|---|');
  for (const r of incidentTimeline(i, sameWorkload)) {
    const subject = r.source === 'nginx' ? codeSpan(r.subject, true) : md(r.subject);
    out.push(`| ${formatTime(r.time, tz, false)} | ${md(r.what)} | ${subject} | ${md(r.detail)} |`);
  }
  out.push('', '### Why', '');
  for (const reason of d.reasons) out.push(`- ${prose(reason)}`);
  out.push('', prose(d.explanation), '');
  if (i.checklist) out.push('### Checklist', '', ...fencedBlock(checklistLines(i.checklist)), '');
  out.push('### Proposed fix', '');
  if (i.fix) out.push(...fixMarkdown(placement, ctx.allPlatforms === true));
  else {
    out.push(`Fix ids: ${d.fixIds.map((f) => codeSpan(f)).join(', ')}. Run with \`--nginx-conf\` / \`--compose\` for a diff of your own files.`, '');
  }
  out.push('### Evidence', '', ...fencedBlock(b.evidence.map((e) => `${e.source}:${e.line}  ${e.raw}`)), '');
  return out;
}

/** One row per incident: what a reader scans before reading any incident in full. */
function impactTable(ctx: ReportContext): string[] {
  const out = ['| # | Diagnosis | Container | Upstream | Window | Failed requests | Writes | Not retried |', '|---|---|---|---|---|---|---|---|'];
  for (const [idx, i] of ctx.incidents.entries()) {
    const b = i.burst;
    out.push(
      `| ${idx + 1} | ${codeSpan(i.diagnosis.patternId, true)} | ${i.match ? who(i) : 'not linked'} | ${codeSpan(b.upstreamKey, true)} | ` +
        `${formatTime(b.first, ctx.tz)} → ${formatTime(b.last, ctx.tz, false)} | ${b.count} | ${b.writes} | ${b.notRetried} |`,
    );
  }
  return out;
}

/** The summary in parts: everything before the first incident, then one part per incident (see textReportParts). */
export function* markdownReportParts(ctx: ReportContext): Generator<string> {
  const n = ctx.incidents.length;
  const worst = n > 0 ? ctx.incidents[mostSevereIndex(ctx.incidents)]! : null;
  const out: string[] = [];
  if (worst) {
    const b = worst.burst;
    out.push(`# Incident: ${md(worst.diagnosis.title)} — ${worst.match ? md(worst.match.name) : codeSpan(b.upstreamKey)}${n > 1 ? ` (+${n - 1} more)` : ''}`, '');
    // The one line a reader takes away: the most severe incident, when, and how many there were.
    const when = `${formatTime(b.first, ctx.tz)} → ${formatTime(b.last, ctx.tz, false)} ${md(ctx.tz)}`;
    out.push(`**Summary:** ${prose(worst.diagnosis.summary)} (${when}${n > 1 ? `; the most severe of ${n} incidents` : ''}).`, '');
  } else {
    out.push('# No upstream incident found', '');
  }
  out.push(`Generated by restartdoctor ${md(ctx.tool.version)} on ${new Date(ctx.generatedAt).toISOString()}. Log times are read in **${md(ctx.tz)}**.`, '');
  out.push('## Impact', '');
  if (n === 0) out.push('No burst of upstream errors reached the incident threshold.');
  else out.push(...impactTable(ctx));
  const input = `Input: ${ctx.inputs.logs.map((l) => codeSpan(l)).join(', ')}${ctx.inputs.events ? `; events ${codeSpan(ctx.inputs.events)}` : ''}${ctx.inputs.containers ? `; containers ${codeSpan(ctx.inputs.containers)}` : ''}.`;
  out.push('', input);
  out.push('', `${md(countersLine(ctx.counters))}.${ctx.inputs.events ? ` ${md(eventsLine(ctx.counters))}.` : ''}`);
  for (const line of shapeLines(ctx.counters)) out.push('', `${md(line)}.`);
  for (const note of ctx.notes) out.push('', `> ${prose(note)}`);
  out.push('');
  yield `${out.join('\n')}\n`;
  const fixes = fixPlacements(ctx.incidents);
  const groups = byWorkload(ctx.incidents);
  for (const [idx, i] of ctx.incidents.entries()) {
    yield `${incidentMarkdown(i, idx + 1, ctx, fixes[idx] ?? null, groups.get(workloadKey(i)) ?? []).join('\n')}\n`;
  }
}

export function markdownReport(ctx: ReportContext): string {
  return [...markdownReportParts(ctx)].join('');
}
