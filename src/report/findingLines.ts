/**
 * The words every report (text, markdown, TUI) uses for an incident's workload, its errors per
 * lifecycle phase and its contributing findings: one place, so the three say the same thing.
 */
import type { Incident, ReportedPhase } from '../model/incident.js';

/** In the order the line prints them; the diagnosis gives afterStart only in place of the two it merges. */
const PHASE_LABEL: Record<ReportedPhase, string> = {
  stopping: 'stopping',
  down: 'down',
  starting: 'starting',
  afterStart: 'after start',
  afterReady: 'after ready',
  outside: 'outside',
};

/** `shop/backend — restarted (same container)`; null when no workload is linked. */
export function workloadLine(i: Incident): string | null {
  const w = i.workload;
  if (!w) return null;
  const change =
    w.incarnation === 'recreated'
      ? `recreated (new container: ${w.incarnations.map((c) => c.containerId.slice(0, 12)).join(' → ')})`
      : w.incarnation === 'restarted'
        ? 'restarted (same container)'
        : 'no stop or start in the window';
  return `${w.key} — ${change}`;
}

/**
 * `stopping 0 · down 15 · starting 51 · after ready 0 · outside 0`; null without phase counts.
 * When nothing says when the workload was ready (Diagnosis.readyUnknown), the diagnosis counts the
 * errors "after start" instead (diagnose/findings.ts reportedPhases), and the line says why.
 */
export function phasesLine(i: Incident): string | null {
  const p = i.diagnosis.phases;
  if (!p) return null;
  const counts = (Object.keys(PHASE_LABEL) as ReportedPhase[]).flatMap((k) => (p[k] == null ? [] : [`${PHASE_LABEL[k]} ${p[k]}`])).join(' · ');
  const unknown = i.diagnosis.readyUnknown;
  return unknown ? `${counts} (when it was ready is unknown: ${unknown})` : counts;
}

/** One line per contributing finding: `sigterm-ignored: … (evidence: …)`. */
export function contributingLines(i: Incident): string[] {
  return (i.diagnosis.contributing ?? []).map((f) => `${f.id}: ${f.sentence}${f.evidence.length ? ` [${f.evidence.join('; ')}]` : ''}`);
}
