/**
 * The words every report (text, markdown, TUI) uses for an incident's workload, its errors per
 * lifecycle phase and its contributing findings: one place, so the three say the same thing.
 */
import type { Incident } from '../model/incident.js';
import { PHASES, type Phase } from '../model/workload.js';

const PHASE_LABEL: Record<Phase, string> = {
  stopping: 'stopping',
  down: 'down',
  starting: 'starting',
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
 * When nothing says when the workload was ready (Diagnosis.readyUnknown), "starting" is only
 * "after start", and the line says why.
 */
export function phasesLine(i: Incident): string | null {
  const p = i.diagnosis.phases;
  if (!p) return null;
  const unknown = i.diagnosis.readyUnknown;
  const label = (k: Phase): string => (unknown && k === 'starting' ? 'after start' : PHASE_LABEL[k]);
  const counts = PHASES.filter((k) => !(unknown && k === 'afterReady')).map((k) => `${label(k)} ${p[k]}`).join(' · ');
  return unknown ? `${counts} (when it was ready is unknown: ${unknown})` : counts;
}

/** One line per contributing finding: `sigterm-ignored: … (evidence: …)`. */
export function contributingLines(i: Incident): string[] {
  return (i.diagnosis.contributing ?? []).map((f) => `${f.id}: ${f.sentence}${f.evidence.length ? ` [${f.evidence.join('; ')}]` : ''}`);
}
