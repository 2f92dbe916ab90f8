/**
 * Selectors: what the screen shows, derived from an EngineSnapshot and the UI state. Pure, so
 * filtering is tested without rendering. (An incident's timeline is the reports' one: report/timeline.ts.)
 */
import type { ContainerView, Incident } from '../model/incident.js';
import type { EngineSnapshot, UpstreamStat } from '../model/snapshot.js';
import { workloadKey } from '../report/incidentGroups.js';

function has(haystack: (string | null | undefined)[], needle: string): boolean {
  return haystack.some((h) => !!h && h.toLowerCase().includes(needle));
}

function incidentMatches(i: Incident, filter: string): boolean {
  const f = filter.toLowerCase();
  if (!f) return true;
  return has(
    [
      i.burst.upstreamKey,
      i.burst.upstream.url,
      i.match?.name,
      i.match?.service,
      i.match?.project,
      i.diagnosis.title,
      i.diagnosis.patternId,
      ...i.burst.evidence.map((e) => e.raw),
    ],
    f,
  );
}

function upstreamMatches(u: UpstreamStat, filter: string): boolean {
  const f = filter.toLowerCase();
  return !f || has([u.key, u.upstream.url, u.container], f);
}

function containerMatches(c: ContainerView, filter: string): boolean {
  const f = filter.toLowerCase();
  return !f || has([c.name, c.info?.service, c.info?.project, c.info?.image, c.state], f);
}

/** Incidents to list, newest first. */
export function visibleIncidents(s: EngineSnapshot, filter: string): Incident[] {
  return s.incidents.filter((i) => incidentMatches(i, filter)).reverse();
}

/** Errors in the last minute (the sparkline's window). */
function lastMinuteErrors(u: UpstreamStat): number {
  let n = 0;
  for (const x of u.perSecond) n += x;
  return n;
}

/**
 * The failing upstreams first (those with an incident: a burst, not a stray error), each group by
 * errors in the last minute, then errors overall, then the most recent. A single stray error on
 * another upstream never pushes the failing one off a short panel.
 */
export function visibleUpstreams(s: EngineSnapshot, filter: string): UpstreamStat[] {
  const failing = new Set(s.incidents.map((i) => i.burst.upstreamKey));
  return s.upstreams
    .filter((u) => upstreamMatches(u, filter))
    .map((u) => ({ u, failing: failing.has(u.key) ? 1 : 0, recent: lastMinuteErrors(u) }))
    .sort((a, b) => b.failing - a.failing || b.recent - a.recent || b.u.total - a.u.total || (b.u.lastErrorAt ?? 0) - (a.u.lastErrorAt ?? 0))
    .map((x) => x.u);
}

/** Containers with something happening first: not running, then by most recent event. */
export function visibleContainers(s: EngineSnapshot, filter: string): ContainerView[] {
  const rank = (c: ContainerView) => (c.state === 'running' && c.health !== 'unhealthy' ? 1 : 0);
  return s.containers
    .filter((c) => containerMatches(c, filter))
    .sort((a, b) => rank(a) - rank(b) || (b.lastEvent?.time ?? 0) - (a.lastEvent?.time ?? 0) || a.name.localeCompare(b.name));
}

export function isOpen(s: EngineSnapshot, i: Incident): boolean {
  return s.openBursts.some((b) => b.id === i.burst.id);
}

/** The snapshot's incidents of `i`'s workload: the detail pane's timeline leaves out their restarts, as the reports' does. */
export function sameWorkload(s: EngineSnapshot, i: Incident): Incident[] {
  const key = workloadKey(i);
  return s.incidents.filter((x) => workloadKey(x) === key);
}
