/**
 * The detail pane's content as lines (text + tone), built from one incident. Kept apart from the
 * view so scrolling is a slice and the content is tested without rendering.
 */
import type { Incident } from '../model/incident.js';
import { fixFileName } from '../report/diffView.js';
import { contributingLines, phasesLine, workloadLine } from '../report/findingLines.js';
import { cells, clean, clockTime, columns, formatDuration, offset } from './format.js';
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

/**
 * `sameWorkload`: the screen's incidents of the incident's workload (select.ts sameWorkload), whose
 * restarts its timeline leaves out, as the reports do. `canCheck`: the screen can run the checklist
 * (`c`); a replay cannot, and its detail says so instead of offering it.
 */
export function detailLines(i: Incident, mode: DetailMode, tz: string, sameWorkload: readonly Incident[] = [], canCheck = true): Line[] {
  return mode === 'fix' ? fixLines(i) : summaryLines(i, tz, sameWorkload, canCheck);
}

function summaryLines(i: Incident, tz: string, sameWorkload: readonly Incident[], canCheck: boolean): Line[] {
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
    out.push({ text: canCheck ? 'Checklist: not run yet (c runs it)' : 'Checklist: not run (a replay has no live target to probe)', tone: 'dim', bold: true });
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
  return columns(m?.[0] ?? '');
}

/**
 * Lines wrapped to `width` terminal columns at spaces (a longer word is cut hard), continuation
 * rows indented under the line's text, so nothing ends in "…": every character is on some row.
 * Widths are display columns (format.ts cells): a row of CJK characters wraps at half as many.
 */
export function wrapLines(lines: readonly Line[], width: number): Line[] {
  const w = Math.max(1, width);
  const out: Line[] = [];
  for (const line of lines) {
    if (columns(line.text) <= w) {
      out.push(line);
      continue;
    }
    // No indent where it would leave a continuation row no room for a two-column character.
    const indent = w < 4 ? 0 : Math.min(hangingIndent(line.text), Math.floor(w / 2));
    let rest = cells(line.text);
    let first = true;
    while (rest.length > 0) {
      const room = first ? w : w - indent;
      // How many characters fit in the row, at least one (a wide character in a one-column pane).
      let fits = 0;
      for (let used = 0; fits < rest.length && used + rest[fits]!.cols <= room; fits++) used += rest[fits]!.cols;
      let take = fits === rest.length ? fits : lastSpace(rest, fits);
      if (take <= 0) take = Math.max(1, fits); // no space to break at: cut the word
      const row = rest.slice(0, take).map((c) => c.text).join('');
      out.push({ ...line, text: first ? row : ' '.repeat(indent) + row });
      rest = rest.slice(take);
      while (rest[0]?.text === ' ') rest = rest.slice(1);
      first = false;
    }
  }
  return out;
}

/** Index of the last space at or before `at` (the row ends before it), -1 when there is none. */
function lastSpace(row: readonly { text: string }[], at: number): number {
  for (let i = Math.min(at, row.length - 1); i >= 0; i--) if (row[i]!.text === ' ') return i;
  return -1;
}
