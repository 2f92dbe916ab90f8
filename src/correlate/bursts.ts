/**
 * Burst detection: upstream failures grouped per upstream while the gap between consecutive
 * errors stays under `gapMs`. Owns a time window (stream-owning, unlike the per-line parser):
 * memory is one accumulator per upstream with an open burst, plus bounded evidence.
 */
import type { Burst } from '../model/incident.js';
import { NOT_RETRIED_METHODS, WRITE_METHODS, type UpstreamAddress, type UpstreamErrorKind } from '../model/logRecord.js';
import type { FailureSample } from '../parse/failureSample.js';
import { foldOldest, refillLevel } from './boundedKeys.js';
import { BurstEvidence } from './burstEvidence.js';
import { ErrorTimeline } from './errorTimeline.js';
import { DistinctHashes, SmallCounts, SmallNumberCounts, SmallSet } from './tallies.js';

const MAX_DISTINCT = 20; // servers/hosts kept per burst

/**
 * Kinds that stop nginx itself (`[emerg] host not found in upstream` when it starts): nginx serves
 * nothing then, so one such line is an incident, whatever --min-errors says.
 */
function isFatal(kind: UpstreamErrorKind): boolean {
  return kind === 'host-not-found';
}

/** Kinds that mark a failed request. `disabled` is nginx noting max_fails was reached, not a request. */
export function countsAsFailedRequest(kind: UpstreamErrorKind): boolean {
  return kind !== 'disabled';
}

const METHOD_WRITE = 1;
const METHOD_NOT_RETRIED = 2;

class OpenBurst {
  count = 0;
  // Not objects: keys vary from burst to burst, which makes object property access slow.
  private readonly kinds = new SmallCounts<UpstreamErrorKind>();
  private readonly errnos = new SmallNumberCounts();
  private readonly methods = new SmallCounts<string>();
  /**
   * Per method slot (methods.add's answer): METHOD_WRITE and METHOD_NOT_RETRIED, worked out once
   * per burst and method rather than by two Set lookups per error. Slots below `flagged` are set.
   */
  private readonly methodFlags: number[] = [];
  private flagged = 0;
  writes = 0;
  notRetried = 0;
  /** Holds a start-up failure (nginx did not start): an incident even as a single line. */
  fatal = false;
  private readonly servers = new SmallSet(MAX_DISTINCT);
  private readonly hosts = new SmallSet(MAX_DISTINCT);
  /** Client addresses as 53-bit hashes (a string here would keep its whole log line alive), counted exactly up to 10,000. */
  private readonly clients = new DistinctHashes(10_000);
  /** When the errors happened (bounded buckets): phase attribution places them in the lifecycle. */
  private readonly timeline = new ErrorTimeline();
  /** Its first and last lines (burstEvidence.ts). */
  private readonly evidence = new BurstEvidence();
  /** Holds tail lines as bytes (it is on the detector's list to settle). */
  unsettled = false;
  /**
   * Numbers from the start (not declared bare and set in the constructor): a class field declared
   * without a value starts as undefined, and V8 then stores every number written to it as a new
   * heap object, one per error for `last`.
   */
  first = 0;
  last = 0;
  /**
   * Copies of the first errors of a peer of an upstream group (fewer than minErrors: bounded), so
   * that a peer's lone refusals can join the group's `no live upstreams` incident instead of being
   * dropped as isolated (BurstDetector.finish).
   */
  pending: FailureSample[] = [];

  constructor(
    public key: string,
    public upstream: UpstreamAddress,
    first: number,
  ) {
    this.first = first;
    this.last = first;
  }

  /**
   * This object, emptied for a new burst: BurstDetector reuses closed ones, since thousands of
   * short bursts would otherwise each leave Maps and Sets for the old generation to collect.
   */
  reset(key: string, upstream: UpstreamAddress, first: number): this {
    this.key = key;
    this.upstream = upstream;
    this.first = first;
    this.last = first;
    this.count = 0;
    this.kinds.clear();
    this.errnos.clear();
    this.methods.clear();
    this.flagged = 0;
    this.writes = 0;
    this.notRetried = 0;
    this.fatal = false;
    this.servers.clear();
    this.hosts.clear();
    this.clients.clear();
    this.timeline.clear();
    this.evidence.clear();
    this.pending = [];
    return this;
  }

  /** Takes in another burst's kept errors (a group peer's lone refusals): first/last widen. */
  absorb(other: OpenBurst): void {
    for (const s of other.pending) this.add(s);
    this.first = Math.min(this.first, other.first);
  }

  /** Adds one failure; true when its line is now held as bytes that settle() must decode. */
  add(r: FailureSample): boolean {
    const kind = r.kind;
    this.count++;
    const time = r.time;
    if (time > this.last) this.last = time;
    this.kinds.add(kind);
    this.timeline.add(time);
    if (isFatal(kind)) this.fatal = true;
    if (r.errno !== null) this.errnos.add(r.errno);
    const method = r.method;
    if (method) {
      const slot = this.methods.add(method);
      if (slot === this.flagged) {
        this.methodFlags[slot] = (WRITE_METHODS.has(method) ? METHOD_WRITE : 0) | (NOT_RETRIED_METHODS.has(method) ? METHOD_NOT_RETRIED : 0);
        this.flagged++;
      }
      const flags = this.methodFlags[slot]!;
      if (flags & METHOD_WRITE) this.writes++;
      if (r.requestSent && flags & METHOD_NOT_RETRIED) this.notRetried++;
    }
    if (r.server) this.servers.add(r.server);
    if (r.host) this.hosts.add(r.host);
    // Distinct clients, counted exactly up to a bound (enough to say "1 client" vs "many").
    if (r.clientHash >= 0) this.clients.add(r.clientHash);
    // Most lines of a long burst pass through the evidence ring unread: no string for them.
    if (this.evidence.add(r) && !this.unsettled) return (this.unsettled = true);
    return false;
  }

  /** Decodes the evidence lines still held as bytes. */
  settle(): void {
    this.evidence.settle();
    this.unsettled = false;
  }

  toBurst(closed: boolean): Burst {
    // Its lines are decoded now (evidence.lines()): it no longer holds the reader's bytes.
    this.unsettled = false;
    const durationS = Math.max(1, (this.last - this.first) / 1000);
    return {
      id: `${this.key}@${new Date(this.first).toISOString()}`,
      upstreamKey: this.key,
      upstream: this.upstream,
      first: this.first,
      last: this.last,
      count: this.count,
      kinds: this.kinds.toRecord(),
      errnos: this.errnos.toMap(),
      methods: this.methods.toRecord(),
      writes: this.writes,
      notRetried: this.notRetried,
      servers: this.servers.toArray(),
      hosts: this.hosts.toArray(),
      clients: this.clients.count,
      rate: Math.round((this.count / durationS) * 100) / 100,
      evidence: this.evidence.lines(),
      timeline: this.timeline.toData(),
      closed,
    };
  }
}

/** A detached copy of a sample (the caller refills its own for the next line). */
function copyOf(sample: FailureSample): FailureSample {
  return sample.detached();
}

export interface BurstDetectorOptions {
  gapMs: number;
  /** Bursts with fewer errors are noise (an isolated failure), counted but not incidents. */
  minErrors: number;
  /** Upstreams with an open burst at once (default MAX_OPEN_BURSTS): the bound on this detector's memory. */
  maxOpen?: number;
  /**
   * Upstream key of a peer (`127.0.0.1:3001`) → the name of its nginx upstream group, from the
   * config: a peer's errors below minErrors fold into the group's open burst (issue 13 item 4).
   */
  groupOf?: ReadonlyMap<string, string>;
}

/**
 * Open bursts at once. Upstream names come from log lines (a resolver failure names the client's
 * Host header), so without a bound a million names would be a million open bursts.
 */
export const MAX_OPEN_BURSTS = 4096;

/**
 * Feed records in time order per upstream (a log is ordered; several logs may interleave, which
 * only matters within one gap). Closed bursts are returned by `add` and `closeIdle`.
 */
export class BurstDetector {
  private readonly open = new Map<string, OpenBurst>();
  /** Closed bursts kept for reuse (OpenBurst.reset). */
  private readonly spare: OpenBurst[] = [];
  /** Bursts that closed below minErrors: isolated failures. */
  isolatedErrors = 0;
  /** Bursts closed before their gap had passed because `maxOpen` upstreams were failing at once. */
  foldedBursts = 0;
  /** Newest error time seen: a burst quiet for longer than the gap before it can be closed. */
  private newest = -Infinity;
  /** Bursts closed by a shed (shed()), waiting for takeShed(). */
  private shed: Burst[] = [];
  private readonly maxOpen: number;
  /** Open bursts holding tail lines as bytes (see settle). */
  private unsettled: OpenBurst[] = [];

  constructor(private readonly opts: BurstDetectorOptions) {
    this.maxOpen = opts.maxOpen ?? MAX_OPEN_BURSTS;
  }

  /** True when a shed closed bursts that takeShed() has not handed over yet. */
  get hasShed(): boolean {
    return this.shed.length > 0;
  }

  /** Bursts closed by the bound since the last call, oldest first. */
  takeShed(): Burst[] {
    const out = this.shed;
    this.shed = [];
    return out.sort((a, b) => a.first - b.first);
  }

  /**
   * Adds one upstream failure; returns the burst it closed, if the gap before it was too long.
   * Nothing of `sample` is kept by reference (the caller refills it for the next line).
   */
  add(sample: FailureSample): Burst | null {
    if (!countsAsFailedRequest(sample.kind)) return null;
    const key = sample.key;
    const time = sample.time;
    let burst = this.open.get(key);
    let closed: Burst | null = null;
    if (burst !== undefined && time - burst.last > this.opts.gapMs) {
      closed = this.finish(burst);
      this.open.delete(key);
      burst = undefined;
    }
    if (time > this.newest) this.newest = time;
    if (burst === undefined) {
      if (this.open.size >= this.maxOpen) this.shedOpen();
      burst = this.spare.pop()?.reset(key, sample.address(), time) ?? new OpenBurst(key, sample.address(), time);
      this.open.set(key, burst);
    }
    if (burst.add(sample)) this.unsettled.push(burst);
    // Most runs have no config groups: no lookup per error then.
    const groupOf = this.opts.groupOf;
    if (groupOf !== undefined && groupOf.size > 0 && groupOf.has(key) && burst.pending.length < this.opts.minErrors) burst.pending.push(copyOf(sample));
    return closed;
  }

  /**
   * Decodes every line a burst holds as bytes (FailureSample.fromWire): called before the memory
   * those bytes lie in is reused. Cheap: only the bursts that took such lines since the last call.
   */
  settle(): void {
    for (const b of this.unsettled) b.settle();
    this.unsettled = [];
  }

  /**
   * Makes room under maxOpen: first closes bursts quiet for longer than the gap before the newest
   * error (in one time-ordered log no later error could have joined them: the same result as
   * closing them at the end), then, if still full, the least recently failing ones (counted).
   */
  private shedOpen(): void {
    for (const [key, b] of this.open) {
      if (this.newest - b.last > this.opts.gapMs) {
        const done = this.finish(b);
        if (done) this.shed.push(done);
        this.open.delete(key);
      }
    }
    this.foldedBursts += foldOldest(this.open, refillLevel(this.maxOpen), (b) => b.last, (_key, b) => {
      const done = this.finish(b);
      if (done) this.shed.push(done);
    });
  }

  /** Closes every burst whose last error is more than the gap before `now` (live ticks). */
  closeIdle(now: number): Burst[] {
    const out: Burst[] = [];
    for (const [key, b] of this.peersFirst()) {
      if (now - b.last > this.opts.gapMs) {
        const done = this.finish(b);
        if (done) out.push(done);
        this.open.delete(key);
      }
    }
    return out;
  }

  /** Closes everything (end of a postmortem). */
  closeAll(): Burst[] {
    const out: Burst[] = [];
    for (const [, b] of this.peersFirst()) {
      const done = this.finish(b);
      if (done) out.push(done);
    }
    this.open.clear();
    return out.sort((a, b) => a.first - b.first);
  }

  /** Bursts still growing that are already big enough to be incidents. */
  openBursts(): Burst[] {
    return [...this.open.values()].filter((b) => b.count >= this.opts.minErrors || b.fatal).map((b) => b.toBurst(false));
  }

  /** Open bursts, group peers' before the others: a peer's lone errors can still join its group's burst. */
  private peersFirst(): Iterable<[string, OpenBurst]> {
    const groupOf = this.opts.groupOf;
    // No config groups: the map itself (deleting the current entry while iterating a Map is safe).
    if (!groupOf || groupOf.size === 0) return this.open;
    const all = [...this.open];
    return [...all.filter(([k]) => groupOf.has(k)), ...all.filter(([k]) => !groupOf.has(k))];
  }

  /** The open burst of the peer's upstream group, when the peer's errors fall within a gap of it. */
  private groupBurstFor(b: OpenBurst): OpenBurst | null {
    const group = this.opts.groupOf?.get(b.key);
    const g = group === undefined ? undefined : this.open.get(group);
    if (!g || g === b) return null;
    return b.last >= g.first - this.opts.gapMs && b.first <= g.last + this.opts.gapMs ? g : null;
  }

  /** The closed burst's result (null below minErrors); `b` is kept for reuse. */
  private finish(b: OpenBurst): Burst | null {
    let done: Burst | null = null;
    const group = b.count < this.opts.minErrors && !b.fatal && b.pending.length === b.count ? this.groupBurstFor(b) : null;
    if (group) group.absorb(b);
    else if (b.count < this.opts.minErrors && !b.fatal) this.isolatedErrors += b.count;
    else done = b.toBurst(true);
    if (this.spare.length < 512) this.spare.push(b);
    return done;
  }
}
