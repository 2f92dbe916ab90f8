/**
 * How a report relates its incidents to each other: which belong to one workload (their timelines
 * must not show each other's restarts, and their shared fix is printed once), and which is the
 * most severe (the markdown title names it).
 */
import type { FixProposal, Incident } from '../model/incident.js';

/** One workload: a compose service, else a container, else (nothing linked) an upstream. */
export function workloadKey(i: Incident): string {
  const m = i.match;
  if (!m) return `upstream:${i.burst.upstreamKey}`;
  if (m.service) return `service:${m.project ?? ''}/${m.service}`;
  return `container:${m.name}`;
}

/** The report's incidents by workload, each list in report order (computed once per report, not per incident). */
export function byWorkload(incidents: readonly Incident[]): Map<string, Incident[]> {
  const groups = new Map<string, Incident[]>();
  for (const i of incidents) {
    const key = workloadKey(i);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  }
  return groups;
}

/** Where an incident's fix is printed: here (for these 1-based incident numbers), or at another incident. */
export type FixPlacement = { show: FixProposal; incidents: number[] } | { sameAs: number } | null;

/**
 * One placement per incident. Incidents of one workload with the same fix ids share one fix, printed
 * at the first of them; the others point to it. Of the group's proposals the one sized for the
 * longest time to ready is printed: a timeout that covers the slowest restart covers the others.
 */
export function fixPlacements(incidents: readonly Incident[]): FixPlacement[] {
  const groups = new Map<string, number[]>();
  incidents.forEach((i, idx) => {
    if (!i.fix) return;
    const key = `${workloadKey(i)}\u0000${[...i.fix.fixIds].sort().join(',')}`;
    const members = groups.get(key);
    if (members) members.push(idx);
    else groups.set(key, [idx]);
  });
  const out: FixPlacement[] = incidents.map(() => null);
  for (const members of groups.values()) {
    const first = members[0]!;
    let chosen = incidents[first]!.fix!;
    for (const idx of members) {
      const f = incidents[idx]!.fix!;
      if ((f.sizedForMs ?? 0) > (chosen.sizedForMs ?? 0)) chosen = f;
    }
    out[first] = { show: chosen, incidents: members.map((m) => m + 1) };
    for (const idx of members.slice(1)) out[idx] = { sameAs: first + 1 };
  }
  return out;
}

/**
 * The index of the most severe incident: most failed requests, then most POST/PATCH cut after
 * sending (never retried), then most writes, then the more confident diagnosis; the first on a tie.
 */
export function mostSevereIndex(incidents: readonly Incident[]): number {
  const rank = (i: Incident): number[] => [i.burst.count, i.burst.notRetried, i.burst.writes, i.diagnosis.confidence];
  let best = 0;
  incidents.forEach((i, idx) => {
    const a = rank(i);
    const b = rank(incidents[best]!);
    const k = a.findIndex((v, n) => v !== b[n]);
    if (k >= 0 && a[k]! > b[k]!) best = idx;
  });
  return best;
}
