/**
 * One merged timeline per incident: the container's lifecycle events and the burst's first and
 * last errors, in time order. Text, markdown and the TUI all draw these rows.
 */
import { countOf } from '../util/plural.js';
import type { ContainerEvent } from '../model/container.js';
import type { Incident } from '../model/incident.js';
import { kindLabel } from '../diagnose/diagnose.js';

export interface TimelineRow {
  time: number;
  /** `kill`, `die`, `start`, `health: healthy`, `first error`, `last error`, … */
  what: string;
  /** Container name or upstream. */
  subject: string;
  detail: string;
  source: 'docker' | 'nginx';
}

export function describeEvent(e: ContainerEvent): { what: string; detail: string } {
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

export function incidentTimeline(incident: Incident): TimelineRow[] {
  const { burst, facts } = incident;
  const rows: TimelineRow[] = facts.events.map((e) => ({ time: e.time, subject: e.name, source: 'docker' as const, ...describeEvent(e) }));
  const kinds = Object.entries(burst.kinds)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${kindLabel(k as Parameters<typeof kindLabel>[0])} ×${n}`)
    .join(', ');
  rows.push({ time: burst.first, what: 'first error', subject: burst.upstreamKey, detail: kinds, source: 'nginx' });
  if (burst.last !== burst.first) {
    rows.push({ time: burst.last, what: burst.closed ? 'last error' : 'latest error', subject: burst.upstreamKey, detail: `${countOf(burst.count, 'error')} in all`, source: 'nginx' });
  }
  // nginx stamps whole seconds: a line at :41 happened somewhere in :41.000–:41.999, so it sorts
  // at the middle of its second (a die at :41.02 comes before it, a start at :41.8 after).
  const order = (r: TimelineRow) => (r.source === 'nginx' ? r.time + 500 : r.time);
  return rows.sort((a, b) => order(a) - order(b));
}
