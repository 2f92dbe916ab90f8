/**
 * Error tallies per upstream for the live screen's list: totals, kinds, the last error and a
 * ring of per-second counts for the sparkline. Bounded: beyond MAX_UPSTREAMS names the least
 * recently failing are folded away (counted, and their accumulators reused). Without the screen
 * (`tallies` false: a postmortem) only what the diagnosis reads is kept: each upstream's address
 * (owners) and its last error (which ones the bound folds).
 */
import type { ContainerInfo } from '../model/container.js';
import type { UpstreamAddress, UpstreamErrorKind } from '../model/logRecord.js';
import { SPARK_SECONDS, type UpstreamStat } from '../model/snapshot.js';
import { foldOldest, refillLevel } from '../correlate/boundedKeys.js';
import { matchBySnapshot } from '../correlate/containerMatch.js';
import { SmallCounts } from '../correlate/tallies.js';
import type { FailureSample } from '../parse/failureSample.js';

/** Upstreams whose error tallies are kept (the live screen's list): the least recently failing are folded beyond it. */
export const MAX_UPSTREAMS = 10_000;

class UpstreamAccumulator {
  total = 0;
  /** Counts per kind in first-seen order (an object keyed by kind would be a keyed store of changing shape per error). */
  readonly kinds = new SmallCounts<UpstreamErrorKind>();
  /** -Infinity: none yet. A number field, not `number | null`: V8 would allocate a number on each store (per error). */
  private lastAt = -Infinity;
  // Ring of per-second counts ending at `headSecond`.
  private readonly ring = new Array<number>(SPARK_SECONDS).fill(0);
  private headSecond = 0;
  /**
   * ringSlot(headSecond), kept as it moves: epoch seconds are past V8's small integers, so each
   * `%` on them would be a floating-point remainder (a call into the runtime, per error).
   */
  private headSlot = 0;

  constructor(public upstream: UpstreamAddress) {}

  /** This accumulator, emptied for another upstream (a folded one is reused: no garbage per new name). */
  reset(upstream: UpstreamAddress): this {
    this.upstream = upstream;
    this.total = 0;
    this.kinds.clear();
    this.lastAt = -Infinity;
    this.ring.fill(0);
    this.headSecond = 0;
    this.headSlot = 0;
    return this;
  }

  add(failure: FailureSample): void {
    const time = failure.time;
    this.total++;
    this.kinds.add(failure.kind);
    if (time > this.lastAt) this.lastAt = time;
    const sec = Math.floor(time / 1000);
    if (sec > this.headSecond) this.advance(sec);
    const age = this.headSecond - sec;
    if (age >= 0 && age < SPARK_SECONDS) {
      const slot = this.headSlot - age;
      this.ring[slot < 0 ? slot + SPARK_SECONDS : slot]! += 1;
    }
  }

  /** The failure's time only (no screen to draw the tallies on): what `add` does to lastErrorAt. */
  seen(failure: FailureSample): void {
    const time = failure.time;
    if (time > this.lastAt) this.lastAt = time;
  }

  get lastErrorAt(): number | null {
    return this.lastAt === -Infinity ? null : this.lastAt;
  }

  private advance(sec: number): void {
    if (sec <= this.headSecond) return;
    if (sec - this.headSecond >= SPARK_SECONDS) {
      this.ring.fill(0);
      this.headSlot = ringSlot(sec);
    } else {
      // The seconds after the head, now in the window, start at 0.
      for (let s = this.headSecond; s < sec; s++) {
        this.headSlot = this.headSlot === SPARK_SECONDS - 1 ? 0 : this.headSlot + 1;
        this.ring[this.headSlot] = 0;
      }
    }
    this.headSecond = sec;
  }

  perSecond(now: number): number[] {
    this.advance(Math.floor(now / 1000));
    const out: number[] = [];
    for (let i = SPARK_SECONDS - 1; i >= 0; i--) out.push(this.ring[ringSlot(this.headSecond - i)]!);
    return out;
  }
}

/** The ring slot of second `sec` (negative seconds wrap too). */
function ringSlot(sec: number): number {
  const i = sec % SPARK_SECONDS;
  return i < 0 ? i + SPARK_SECONDS : i;
}

export class UpstreamStats {
  private readonly byKey = new Map<string, UpstreamAccumulator>();
  /** Accumulators of folded upstreams, for reuse. */
  private readonly spare: UpstreamAccumulator[] = [];
  /** Upstream names folded away by the bound. */
  folded = 0;

  /**
   * `tallies`: keep totals, kinds and per-second counts (stats()). Without them a failure costs a
   * lookup and a compare: on an outage's log, where nearly every line is a failure, a postmortem
   * took 0.98x the time without them (paired runs), and nothing but the screen reads them.
   */
  constructor(private readonly tallies = true) {}

  /**
   * One upstream failure (already admitted by the engine's window). Its time is read from it, not
   * passed: a number that large crosses a call as a new heap object, one per error. True when its
   * upstream is new to the list (which containers the upstreams' addresses claim can change).
   */
  add(failure: FailureSample): boolean {
    let acc = this.byKey.get(failure.key);
    const isNew = acc === undefined;
    if (acc === undefined) {
      if (this.byKey.size >= MAX_UPSTREAMS) this.folded += foldOldest(this.byKey, refillLevel(MAX_UPSTREAMS), (a) => a.lastErrorAt ?? 0, (_k, a) => this.spare.push(a));
      acc = this.spare.pop()?.reset(failure.address()) ?? new UpstreamAccumulator(failure.address());
      this.byKey.set(failure.key, acc);
    }
    if (this.tallies) acc.add(failure);
    else acc.seen(failure);
    return isNew;
  }

  /** The container each upstream's address links to (IP, published port, name), by upstream key. */
  owners(containers: ContainerInfo[]): Map<string, string> {
    const owners = new Map<string, string>();
    for (const [key, acc] of this.byKey) {
      const m = matchBySnapshot(acc.upstream, containers);
      if (m) owners.set(key, m.name);
    }
    return owners;
  }

  /** Every upstream's tallies at `now`, with the container `owners` links it to. */
  stats(now: number, owners: ReadonlyMap<string, string>): UpstreamStat[] {
    if (!this.tallies) throw new Error('the upstream list was made without its tallies (a postmortem draws no screen)');
    return [...this.byKey.entries()].map(([key, acc]) => ({
      key,
      upstream: acc.upstream,
      total: acc.total,
      kinds: acc.kinds.toRecord(),
      perSecond: acc.perSecond(now),
      lastErrorAt: acc.lastErrorAt,
      container: owners.get(key) ?? null,
    }));
  }
}
