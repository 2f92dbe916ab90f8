/**
 * One burst → one incident: the container it belongs to (by address, by the names in the
 * events, else by time), that container's events in the correlation window, the facts, and the
 * diagnosis the patterns give (said to be partial when Docker events are missing in the window).
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { Burst, ChecklistResult, FixProposal, Incident } from '../model/incident.js';
import type { EventStore } from '../correlate/eventStore.js';
import { eventsOf, matchByEventNames, matchBySnapshot, matchByTime } from '../correlate/containerMatch.js';
import { computeFacts, type CorrelationWindow } from '../correlate/facts.js';
import { diagnose } from '../diagnose/diagnose.js';
import { withEventGaps } from '../diagnose/eventGaps.js';
import type { Pattern } from '../diagnose/patternSchema.js';

export interface DiagnosisContext {
  patterns: Pattern[];
  window: CorrelationWindow;
  gapMs: number;
  containers: ContainerInfo[];
  events: EventStore;
  /** The newest log line's time: did the log go on after the burst (it recovered) or end with it? */
  latestLog: number;
  /** Containers some upstream's address links to: not candidates for a time-only match. */
  claimed: ReadonlySet<string>;
  attachments: (id: string) => { checklist: ChecklistResult | null; fix: FixProposal | null };
}

export function diagnoseBurst(b: Burst, ctx: DiagnosisContext): Incident {
  const from = b.first - ctx.window.beforeMs;
  const to = b.last + ctx.window.afterMs;
  const windowEvents: ContainerEvent[] = ctx.events.between(from, to);
  const match = matchBySnapshot(b.upstream, ctx.containers) ?? matchByEventNames(b.upstream, windowEvents) ?? matchByTime(windowEvents, ctx.claimed);
  const own = match ? eventsOf(match, windowEvents) : [];
  const info = match ? (ctx.containers.find((c) => c.name === match.name) ?? null) : null;
  const facts = computeFacts(b, own, info, match !== null, ctx.latestLog - b.last > ctx.gapMs);
  return {
    id: b.id,
    burst: b,
    match,
    facts,
    diagnosis: withEventGaps(diagnose(ctx.patterns, b, facts, match), ctx.events.gapsOverlapping(from, to)),
    ...ctx.attachments(b.id),
  };
}
