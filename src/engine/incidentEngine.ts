/**
 * The incident engine: the one stateful core that live mode, replay and postmortems share.
 * Feed it upstream failures and line tallies (from the scan stage, src/scan/) and Docker events in
 * any mix; ask it for incidents or a snapshot.
 * No I/O and no clock of its own (time comes from the data or from `tick(now)`), so a recorded
 * incident replays exactly as it happened live.
 *
 * API used by the edges (log lines reach it through the scan stage, src/scan/lineIntake.ts):
 *   new IncidentEngine(options)
 *   ingestFailure(sample)                  one upstream failure, from the scan stage
 *   addTallies(counts)                     lines the scan stage counted itself (not failures)
 *   ingestEvent(raw)                       one raw Docker event object (validated here), or a gap marker
 *   noteEventGap(gap)                      an interval without Docker events (daemon outage)
 *   setContainers(infos)                   a decoded inspect snapshot (replaces the previous one)
 *   setUpstreamMap(map)                    the nginx config's groups, read after construction (live: the running nginx's)
 *   setSourceStatus(status)                health of a source, for the header
 *   tick(now) / finish()                   close idle bursts (live) / everything (end of input)
 *   takeAnnouncements()                    incidents ready to print since the last call (live lines)
 *   incidents() / snapshot(now)            diagnosed incidents / everything a renderer needs
 *   attachChecklist(id, r) / attachFix(id, f)
 *
 * Its parts, each in its own module: upstreamStats (the screen's tallies), diagnoseBurst,
 * keptIncidents (kept bursts, cache, attachments), announcements, containerViews, engineCounters,
 * eventIntake (Docker events: decoded, bounded, de-duplicated, gaps). Lines reach it through the
 * scan stage (scan/lineIntake.ts) as failure samples and tallies.
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { Burst, ChecklistResult, ContainerView, FixProposal, Incident } from '../model/incident.js';
import type { EngineCounters, EngineSnapshot, SourceStatus } from '../model/snapshot.js';
import { foldedNotes, type FoldedKeys } from '../correlate/boundedKeys.js';
import { BurstDetector, MAX_OPEN_BURSTS } from '../correlate/bursts.js';
import type { EventGap } from '../correlate/eventStore.js';
import { DEFAULT_WINDOW, type CorrelationWindow } from '../correlate/facts.js';
import { peerGroupKeys } from '../correlate/upstreamGroups.js';
import { EMPTY_UPSTREAM_MAP, type UpstreamMap } from '../model/upstreamMap.js';
import type { Pattern } from '../diagnose/patternSchema.js';
import type { InvalidEventReason } from '../model/snapshot.js';
import type { FailureSample } from '../parse/failureSample.js';
import { admitLines, newLatestTimes, type LatestTimes, type LineTallies } from '../scan/lineScreen.js';
import { Announcements } from './announcements.js';
import { containerViews } from './containerViews.js';
import { diagnoseBurst, hasRecovered } from './diagnoseBurst.js';
import { EventIntake } from './eventIntake.js';
import { absorbTallies, copyCounters, newEngineCounters } from './engineCounters.js';
import { KeptIncidents } from './keptIncidents.js';
import { MAX_UPSTREAMS, UpstreamStats } from './upstreamStats.js';

export interface EngineOptions {
  tz: string;
  patterns: Pattern[];
  burstGapMs?: number;
  minErrors?: number;
  window?: CorrelationWindow;
  /** Epoch ms bounds; lines and events outside are counted and skipped. */
  since?: number | null;
  until?: number | null;
  /** Bursts kept (oldest summarised away first): bounds memory in a long live session. */
  maxIncidents?: number;
  /** Container events kept for correlation (in all; correlate/eventStore.ts also bounds each container). */
  maxEvents?: number;
  /** The nginx config's upstream groups and named peers (fix/nginx/groups.ts), when a config is known. */
  upstreamMap?: UpstreamMap;
  /**
   * Keep each upstream's error tallies for the live screen's list (snapshot(); default true). A
   * postmortem draws no screen and says false: the diagnosis is the same (it reads only each
   * upstream's address and last error), and snapshot() then throws.
   */
  screenTallies?: boolean;
}

const DEFAULT_BURST_GAP_MS = 5_000;
const DEFAULT_MIN_ERRORS = 3;

export class IncidentEngine {
  readonly tz: string;
  private readonly patterns: Pattern[];
  private readonly gapMs: number;
  private readonly window: CorrelationWindow;
  private readonly since: number | null;
  private readonly until: number | null;
  private readonly maxIncidents: number;
  private readonly detector: BurstDetector;
  private upstreamMap: UpstreamMap;
  /** Peer → group, read by the burst detector on every line: refilled in place by setUpstreamMap. */
  private readonly groupOf: Map<string, string>;

  private readonly counters = newEngineCounters();
  /** Error tallies per upstream (the live screen's list). */
  private readonly upstreams: UpstreamStats;
  private readonly kept: KeptIncidents;
  /** Docker events: decoded, bounded, de-duplicated, with their gaps (eventIntake.ts). */
  private readonly intake: EventIntake;
  private containers: ContainerInfo[] = [];
  private readonly sources = new Map<string, SourceStatus>();
  private readonly announcements: Announcements;
  /** Bumped on every change that can alter every diagnosis (events, containers, the config's groups, a new upstream). */
  private version = 0;
  /**
   * `latest`: newest data time seen, the engine's notion of "now" when no clock is given.
   * `latestLog`: newest log-line time: did the log go on after a burst (it recovered) or end with it?
   */
  private readonly times: LatestTimes = newLatestTimes();
  /** Latest wall-clock time given to tick(): the lag reference in live mode. */
  private lastTick: number | null = null;

  constructor(options: EngineOptions) {
    this.tz = options.tz;
    this.patterns = options.patterns;
    this.gapMs = options.burstGapMs ?? DEFAULT_BURST_GAP_MS;
    this.window = options.window ?? DEFAULT_WINDOW;
    this.since = options.since ?? null;
    this.until = options.until ?? null;
    this.maxIncidents = options.maxIncidents ?? 1000;
    this.upstreams = new UpstreamStats(options.screenTallies ?? true);
    const bounds = { since: this.since, until: this.until, window: this.window, ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}) };
    this.intake = new EventIntake(bounds, this.counters, this.times, () => this.version++);
    this.kept = new KeptIncidents(this.maxIncidents);
    this.announcements = new Announcements(this.gapMs, this.maxIncidents);
    this.upstreamMap = options.upstreamMap ?? EMPTY_UPSTREAM_MAP;
    this.groupOf = peerGroupKeys(this.upstreamMap);
    this.detector = new BurstDetector({ gapMs: this.gapMs, minErrors: options.minErrors ?? DEFAULT_MIN_ERRORS, groupOf: this.groupOf });
  }

  // ---- input ---------------------------------------------------------------------------------

  /** The time zone and --since/--until this engine reads with: a scan stage feeding it counts lines the same way (scan/lineIntake.ts). */
  get lineWindow(): { tz: string; since: number | null; until: number | null } {
    return { tz: this.tz, since: this.since, until: this.until };
  }

  /**
   * Lines a scan stage counted itself (every line it did not hand over as a failure). Also the end
   * of the samples handed over before: a sample held as a batch's bytes (FailureSample.fromWire)
   * is valid until this call, which makes what bursts keep of them their own.
   */
  addTallies(c: LineTallies): void {
    absorbTallies(this.counters, this.times, c);
    this.detector.settle();
  }

  /** One upstream failure. `failure` is only read here (it is refilled for the next line). */
  ingestFailure(failure: FailureSample): void {
    const time = failure.time;
    if (!admitLines(this.times, this.counters, this.since, this.until, time, 1)) return;
    this.counters.upstreamErrors++;
    // A new upstream's address can claim a container (addressClaims): no longer a match by time alone.
    if (this.upstreams.add(failure)) this.version++;
    const closed = this.detector.add(failure);
    if (closed) this.kept.keep(closed);
    if (this.detector.hasShed) for (const b of this.detector.takeShed()) this.kept.keep(b);
  }

  /** One raw Docker event object (or a recording's gap marker): see eventIntake.ts. */
  ingestEvent(raw: unknown): ContainerEvent | null {
    return this.intake.ingest(raw);
  }

  /** Counts an event rejected before decoding (not JSON, too large, too deeply nested: parse/dockerEvent.ts). */
  countInvalidEvent(reason: InvalidEventReason = 'not-json'): void {
    this.intake.countInvalid(reason);
  }

  /** An interval without Docker events (live: the stream was lost; a recording's marker). Incidents overlapping it say so. */
  noteEventGap(gap: EventGap): void {
    this.intake.addGap(gap);
  }

  /** Counts an events-file line rejected before decoding (parse/dockerEvent.ts isIgnoredEventLine): what ingestEvent counts it as. */
  countIgnoredEvent(): void {
    this.intake.countIgnored();
  }

  /** How far back a source's events reach (an events file's first line, the live stream's history): earlier bursts get inspect's facts. */
  noteEventsFrom(time: number): void {
    this.intake.noteFrom(time);
  }

  /**
   * The nginx config's upstream map when it is known only after the engine was built (live mode
   * reads the running nginx's config): replaces the map, every diagnosis is made again with it, and
   * a group peer's lone errors fold into the group's incident from here on.
   */
  setUpstreamMap(map: UpstreamMap): void {
    this.upstreamMap = map;
    this.groupOf.clear();
    for (const [peer, group] of peerGroupKeys(map)) this.groupOf.set(peer, group);
    this.version++;
  }

  setContainers(infos: ContainerInfo[]): void {
    this.containers = infos;
    this.version++;
  }

  setSourceStatus(status: SourceStatus): void {
    this.sources.set(status.id, status);
  }

  attachChecklist(incidentId: string, result: ChecklistResult): void {
    this.kept.attachChecklist(incidentId, result);
  }

  attachFix(incidentId: string, fix: FixProposal): void {
    this.kept.attachFix(incidentId, fix);
  }

  // ---- time ----------------------------------------------------------------------------------

  /** Live: closes bursts idle for longer than the gap at wall-clock `now`. */
  tick(now: number): void {
    this.lastTick = now;
    for (const b of this.detector.closeIdle(now)) this.kept.keep(b);
  }

  /** End of input (postmortem, end of replay): every open burst is closed. */
  finish(): void {
    for (const b of this.detector.closeAll()) this.kept.keep(b);
  }

  // ---- output --------------------------------------------------------------------------------

  /**
   * Incidents to print since the last call: closed or settled ones not yet announced, and
   * announced ones that grew or were diagnosed differently since. A line printer calls this
   * after each tick.
   */
  takeAnnouncements(now: number = this.lastTick ?? this.times.latest): Incident[] {
    const claimed = this.addressClaims();
    return this.announcements.take(this.incidents(claimed), this.openIncidents(claimed), now, () => this.kept.bursts.map((b) => b.id));
  }

  /** Every kept incident, oldest first, diagnosed against all events known now. */
  incidents(claimed: ReadonlySet<string> = this.addressClaims()): Incident[] {
    const diagnoseKept = (b: Burst): Incident => this.diagnoseBurst(b, claimed);
    return this.kept.bursts.map((b) => this.kept.incidentFor(b, this.version, this.recovered(b), diagnoseKept));
  }

  private recovered(b: Burst): boolean {
    return hasRecovered(b, this.times.latestLog, this.gapMs);
  }

  /** Open bursts big enough to be incidents, diagnosed provisionally (live view). */
  openIncidents(claimed: ReadonlySet<string> = this.addressClaims()): Incident[] {
    return this.detector.openBursts().map((b) => this.diagnoseBurst(b, claimed));
  }

  /** The container each upstream's address links to (IP, published port, name), by upstream key. */
  private addressOwners(): Map<string, string> {
    return this.upstreams.owners(this.containers);
  }

  /** Containers that some upstream's address already links to: not candidates for a time-only match. */
  private addressClaims(): Set<string> {
    return new Set(this.addressOwners().values());
  }

  /**
   * The containers whose addresses the checklist may probe (session/probeTargets.ts adds the nginx
   * config's peers). Not the upstreams the log names: a client can forge those fields.
   */
  probeContainers(): ContainerInfo[] {
    return this.containers;
  }

  private diagnoseBurst(b: Burst, claimed: ReadonlySet<string>): Incident {
    const { patterns, window, gapMs, containers, tz, upstreamMap } = this;
    return diagnoseBurst(b, { patterns, window, gapMs, containers, events: this.intake.store, eventsFrom: this.intake.from, unplacedEvents: this.intake.unplaced, tz, upstreamMap, latestLog: this.times.latestLog, claimed, attachments: (id) => this.kept.attachments(id) });
  }

  containerViews(): ContainerView[] {
    return containerViews(this.containers, this.intake.store.all());
  }

  counts(): EngineCounters & { isolatedErrors: number; droppedBursts: number; foldedKeys: FoldedKeys; droppedEvents: number } {
    return {
      ...copyCounters(this.counters),
      isolatedErrors: this.detector.isolatedErrors,
      droppedBursts: this.kept.dropped,
      foldedKeys: { upstreams: this.upstreams.folded, bursts: this.detector.foldedBursts },
      droppedEvents: this.intake.store.dropped,
    };
  }

  /** The oldest and newest valid log line read, --since/--until or not; null when there was none. */
  logSpan(): { first: number; last: number } | null {
    return this.times.firstLine <= this.times.lastLine ? { first: this.times.firstLine, last: this.times.lastLine } : null;
  }

  /** What a reader of the report must know about this run's bounds and blind spots (report notes). */
  notes(): string[] {
    return [...foldedNotes({ upstreams: this.upstreams.folded, bursts: this.detector.foldedBursts }, { upstreams: MAX_UPSTREAMS, bursts: MAX_OPEN_BURSTS }), ...this.intake.notes()];
  }

  /** The newest time in the data (postmortem "now"). */
  latestDataTime(): number {
    return this.times.latest;
  }

  snapshot(now: number = this.lastTick ?? this.times.latest): EngineSnapshot {
    const owners = this.addressOwners();
    const claimed = new Set(owners.values());
    const upstreams = this.upstreams.stats(now, owners);
    const closed = this.incidents(claimed);
    const open = this.openIncidents(claimed);
    return {
      now,
      tz: this.tz,
      counters: this.counts(),
      sources: [...this.sources.values()],
      upstreams,
      containers: this.containerViews(),
      incidents: [...closed, ...open],
      openBursts: open.map((i) => i.burst),
    };
  }
}
