/**
 * The detail pane's content as lines (text + tone), built from one incident. Kept apart from the
 * view so scrolling is a slice and the content is tested without rendering.
 */
import type { Incident } from '../model/incident.js';
import { fixFileName } from '../report/diffView.js';
import { contributingLines, phasesLine, workloadLine } from '../report/findingLines.js';
import { clean, clockTime, formatDuration, offset } from './format.js';
import { incidentTimeline } from '../report/timeline.js';
import { CHECK_MARK, checkTone, type Tone } from './theme.js';
import type { DetailMode } from './state.js';
import { checklistVerdictText, verdictConflict } from './verdict.js';

export interface Line {
  text: string;
  tone: Tone;
  bold?: boolean;
}

const EVIDENCE_SHOWN = 6;

/** `sameWorkload`: the screen's incidents of the incident's workload (select.ts sameWorkload), whose restarts its timeline leaves out, as the reports do. */
export function detailLines(i: Incident, mode: DetailMode, tz: string, sameWorkload: readonly Incident[] = []): Line[] {
  return mode === 'fix' ? fixLines(i) : summaryLines(i, tz, sameWorkload);
}

function summaryLines(i: Incident, tz: string, sameWorkload: readonly Incident[]): Line[] {
  const d = i.diagnosis;
  const out: Line[] = [];
  out.push({ text: `${clean(d.title)} — confidence ${d.confidenceLabel} (${Math.round(d.confidence * 100)}%)`, tone: 'accent', bold: true });
  // Never two causes side by side as if both were true: a disagreeing checklist is named as such.
  const conflict = verdictConflict(i);
  if (conflict) out.push({ text: `! ${clean(conflict)}`, tone: 'warn', bold: true });
  const who = i.match ? `${clean(i.match.name)}${i.match.service ? ` (service ${clean(i.match.service)})` : ''}` : 'no container matched';
  out.push({ text: `${clean(i.burst.upstreamKey)} → ${who}`, tone: 'plain' });
  if (i.match) out.push({ text: `  ${clean(i.match.explanation)}`, tone: 'dim' });
  const wl = workloadLine(i);
  if (wl) out.push({ text: `workload ${clean(wl)}`, tone: 'plain' });
  out.push({ text: clean(d.summary), tone: 'plain' });
  for (const r of d.reasons) out.push({ text: `  · ${clean(r)}`, tone: 'dim' });
  const ph = phasesLine(i);
  if (ph) out.push({ text: `  errors by phase: ${clean(ph)}`, tone: 'dim' });
  const contributing = contributingLines(i);
  if (contributing.length) {
    out.push({ text: 'Contributing', tone: 'plain', bold: true });
    for (const c of contributing) out.push({ text: `  · ${clean(c)}`, tone: 'warn' });
  }

  out.push({ text: 'Timeline', tone: 'plain', bold: true });
  // The reports' rows, in their order. nginx's times are whole seconds: shown without a fraction.
  for (const r of incidentTimeline(i, sameWorkload)) {
    const when = clockTime(r.time, tz, r.source === 'docker').padEnd(12);
    out.push({
      text: `  ${when} ${offset(r.time - i.burst.first).padStart(9)}  ${r.what.padEnd(15)}  ${clean(r.subject)}${r.detail ? `  ${clean(r.detail)}` : ''}`,
      tone: r.source === 'nginx' ? 'bad' : 'warn',
    });
  }

  const ev = i.burst.evidence;
  out.push({ text: `Evidence (${ev.length} of ${i.burst.count} lines kept)`, tone: 'plain', bold: true });
  for (const e of ev.slice(0, EVIDENCE_SHOWN)) out.push({ text: `  ${clean(e.source)}:${e.line}  ${clean(e.raw)}`, tone: 'dim' });
  if (ev.length > EVIDENCE_SHOWN) out.push({ text: `  … ${ev.length - EVIDENCE_SHOWN} more`, tone: 'dim' });

  const c = i.checklist;
  if (!c) {
    out.push({ text: 'Checklist: not run yet (c runs it)', tone: 'dim', bold: true });
  } else {
    const verdict = clean(checklistVerdictText(c.conclusion));
    out.push({ text: `Checklist — ${verdict}${conflict ? ' (disagrees with the diagnosis above)' : ''}`, tone: conflict ? 'warn' : 'plain', bold: true });
    for (const ch of c.checks) {
      out.push({ text: `  ${CHECK_MARK[ch.status]} ${clean(ch.title)}: ${clean(ch.evidence)}`, tone: checkTone(ch.status) });
    }
    if (c.timeToListenMs !== null) out.push({ text: `  start → listening ${formatDuration(c.timeToListenMs)}`, tone: 'dim' });
    if (c.timeToHealthyMs !== null) out.push({ text: `  start → healthy ${formatDuration(c.timeToHealthyMs)}`, tone: 'dim' });
  }

  const f = i.fix;
  if (!f) {
    out.push({ text: 'Fix: none proposed', tone: 'dim', bold: true });
  } else {
    out.push({ text: `Fix (f shows the diff): ${f.fixIds.map(clean).join(', ')}`, tone: 'plain', bold: true });
    for (const a of f.advice) out.push({ text: `  ${clean(a)}`, tone: 'plain' });
  }
  return out;
}

function fixLines(i: Incident): Line[] {
  const f = i.fix;
  if (!f) return [{ text: 'No fix proposed for this incident (f goes back).', tone: 'dim' }];
  const out: Line[] = [{ text: `Fix: ${f.fixIds.map(clean).join(', ')}  (f goes back)`, tone: 'accent', bold: true }];
  for (const w of f.warnings) out.push({ text: `! ${clean(w)}`, tone: 'warn' });
  for (const a of f.advice) out.push({ text: clean(a), tone: 'plain' });
  for (const file of f.files) {
    out.push({ text: `${clean(fixFileName(file))} (${file.kind})`, tone: 'plain', bold: true });
    if (!file.diff) out.push({ text: '  already holds the fix', tone: 'ok' });
    for (const l of file.diff.split('\n')) {
      if (l === '') continue;
      const tone: Tone = l.startsWith('+++') || l.startsWith('---') ? 'plain' : l.startsWith('+') ? 'ok' : l.startsWith('-') ? 'bad' : l.startsWith('@@') ? 'accent' : 'dim';
      out.push({ text: clean(l), tone });
    }
    for (const n of file.notes) out.push({ text: `  note: ${clean(n)}`, tone: 'dim' });
  }
  return out;
}

/** Leading spaces plus a list mark (`· `, `! `, `✔ `…): continuation rows line up after it. */
function hangingIndent(text: string): number {
  const m = /^( *)(?:[·!✔✘•…?-] )?/u.exec(text);
  return [...(m?.[0] ?? '')].length;
}

/**
 * Lines wrapped to `width` columns at spaces (a longer word is cut hard), continuation rows
 * indented under the line's text, so nothing ends in "…": every character is on some row.
 */
export function wrapLines(lines: readonly Line[], width: number): Line[] {
  const w = Math.max(1, width);
  const out: Line[] = [];
  for (const line of lines) {
    const chars = [...line.text];
    if (chars.length <= w) {
      out.push(line);
      continue;
    }
    const indent = Math.min(hangingIndent(line.text), Math.floor(w / 2));
    let rest = chars;
    let first = true;
    while (rest.length > 0) {
      const room = first ? w : w - indent;
      let take = rest.length <= room ? rest.length : rest.lastIndexOf(' ', room);
      if (take <= 0) take = room; // no space to break at: cut the word
      const row = rest.slice(0, take).join('');
      out.push({ ...line, text: first ? row : ' '.repeat(indent) + row });
      rest = rest.slice(take);
      while (rest[0] === ' ') rest = rest.slice(1);
      first = false;
    }
  }
  return out;
}
