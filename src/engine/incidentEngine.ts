/**
 * The incident engine: the one stateful core that live mode, replay and postmortems share.
 * Feed it log lines and Docker events in any mix; ask it for incidents or a snapshot.
 * No I/O and no clock of its own (time comes from the data or from `tick(now)`), so a recorded
 * incident replays exactly as it happened live.
 *
 * API used by the edges:
 *   new IncidentEngine(options)
 *   ingestLine(source, lineNo, text)       one raw log line (parsed here)
 *   ingestLineBytes(…) / ingestSameHeadRun one line / a run of lines as bytes (LineSplitter's byte mode)
 *   ingestFullLine(…) / absorbScreened(c)  a log read on the reader thread (engine/screenedFile.ts)
 *   ingestEvent(raw)                       one raw Docker event object (validated here), or a gap marker
 *   noteEventGap(gap)                      an interval without Docker events (daemon outage)
 *   setContainers(infos)                   a decoded inspect snapshot (replaces the previous one)
 *   setSourceStatus(status)                health of a source, for the header
 *   tick(now) / finish()                   close idle bursts (live) / everything (end of input)
 *   takeAnnouncements()                    incidents ready to print since the last call (live lines)
 *   incidents() / snapshot(now)            diagnosed incidents / everything a renderer needs
 *   attachChecklist(id, r) / attachFix(id, f)
 */
import type { ContainerEvent, ContainerInfo } from '../model/container.js';
import type { Burst, ChecklistResult, ContainerMatch, ContainerView, FixProposal, Incident } from '../model/incident.js';
import type { LogRecord, UnparsedReason, UpstreamAddress, UpstreamErrorKind } from '../model/logRecord.js';
import { SPARK_SECONDS, type EngineCounters, type EngineSnapshot, type SourceStatus, type UpstreamStat } from '../model/snapshot.js';
import { foldedNotes, foldOldest, refillLevel, type FoldedKeys } from '../correlate/boundedKeys.js';
import { BurstDetector, MAX_OPEN_BURSTS } from '../correlate/bursts.js';
import { EventStore, type EventGap } from '../correlate/eventStore.js';
import { eventsOf, matchByEventNames, matchBySnapshot, matchByTime } from '../correlate/containerMatch.js';
import { DEFAULT_WINDOW, type CorrelationWindow } from '../correlate/facts.js';
import { lifecycleFacts } from '../correlate/coverage.js';
import { restartsByContainer } from '../correlate/restarts.js';
import { buildWorkload, foldViewsByWorkload, incarnationChange } from '../correlate/workload.js';
import { groupFacts, linkGroup, peerGroupKeys, staleAddress, withConfigFacts } from '../correlate/upstreamGroups.js';
import { EMPTY_UPSTREAM_MAP, type UpstreamMap } from '../model/upstreamMap.js';
import { diagnose } from '../diagnose/diagnose.js';
import { gapSentence, withEventGaps } from '../diagnose/eventGaps.js';
import { withFindings } from '../diagnose/findings.js';
import type { Pattern } from '../diagnose/patternSchema.js';
import { decodeDockerEvent, decodeEventGapMarker, eventObjectProblem, type InvalidEventReason } from '../parse/dockerEvent.js';
import { FailureSample } from '../parse/failureSample.js';
import { formatLocal, LocalClock } from '../parse/localTime.js';
import { Classifier } from '../parse/classify.js';
import { cutLine, LineCut } from '../parse/nginx/cut.js';
import { quickScanLine, SCAN_OTHER, SCAN_UNPARSED } from '../parse/nginx/screen.js';
import type { Signature } from '../parse/nginx/signatures.js';
import { LINE_CONTROL, LINE_UNSCANNED } from '../sources/lineSplitter.js';
import { newForeignCounters, takeForeignLine, type ForeignCounters, type ForeignLineTarget } from './foreignLine.js';
import { LineScreen, newLatestTimes, type LatestTimes, type LineTally } from './lineScreen.js';

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
  /** The failure signatures (default: parse/nginx/signatures.ts); both the screen and the parse use them. */
  signatures?: readonly Signature[];
  /** The nginx config's upstream groups and named peers (fix/nginx/groups.ts), when a config is known. */
  upstreamMap?: UpstreamMap;
}

/** Upstreams whose error tallies are kept (the live screen's list): the least recently failing are folded beyond it. */
export const MAX_UPSTREAMS = 10_000;

/** What a LineScreen on another thread counted (every line it did not pass on): IncidentEngine.absorbScreened. */
export interface ScreenedCounts extends LineTally {
  /** The newest time of those lines (0: none). */
  latest: number;
  /** The oldest and newest valid line, --since/--until or not (LatestTimes). */
  firstLine: number;
  lastLine: number;
}

export const DEFAULT_BURST_GAP_MS = 5_000;
export const DEFAULT_MIN_ERRORS = 3;

class UpstreamAccumulator {
  total = 0;
  kinds: Partial<Record<UpstreamErrorKind, number>> = {};
  lastErrorAt: number | null = null;
  // Ring of per-second counts ending at `headSecond`.
  private readonly ring = new Array<number>(SPARK_SECONDS).fill(0);
  private headSecond = 0;

  constructor(public upstream: UpstreamAddress) {}

  /** This accumulator, emptied for another upstream (a folded one is reused: no garbage per new name). */
  reset(upstream: UpstreamAddress): this {
    this.upstream = upstream;
    this.total = 0;
    this.kinds = {};
    this.lastErrorAt = null;
    this.ring.fill(0);
    this.headSecond = 0;
    return this;
  }

  add(time: number, kind: UpstreamErrorKind): void {
    this.total++;
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
    this.lastErrorAt = this.lastErrorAt === null ? time : Math.max(this.lastErrorAt, time);
    const sec = Math.floor(time / 1000);
    this.advance(sec);
    const age = this.headSecond - sec;
    if (age >= 0 && age < SPARK_SECONDS) this.ring[(sec % SPARK_SECONDS + SPARK_SECONDS) % SPARK_SECONDS]! += 1;
  }

  private advance(sec: number): void {
    if (sec <= this.headSecond) return;
    const steps = Math.min(SPARK_SECONDS, sec - this.headSecond);
    for (let i = 1; i <= steps; i++) this.ring[(((this.headSecond + i) % SPARK_SECONDS) + SPARK_SECONDS) % SPARK_SECONDS] = 0;
    this.headSecond = sec;
  }

  perSecond(now: number): number[] {
    this.advance(Math.floor(now / 1000));
    const out: number[] = [];
    for (let i = SPARK_SECONDS - 1; i >= 0; i--) out.push(this.ring[(((this.headSecond - i) % SPARK_SECONDS) + SPARK_SECONDS) % SPARK_SECONDS]!);
    return out;
  }
}

interface CachedIncident {
  readonly version: number;
  /** Replaced (not mutated) when a checklist or fix is attached. */
  incident: Incident;
}

export class IncidentEngine {
  readonly tz: string;
  private readonly clock: LocalClock;
  private readonly patterns: Pattern[];
  private readonly gapMs: number;
  private readonly window: CorrelationWindow;
  private readonly since: number | null;
  private readonly until: number | null;
  private readonly maxIncidents: number;
  private readonly detector: BurstDetector;
  private readonly upstreamMap: UpstreamMap;

  private readonly counters: EngineCounters & ForeignCounters = {
    linesRead: 0,
    otherLines: 0,
    upstreamErrors: 0,
    unparsed: {},
    outsideWindow: 0,
    dockerEvents: 0,
    ignoredEvents: 0,
    invalidEvents: 0,
    invalidEventReasons: {},
    duplicateEvents: 0,
    ...newForeignCounters(),
  };
  /** What the bounded per-key tables folded away (counters.foldedKeys). */
  private readonly folded: FoldedKeys = { upstreams: 0, bursts: 0 };
  private readonly upstreams = new Map<string, UpstreamAccumulator>();
  /** Accumulators of folded upstreams, for reuse. */
  private readonly spareUpstreams: UpstreamAccumulator[] = [];
  private readonly bursts: Burst[] = [];
  /** Bursts dropped from memory by the bound, summarised as counts. */
  private droppedBursts = 0;
  private readonly events: EventStore;
  /** Earliest time every Docker event is known from: the oldest one seen, or what a source says (noteEventsFrom). */
  private eventsFrom: number | null = null;
  private containers: ContainerInfo[] = [];
  private readonly sources = new Map<string, SourceStatus>();
  private readonly checklists = new Map<string, ChecklistResult>();
  private readonly fixes = new Map<string, FixProposal>();
  private readonly cache = new Map<string, CachedIncident>();
  /**
   * Incident id → what was last announced (count, diagnosis, container): an incident is printed
   * again only if it grew or its verdict changed, e.g. the start event that turns "backend down"
   * into "restart race" arriving after the first line.
   */
  private readonly announced = new Map<string, string>();
  /** Bumped on every change that can alter every diagnosis (events, containers). */
  private version = 0;
  /**
   * `latest`: newest data time seen, the engine's notion of "now" when no clock is given.
   * `latestLog`: newest log-line time: did the log go on after a burst (it recovered) or end with it?
   */
  private readonly times: LatestTimes = newLatestTimes();
  /** Latest wall-clock time given to tick(): the lag reference in live mode. */
  private lastTick: number | null = null;
  /** Byte mode's first look at each line: counts most lines itself, hands the rest to ingestFullLine. */
  private readonly screen: LineScreen;
  /** Refilled for every upstream failure: nothing is allocated per line that no burst keeps. */
  private readonly sample = new FailureSample();
  /** Where the line being parsed is cut (this engine's own: the parser keeps no state). */
  private readonly cut: LineCut;
  /** Where foreignLine.ts hands what it read in a line without nginx's header. */
  private readonly foreign: ForeignLineTarget = {
    countOther: (time) => this.countOtherLine(time),
    countUnparsed: (reason) => this.countUnparsed(reason),
    ingestFailure: (sample) => this.ingestFailure(sample),
  };

  constructor(options: EngineOptions) {
    this.tz = options.tz;
    this.clock = new LocalClock(options.tz);
    this.patterns = options.patterns;
    this.gapMs = options.burstGapMs ?? DEFAULT_BURST_GAP_MS;
    this.window = options.window ?? DEFAULT_WINDOW;
    this.since = options.since ?? null;
    this.until = options.until ?? null;
    this.maxIncidents = options.maxIncidents ?? 1000;
    this.events = new EventStore(options.maxEvents !== undefined ? { total: options.maxEvents } : {});
    this.upstreamMap = options.upstreamMap ?? EMPTY_UPSTREAM_MAP;
    this.detector = new BurstDetector({ gapMs: this.gapMs, minErrors: options.minErrors ?? DEFAULT_MIN_ERRORS, groupOf: peerGroupKeys(this.upstreamMap) });
    this.cut = new LineCut(options.signatures ? new Classifier(options.signatures) : undefined);
    this.screen = new LineScreen(
      this.counters,
      this.times,
      this.clock,
      this.since,
      this.until,
      (source, lineNo, buf, start, end, flags) => this.ingestFullLine(source, lineNo, buf, start, end, flags),
      options.signatures,
    );
  }

  // ---- input ---------------------------------------------------------------------------------

  ingestLine(source: string, lineNo: number, text: string, screened = false): void {
    this.takeLine(source, lineNo, text, screened);
  }

  /** ingestLine's work; returns the line's time, NaN when it is not a valid line. */
  private takeLine(source: string, lineNo: number, text: string, screened: boolean): number {
    this.counters.linesRead++;
    // Most lines are not upstream failures: decide that without cutting the line (same answer
    // as parseNginxLine, test/perf/equivalence.test.ts), and cut only the others.
    // `screened`: ingestLineBytes found this line may be a failure and has no control byte
    // (skip the screen and the binary check).
    if (!screened) {
      const q = quickScanLine(this.cut, text, this.clock);
      if (q === SCAN_OTHER) return this.countOtherLine(this.cut.scan.time);
      if (q === SCAN_UNPARSED) return this.notValid(this.cut.scan.reason, text, source, lineNo);
    }
    // cutLine decides as parseNginxLine does, into ranges: no record for a line no burst keeps.
    const cut = this.cut;
    const bad = cutLine(cut, text, this.clock, screened);
    if (bad !== null) return this.notValid(bad, text, source, lineNo);
    const time = cut.time;
    if (cut.kind === null) return this.countOtherLine(time);
    this.ingestFailure(this.sample.fromCut(cut, text, source, lineNo));
    return time;
  }

  /** A line that is not a plain nginx line: without nginx's header it may be prefixed (Docker, journald, syslog…) or an access line (foreignLine.ts). Returns NaN. */
  private notValid(reason: UnparsedReason, text: string, source: string, lineNo: number): number {
    if (reason === 'not-nginx') return takeForeignLine(text, source, lineNo, this.clock, this.cut, this.counters, this.sample, this.foreign);
    return this.countUnparsed(reason);
  }

  /** Returns NaN: the time of a line that is not valid. */
  private countUnparsed(reason: UnparsedReason): number {
    return this.screen.countUnparsed(reason);
  }

  /** The failure signatures this engine classifies with (a reader thread's screen takes the same). */
  get signatures(): readonly Signature[] {
    return this.cut.classifier.table;
  }

  /** Message starts that make a needle line no failure (the scan may count it with the line before). */
  get plainPrefixes(): readonly Buffer[] {
    return this.screen.plainPrefixes;
  }

  /** Lines whose bytes contain one of these are decoded and parsed; the others only need their header checked. */
  get needles(): readonly Buffer[] {
    return this.screen.needles;
  }

  /** One line as bytes (LineSplitter's byte mode, used by postmortems): see LineScreen. */
  ingestLineBytes(source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number): void {
    this.screen.ingestLineBytes(source, lineNo, buf, start, end, flags);
  }

  /** Lines with the stamp of the valid line before them (LineSplitter's SIMD scan): see LineScreen. */
  ingestSameHeadRun(count: number): boolean {
    return this.screen.ingestSameHeadRun(count);
  }

  /** A line the byte screen (here, or on the reader thread) found needs the full parse; returns its time, NaN when not valid. */
  ingestFullLine(source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number): number {
    return this.takeLine(source, lineNo, buf.toString('utf8', start, end), (flags & (LINE_CONTROL | LINE_UNSCANNED)) === 0);
  }

  /** A failure line a reader thread has cut already (screenedFile.ts): `cut` holds its ranges in `text`. */
  ingestCutFailure(source: string, lineNo: number, text: string, cut: LineCut): void {
    this.counters.linesRead++;
    this.ingestFailure(this.sample.fromCut(cut, text, source, lineNo));
  }

  /** Folds in what the reader thread's LineScreen counted (every line it did not pass on). */
  absorbScreened(c: ScreenedCounts): void {
    this.counters.linesRead += c.linesRead;
    this.counters.otherLines += c.otherLines;
    this.counters.outsideWindow += c.outsideWindow;
    for (const [reason, n] of Object.entries(c.unparsed) as [UnparsedReason, number][]) this.counters.unparsed[reason] = (this.counters.unparsed[reason] ?? 0) + n;
    if (c.latest > this.times.latest) this.times.latest = c.latest;
    if (c.latest > this.times.latestLog) this.times.latestLog = c.latest;
    this.times.firstLine = Math.min(this.times.firstLine, c.firstLine);
    this.times.lastLine = Math.max(this.times.lastLine, c.lastLine);
  }

  /** A valid line that is not an upstream failure (what ingestRecord does with a `kind: null` record); returns its time. */
  private countOtherLine(time: number): number {
    return this.screen.countOther(time);
  }

  /** One parsed line (the straightforward path: what ingestLine decides, from a LogRecord). */
  ingestRecord(record: LogRecord): void {
    if (record.kind === null) this.countOtherLine(record.time);
    else this.ingestFailure(this.sample.fromRecord(record));
  }

  /** One upstream failure. `failure` is only read here (it is refilled for the next line). */
  ingestFailure(failure: FailureSample): void {
    const time = failure.time;
    if (!this.screen.admit(time)) return;
    this.counters.upstreamErrors++;
    let acc = this.upstreams.get(failure.key);
    if (!acc) {
      if (this.upstreams.size >= MAX_UPSTREAMS) this.folded.upstreams += foldOldest(this.upstreams, refillLevel(MAX_UPSTREAMS), (a) => a.lastErrorAt ?? 0, (_k, a) => this.spareUpstreams.push(a));
      acc = this.spareUpstreams.pop()?.reset(failure.address()) ?? new UpstreamAccumulator(failure.address());
      this.upstreams.set(failure.key, acc);
    }
    acc.add(time, failure.kind);
    const closed = this.detector.add(failure);
    if (closed) this.keepBurst(closed);
    if (this.detector.hasShed) for (const b of this.detector.takeShed()) this.keepBurst(b);
  }

  ingestEvent(raw: unknown): ContainerEvent | null {
    const gap = decodeEventGapMarker(raw);
    if (gap) {
      this.noteEventGap({ ...gap, reason: 'marked in the events recording' });
      return null;
    }
    const problem = eventObjectProblem(raw);
    if (problem) {
      this.countInvalidEvent(problem);
      return null;
    }
    const decoded = decodeDockerEvent(raw);
    if (!decoded.ok) {
      if (decoded.ignored) this.counters.ignoredEvents++;
      else this.countInvalidEvent('invalid-fields');
      return null;
    }
    this.addEvent(decoded.event);
    return decoded.event;
  }

  /** Counts an event rejected before decoding (not JSON, too large, too deeply nested: parse/dockerEvent.ts). */
  countInvalidEvent(reason: InvalidEventReason = 'not-json'): void {
    this.counters.invalidEvents++;
    this.counters.invalidEventReasons[reason] = (this.counters.invalidEventReasons[reason] ?? 0) + 1;
  }

  /** An interval without Docker events (live: the stream was lost; a recording's marker). Incidents overlapping it say so. */
  noteEventGap(gap: EventGap): void {
    this.events.addGap(gap);
    this.version++;
  }

  /** Counts an events-file line rejected before decoding (parse/dockerEvent.ts isIgnoredEventLine): what ingestEvent counts it as. */
  countIgnoredEvent(): void {
    this.counters.ignoredEvents++;
  }

  addEvent(event: ContainerEvent): void {
    if ((this.since !== null && event.time < this.since - this.window.beforeMs) || (this.until !== null && event.time > this.until + this.window.afterMs)) {
      this.counters.ignoredEvents++;
      return;
    }
    if (!this.events.add(event)) {
      this.counters.duplicateEvents++;
      return;
    }
    this.counters.dockerEvents++;
    this.noteEventsFrom(event.time);
    if (event.time > this.times.latest) this.times.latest = event.time;
    this.version++;
  }

  /**
   * A source's word on how far back its events reach (the first line of an events file, even an
   * ignored one; the live stream's history): bursts that began earlier get inspect's facts.
   */
  noteEventsFrom(time: number): void {
    if (this.eventsFrom !== null && time >= this.eventsFrom) return;
    this.eventsFrom = time;
    this.version++;
  }

  setContainers(infos: ContainerInfo[]): void {
    this.containers = infos;
    this.version++;
  }

  setSourceStatus(status: SourceStatus): void {
    this.sources.set(status.id, status);
  }

  // An attachment changes nothing a diagnosis reads: the cached incident only takes it on (a fix
  // attached to each of 1,000 incidents would otherwise re-diagnose all of them 1,000 times).
  attachChecklist(incidentId: string, result: ChecklistResult): void {
    this.checklists.set(incidentId, result);
    // Its measured time to ready is the incident's one time to ready: this incident is diagnosed again.
    this.cache.delete(incidentId);
  }

  attachFix(incidentId: string, fix: FixProposal): void {
    this.fixes.set(incidentId, fix);
    this.refreshAttachments(incidentId);
  }

  private refreshAttachments(incidentId: string): void {
    const cached = this.cache.get(incidentId);
    if (cached) cached.incident = { ...cached.incident, checklist: this.checklists.get(incidentId) ?? null, fix: this.fixes.get(incidentId) ?? null };
  }

  // ---- time ----------------------------------------------------------------------------------

  /** Live: closes bursts idle for longer than the gap at wall-clock `now`. */
  tick(now: number): void {
    this.lastTick = now;
    for (const b of this.detector.closeIdle(now)) this.keepBurst(b);
  }

  /**
   * A burst has settled when it has been quiet for three times its own mean error spacing
   * (at least 1 s, at most the gap): under steady traffic that is about a second after the last
   * error, so live mode can announce an incident long before the gap closes it.
   */
  private settled(b: Burst, now: number): boolean {
    const spacing = b.count > 1 ? (b.last - b.first) / (b.count - 1) : this.gapMs;
    const quiet = Math.min(this.gapMs, Math.max(1000, 3 * spacing));
    return now - b.last >= quiet;
  }

  /** End of input (postmortem, end of replay): every open burst is closed. */
  finish(): void {
    for (const b of this.detector.closeAll()) this.keepBurst(b);
  }

  private keepBurst(b: Burst): void {
    this.bursts.push(b);
    if (this.bursts.length > this.maxIncidents) {
      const old = this.bursts.shift()!;
      this.cache.delete(old.id);
      this.checklists.delete(old.id);
      this.fixes.delete(old.id);
      this.droppedBursts++;
    }
  }

  // ---- output --------------------------------------------------------------------------------

  /**
   * Incidents to print since the last call: closed or settled ones not yet announced, and
   * announced ones that grew or were diagnosed differently since. A line printer calls this
   * after each tick.
   */
  takeAnnouncements(now: number = this.lastTick ?? this.times.latest): Incident[] {
    const claimed = this.addressClaims();
    const ready = [...this.incidents(claimed), ...this.openIncidents(claimed).filter((i) => this.settled(i.burst, now))];
    const out: Incident[] = [];
    for (const i of ready) {
      const said = `${i.burst.count} ${i.diagnosis.patternId} ${i.match?.name ?? '-'} ${i.workload?.key ?? '-'} ${(i.diagnosis.contributing ?? []).map((c) => c.id).join(',')}`;
      if (this.announced.get(i.id) === said) continue;
      this.announced.set(i.id, said);
      out.push(i);
    }
    if (this.announced.size > this.maxIncidents * 2) {
      const keep = new Set(this.bursts.map((b) => b.id));
      for (const id of this.announced.keys()) if (!keep.has(id)) this.announced.delete(id);
    }
    return out;
  }

  /** Every kept incident, oldest first, diagnosed against all events known now. */
  incidents(claimed: ReadonlySet<string> = this.addressClaims()): Incident[] {
    return this.bursts.map((b) => this.incidentFor(b, claimed));
  }

  /** Open bursts big enough to be incidents, diagnosed provisionally (live view). */
  openIncidents(claimed: ReadonlySet<string> = this.addressClaims()): Incident[] {
    return this.detector.openBursts().map((b) => this.diagnoseBurst(b, claimed));
  }

  private incidentFor(b: Burst, claimed: ReadonlySet<string>): Incident {
    const cached = this.cache.get(b.id);
    if (cached && cached.version === this.version) return cached.incident;
    const incident = this.diagnoseBurst(b, claimed);
    this.cache.set(b.id, { version: this.version, incident });
    return incident;
  }


  /** The container each upstream's address links to (IP, published port, name), by upstream key. */
  private addressOwners(): Map<string, string> {
    const owners = new Map<string, string>();
    for (const [key, acc] of this.upstreams) {
      const m = matchBySnapshot(acc.upstream, this.containers);
      if (m) owners.set(key, m.name);
    }
    return owners;
  }

  /** Containers that some upstream's address already links to: not candidates for a time-only match. */
  private addressClaims(): Set<string> {
    return new Set(this.addressOwners().values());
  }

  /**
   * The containers whose addresses the checklist may probe (engine/probeTargets.ts adds the nginx
   * config's peers). Not the upstreams the log names: a client can forge those fields.
   */
  probeContainers(): ContainerInfo[] {
    return this.containers;
  }

  private matchFor(upstream: UpstreamAddress, windowEvents: ContainerEvent[], claimed: ReadonlySet<string>): ContainerMatch | null {
    return matchBySnapshot(upstream, this.containers) ?? matchByEventNames(upstream, windowEvents) ?? matchByTime(windowEvents, claimed);
  }

  private diagnoseBurst(b: Burst, claimed: ReadonlySet<string>): Incident {
    const from = b.first - this.window.beforeMs;
    const to = b.last + this.window.afterMs;
    const windowEvents = this.events.between(from, to);
    // The config first: a stale address names the workload the config means, a group all its peers.
    const stale = staleAddress(b.upstream, this.upstreamMap, this.containers, windowEvents, b);
    const group = stale ? null : linkGroup(b.upstream, this.upstreamMap, this.containers, windowEvents);
    const peers = group ? group.peers.flatMap((p) => (p.match ? [p.match] : [])) : [];
    // A group named like its service (`upstream api`) still links by name; never by time alone.
    const match = stale?.match ?? (group ? (matchBySnapshot(b.upstream, this.containers) ?? matchByEventNames(b.upstream, windowEvents)) : this.matchFor(b.upstream, windowEvents, claimed));
    // A group's peers one after the other (each in time order): episodes read one lifecycle at a time.
    const own = match ? eventsOf(match, windowEvents) : [...new Set(peers.flatMap((m) => eventsOf(m, windowEvents)))];
    const info = match ? (this.containers.find((c) => c.name === match.name) ?? null) : null;
    const recovered = this.times.latestLog - b.last > this.gapMs;
    const probe = this.checklists.get(b.id);
    const probeReadyMs = probe ? (probe.timeToListenMs ?? probe.timeToHealthyMs) : null;
    const lc = lifecycleFacts({ burst: b, own, info, matched: match !== null || peers.length > 0, recovered, eventsFrom: this.eventsFrom, window: this.window, clock: (t) => formatLocal(t, this.tz).slice(11), probeReadyMs });
    const facts = withConfigFacts(
      lc.coverage.unknown.length > 0 ? { ...lc.facts, unknown: lc.coverage.unknown } : lc.facts,
      group ? groupFacts(group, b, windowEvents, this.window.beforeMs) : null,
      stale?.facts ?? null,
    );
    const seed = match ?? peers[0] ?? null;
    const workload = seed ? buildWorkload(seed, own, this.containers) : null;
    const gaps = this.events.gapsOverlapping(from, to);
    const diagnosis = diagnose(this.patterns, b, facts, match);
    if (lc.note) diagnosis.reasons.unshift(lc.note);
    return {
      id: b.id,
      burst: b,
      match,
      workload: workload ? { ...workload, incarnation: incarnationChange(workload, facts.episodes) } : null,
      facts,
      coverage: lc.coverage,
      diagnosis: withFindings(withEventGaps(diagnosis, gaps), { burst: b, facts, match, workload, gaps }),
      checklist: this.checklists.get(b.id) ?? null,
      fix: this.fixes.get(b.id) ?? null,
    };
  }

  containerViews(): ContainerView[] {
    const byName = new Map<string, ContainerView>();
    for (const info of this.containers) {
      byName.set(info.name, {
        name: info.name,
        info,
        lastEvent: null,
        state: info.status,
        health: info.health?.status ?? (info.healthcheck ? 'starting' : 'none'),
        restarts: info.restartCount,
        lastExitCode: info.exitCode,
      });
    }
    const events = this.events.all();
    for (const e of events) {
      let v = byName.get(e.name);
      if (!v) {
        v = { name: e.name, info: null, lastEvent: null, state: 'unknown', health: null, restarts: 0, lastExitCode: null };
        byName.set(e.name, v);
      }
      v.lastEvent = e;
      if (e.action === 'health_status') v.health = e.health;
      else if (e.action === 'die') {
        v.state = 'exited';
        v.lastExitCode = e.exitCode;
      } else if (e.action === 'start') {
        v.state = 'running';
      } else if (e.action === 'stop' || e.action === 'kill' || e.action === 'oom') v.state = e.action === 'stop' ? 'exited' : v.state;
      else if (e.action === 'destroy') v.state = 'removed';
      else if (e.action === 'pause') v.state = 'paused';
      else if (e.action === 'unpause') v.state = 'running';
    }
    // Restarts seen in the events (inspect's RestartCount misses `docker restart`); the larger wins.
    for (const [name, n] of restartsByContainer(events)) {
      const v = byName.get(name);
      if (v) v.restarts = Math.max(v.restarts, n);
    }
    return foldViewsByWorkload([...byName.values()], events);
  }

  counts(): EngineCounters & { isolatedErrors: number; droppedBursts: number; foldedKeys: FoldedKeys; droppedEvents: number } {
    return {
      ...this.counters,
      unparsed: { ...this.counters.unparsed },
      shapes: { ...this.counters.shapes },
      invalidEventReasons: { ...this.counters.invalidEventReasons },
      isolatedErrors: this.detector.isolatedErrors,
      droppedBursts: this.droppedBursts,
      foldedKeys: { ...this.folded, bursts: this.detector.foldedBursts },
      droppedEvents: this.events.dropped,
    };
  }

  /** The oldest and newest valid log line read, --since/--until or not; null when there was none. */
  logSpan(): { first: number; last: number } | null {
    return this.times.firstLine <= this.times.lastLine ? { first: this.times.firstLine, last: this.times.lastLine } : null;
  }

  /** What a reader of the report must know about this run's bounds and blind spots (report notes). */
  notes(): string[] {
    const out = foldedNotes({ ...this.folded, bursts: this.detector.foldedBursts }, { upstreams: MAX_UPSTREAMS, bursts: MAX_OPEN_BURSTS });
    if (this.events.dropped > 0) out.push(`${this.events.dropped.toLocaleString('en-US')} Docker events beyond the per-container bound were dropped (repeated health states first, then the oldest)`);
    for (const g of this.events.allGaps()) out.push(gapSentence(g));
    return out;
  }

  /** The newest time in the data (postmortem "now"). */
  latestDataTime(): number {
    return this.times.latest;
  }

  snapshot(now: number = this.lastTick ?? this.times.latest): EngineSnapshot {
    const owners = this.addressOwners();
    const claimed = new Set(owners.values());
    const upstreams: UpstreamStat[] = [...this.upstreams.entries()].map(([key, acc]) => ({
      key,
      upstream: acc.upstream,
      total: acc.total,
      kinds: { ...acc.kinds },
      perSecond: acc.perSecond(now),
      lastErrorAt: acc.lastErrorAt,
      container: owners.get(key) ?? null,
    }));
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
