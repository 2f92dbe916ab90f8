/**
 * One merged timeline per incident: its own container's lifecycle events and the burst's first and
 * last errors, in time order. The one view model of an incident's story: the text and markdown
 * reports and the live screen's detail pane (ui/detailLines.ts) all draw these rows, so the screen
 * and the report tell it in the same order.
 */
import { countOf } from '../util/plural.js';
import type { ContainerEvent } from '../model/container.js';
import type { Incident } from '../model/incident.js';
import { inferredTimeToReady, kindLabel, READY_WORDS } from '../diagnose/diagnose.js';
import { formatDuration } from '../util/duration.js';

export interface TimelineRow {
  time: number;
  /** `kill`, `die`, `start`, `health: healthy`, `first error`, `last error`, … */
  what: string;
  /** Container name or upstream. */
  subject: string;
  detail: string;
  source: 'docker' | 'nginx';
}

function describeEvent(e: ContainerEvent): { what: string; detail: string } {
  switch (e.action) {
    case 'kill':
      return { what: 'kill', detail: `signal ${e.signal ?? '?'}` };
    case 'die':
      return { what: 'die', detail: `exit code ${e.exitCode ?? '?'}${e.exitCode === 137 ? ' (SIGKILL)' : e.exitCode === 143 ? ' (SIGTERM)' : ''}` };
    case 'health_status':
      return { what: `health: ${e.health}`, detail: '' };
    case 'oom':
      return { what: 'oom', detail: 'out of memory: kernel OOM killer' };
    case 'start':
      return { what: 'start', detail: e.image ? `image ${e.image}` : '' };
    case 'restart':
      return { what: 'restart', detail: 'docker restart completed' };
    default:
      return { what: e.action, detail: '' };
  }
}

/** How far `t` lies from the incident's errors (0 inside its first → last error). */
function distance(t: number, i: Incident): number {
  return t < i.burst.first ? i.burst.first - t : t > i.burst.last ? t - i.burst.last : 0;
}

/**
 * The incident's own events: its matched container's, and of those only the ones nearer to its
 * errors than to another incident of the same workload in `sameWorkload` (the correlation window
 * reaches 60 s back and 30 s on, so in a run of restarts each incident's window holds its
 * neighbours' restarts).
 */
function ownEvents(incident: Incident, sameWorkload: readonly Incident[] = []): ContainerEvent[] {
  const m = incident.match;
  if (!m) return [];
  // Every incarnation of the workload: a recreate's old container may have been renamed `<id>_name`.
  const ids = new Set([...m.containerIds, ...(incident.workload?.incarnations.map((c) => c.containerId) ?? [])]);
  const mine = incident.facts.events.filter((e) => e.name === m.name || ids.has(e.containerId));
  if (mine.length === 0 || sameWorkload.length < 2) return mine;
  // Only a neighbour whose errors come within `reach` of these events can be nearer to one of them:
  // a numeric pre-filter, so a report of many restarts of one container compares few pairs.
  const reach = Math.max(...mine.map((e) => distance(e.time, incident)));
  const from = mine[0]!.time - reach;
  const to = mine[mine.length - 1]!.time + reach;
  const neighbours = sameWorkload.filter((o) => o !== incident && o.id !== incident.id && o.burst.last >= from && o.burst.first <= to);
  if (neighbours.length === 0) return mine;
  return mine.filter((e) => neighbours.every((o) => distance(e.time, incident) <= distance(e.time, o)));
}

/** `sameWorkload`: the report's incidents of the incident's workload (incidentGroups.byWorkload), whose events it leaves out. */
export function incidentTimeline(incident: Incident, sameWorkload: readonly Incident[] = []): TimelineRow[] {
  const { burst } = incident;
  // The time to ready is said where it is reached, with the one number the summary and "why" use.
  const ttr = inferredTimeToReady(incident.facts);
  const source = incident.facts.timeToReady?.source ?? 'last-error';
  const readyNote = ttr !== null ? `ready ${formatDuration(ttr)} after start${source === 'probe' ? ` (${READY_WORDS.probe})` : ''}` : '';
  const fromHealth = source === 'health';
  const readyAt = fromHealth ? (incident.facts.episodes.find((ep) => ep.readySource === 'health' && ep.readyAt !== null && ep.startAt !== null && ep.readyAt - ep.startAt === ttr)?.readyAt ?? null) : null;
  const rows: TimelineRow[] = ownEvents(incident, sameWorkload).map((e) => {
    const d = describeEvent(e);
    if (e.time === readyAt && e.action === 'health_status') d.detail = readyNote;
    // Recovered from `docker inspect` (correlate/coverage.ts), not seen as an event: said so.
    if (e.attributes.source === 'inspect') d.detail = `${d.detail ? `${d.detail} ` : ''}(docker inspect ${e.attributes.field ?? ''})`.trim();
    return { time: e.time, subject: e.name, source: 'docker' as const, ...d };
  });
  const kinds = Object.entries(burst.kinds)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${kindLabel(k as Parameters<typeof kindLabel>[0])} ×${n}`)
    .join(', ');
  rows.push({ time: burst.first, what: 'first error', subject: burst.upstreamKey, detail: kinds, source: 'nginx' });
  if (burst.last !== burst.first) {
    rows.push({ time: burst.last, what: burst.closed ? 'last error' : 'latest error', subject: burst.upstreamKey, detail: `${countOf(burst.count, 'error')} in all${!fromHealth && readyNote ? `; ${readyNote}` : ''}`, source: 'nginx' });
  }
  return rows.sort(byWhenItHappened);
}

/**
 * nginx stamps whole seconds and Docker nanoseconds (DOMAIN.md): a line at :41 happened somewhere
 * in :41.000–:41.999, so it sorts at the middle of its second (a die at :41.02 comes before it, a
 * start at :41.8 after). On a tie the lifecycle event comes first: it is what the errors follow
 * (a die before the refusals it causes), never the other way round.
 */
function byWhenItHappened(a: TimelineRow, b: TimelineRow): number {
  const at = (r: TimelineRow) => (r.source === 'nginx' ? r.time + 500 : r.time);
  return at(a) - at(b) || (a.source === b.source ? 0 : a.source === 'docker' ? -1 : 1);
}
