/**
 * One burst → one incident: the container it belongs to (by address, by the names in the
 * events, else by time) and its workload, that container's events in the correlation window, the
 * lifecycle facts and their coverage, and the diagnosis the patterns give (said to be partial when
 * Docker events are missing in the window).
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { Burst, ChecklistResult, FixProposal, Incident } from '../model/incident.js';
import type { EventStore } from '../correlate/eventStore.js';
import { eventsOf, matchByEventNames, matchBySnapshot, matchByTime } from '../correlate/containerMatch.js';
import type { CorrelationWindow } from '../correlate/facts.js';
import { lifecycleFacts } from '../correlate/coverage.js';
import { buildWorkload, incarnationChange, withoutSupersededIncarnations } from '../correlate/workload.js';
import { addConfigFacts, groupFacts, linkGroup, singlePeerOf, staleAddress } from '../correlate/upstreamGroups.js';
import type { UpstreamMap } from '../model/upstreamMap.js';
import { diagnose } from '../diagnose/diagnose.js';
import { withEventGaps } from '../diagnose/eventGaps.js';
import { addFindings } from '../diagnose/findings.js';
import type { Pattern } from '../diagnose/patternSchema.js';
import { formatLocal } from '../parse/localTime.js';

export interface DiagnosisContext {
  patterns: Pattern[];
  window: CorrelationWindow;
  gapMs: number;
  containers: ContainerInfo[];
  events: EventStore;
  /** Earliest time every Docker event is known from (IncidentEngine.noteEventsFrom). */
  eventsFrom: number | null;
  /** Events rejected for a time that is not a Docker time (EventIntake.unplaced): they may be any burst's. */
  unplacedEvents: number;
  /** The log's zone, for the times the facts' notes name. */
  tz: string;
  /** The nginx config's upstream groups and servers (what a stale address or a group links to). */
  upstreamMap: UpstreamMap;
  /** The newest log line's time: did the log go on after the burst (it recovered) or end with it? */
  latestLog: number;
  /** Containers some upstream's address links to: not candidates for a time-only match. */
  claimed: ReadonlySet<string>;
  attachments: (id: string) => { checklist: ChecklistResult | null; fix: FixProposal | null };
}

/** Whether the log went on past burst `b` (longer than the gap) by its newest line at `latestLog`: it recovered. */
export function hasRecovered(b: Burst, latestLog: number, gapMs: number): boolean {
  return latestLog - b.last > gapMs;
}

export function diagnoseBurst(b: Burst, ctx: DiagnosisContext): Incident {
  const from = b.first - ctx.window.beforeMs;
  const to = b.last + ctx.window.afterMs;
  const windowEvents: ContainerEvent[] = ctx.events.between(from, to);
  // The config first: a stale address names the workload the config means, a group all its peers.
  const stale = staleAddress(b.upstream, ctx.upstreamMap, ctx.containers, windowEvents, b);
  const group = stale ? null : linkGroup(b.upstream, ctx.upstreamMap, ctx.containers, windowEvents);
  const peers = group ? group.peers.flatMap((p) => (p.match ? [p.match] : [])) : [];
  // A group named like its service (`upstream api`) still links by name; never by time alone.
  const byName = matchBySnapshot(b.upstream, ctx.containers) ?? matchByEventNames(b.upstream, windowEvents);
  const match = stale?.match ?? (group ? byName : (byName ?? matchByTime(windowEvents, ctx.claimed)));
  // A group's peers one after the other (each in time order): episodes read one lifecycle at a time.
  // An earlier container that a later one of the same slot outlived before the burst is not its story.
  const own = withoutSupersededIncarnations(match ? eventsOf(match, windowEvents) : [...new Set(peers.flatMap((m) => eventsOf(m, windowEvents)))], b.first);
  const info = match ? (ctx.containers.find((c) => c.name === match.name) ?? null) : null;
  const recovered = hasRecovered(b, ctx.latestLog, ctx.gapMs);
  const attached = ctx.attachments(b.id);
  const probe = attached.checklist;
  const probeReadyMs = probe ? (probe.timeToListenMs ?? probe.timeToHealthyMs) : null;
  const lc = lifecycleFacts({ burst: b, own, info, matched: match !== null || peers.length > 0, recovered, eventsFrom: ctx.eventsFrom, unplacedEvents: ctx.unplacedEvents, window: ctx.window, clock: (t) => formatLocal(t, ctx.tz).slice(11), probeReadyMs });
  // What the matched container answers to: a config's `server backend:3000` is its address by name.
  const names = match ? [match.name, ...(match.service ? [match.service] : []), ...(info?.aliases ?? [])] : [];
  // The facts lifecycleFacts just made are this diagnosis's own: what the coverage and the config
  // add is written into them (upstreamGroups.ts addConfigFacts says why not into a copy).
  const facts = lc.facts;
  if (lc.coverage.unknown.length > 0) facts.unknown = lc.coverage.unknown;
  addConfigFacts(facts, group ? groupFacts(group, b, windowEvents, ctx.window.beforeMs) : null, stale?.facts ?? null, singlePeerOf(b.upstream, ctx.upstreamMap, names));
  const seed = match ?? peers[0] ?? null;
  const workload = seed ? buildWorkload(seed, own, ctx.containers) : null;
  const gaps = ctx.events.gapsOverlapping(from, to);
  const diagnosis = withEventGaps(diagnose(ctx.patterns, b, facts, match), gaps);
  if (lc.note) diagnosis.reasons.unshift(lc.note);
  addFindings(diagnosis, { burst: b, facts, match, workload, gaps });
  return {
    id: b.id,
    burst: b,
    match,
    workload: workload ? { ...workload, incarnation: incarnationChange(workload, facts.episodes) } : null,
    facts,
    coverage: lc.coverage,
    diagnosis,
    ...attached,
  };
}
