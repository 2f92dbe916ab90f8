/**
 * The container events the engine correlates with, kept per container in time order so that the
 * answer depends on what happened, not on how it was delivered:
 * - a repeated event (same container, action, time and details: a replayed or re-concatenated
 *   stream) is kept once;
 * - events that share a timestamp (`time` has one-second precision when `timeNano` is missing)
 *   are ordered by lifecycle (kill before die before start), not by arrival;
 * - the bound is per container, so a noisy neighbour cannot push another container's events out,
 *   and what goes first is noise (a health_status repeating the state before it), then the oldest;
 * - intervals during which the stream was unavailable (a daemon outage, a recorded marker) are
 *   kept, so a diagnosis can say it could not see them.
 * Pure data structure: no clock, no I/O.
 */
import type { ContainerEvent, LifecycleAction } from '../model/container.js';

/** Events kept per container (a crash loop every 10 s for 14 hours fits). */
const MAX_EVENTS_PER_CONTAINER = 5_000;
/** Events kept in all. */
const MAX_EVENTS = 50_000;
/** Gaps kept (the newest). */
const MAX_GAPS = 256;

/** Order of actions that share a timestamp: the order Docker emits them in. */
const ACTION_RANK: Record<LifecycleAction, number> = {
  create: 0,
  kill: 1,
  oom: 2,
  die: 3,
  stop: 4,
  start: 5,
  restart: 6,
  pause: 7,
  unpause: 8,
  health_status: 9,
  destroy: 10,
};

/** Time order, then lifecycle order, then details: a total order, so arrival order never shows. */
function compareEvents(a: ContainerEvent, b: ContainerEvent): number {
  return a.time - b.time || ACTION_RANK[a.action] - ACTION_RANK[b.action] || (identity(a) < identity(b) ? -1 : identity(a) > identity(b) ? 1 : 0);
}

/** What makes two events the same event (beyond container and time): a repeat matches in all of it. */
function identity(e: ContainerEvent): string {
  return `${e.action}|${e.health ?? ''}|${e.signal ?? ''}|${e.exitCode ?? ''}`;
}

/** An interval with no Docker events (`to` null: still unavailable). Epoch ms. */
export interface EventGap {
  from: number;
  to: number | null;
  /** Why, in a few words ("the Docker daemon closed the event stream", "marked in the events file"). */
  reason: string;
}

export interface EventStoreOptions {
  perContainer?: number;
  total?: number;
}

export class EventStore {
  private readonly byContainer = new Map<string, ContainerEvent[]>();
  private readonly perContainer: number;
  private readonly total: number;
  private stored = 0;
  /** Repeats of a kept event, not stored. */
  duplicates = 0;
  /** Events dropped by the bounds (noise first, then the oldest). */
  dropped = 0;
  private merged: ContainerEvent[] | null = [];
  private gaps: EventGap[] = [];

  constructor(o: EventStoreOptions = {}) {
    this.perContainer = o.perContainer ?? MAX_EVENTS_PER_CONTAINER;
    this.total = o.total ?? MAX_EVENTS;
  }

  get size(): number {
    return this.stored;
  }

  /** Adds an event; false when it repeats one already kept. */
  add(e: ContainerEvent): boolean {
    let list = this.byContainer.get(e.containerId);
    if (!list) {
      list = [];
      this.byContainer.set(e.containerId, list);
    }
    // Usually in order: the position is found from the end.
    let at = list.length;
    while (at > 0 && compareEvents(list[at - 1]!, e) > 0) at--;
    for (let i = at - 1; i >= 0 && list[i]!.time === e.time; i--) {
      if (identity(list[i]!) === identity(e)) {
        this.duplicates++;
        return false;
      }
    }
    if (at === list.length) list.push(e);
    else list.splice(at, 0, e);
    this.stored++;
    // The merged view stays valid when the event goes at its end (the usual, time-ordered case).
    const m = this.merged;
    if (m !== null && (m.length === 0 || compareEvents(m[m.length - 1]!, e) <= 0)) m.push(e);
    else this.merged = null;
    // Amortised: trimmed back to the bound once it is a tenth over.
    if (list.length > this.perContainer * 1.1) this.trim(list, this.perContainer);
    if (this.stored > this.total * 1.1) this.trimLargest();
    return true;
  }

  /** Drops from one container's list down to `keep`: repeated health states first, then the oldest. */
  private trim(list: ContainerEvent[], keep: number): void {
    let excess = list.length - keep;
    if (excess <= 0) return;
    const drop = new Set<ContainerEvent>();
    let health: string | null = null;
    for (const e of list) {
      if (e.action !== 'health_status') continue;
      if (e.health === health && drop.size < excess) drop.add(e);
      health = e.health;
    }
    excess -= drop.size;
    for (let i = 0; excess > 0 && i < list.length; i++) {
      if (!drop.has(list[i]!)) {
        drop.add(list[i]!);
        excess--;
      }
    }
    const kept = list.filter((e) => !drop.has(e));
    list.length = 0;
    for (const e of kept) list.push(e);
    this.stored -= drop.size;
    this.dropped += drop.size;
    this.merged = null;
  }

  /** Over the total bound: the containers with the most events give up theirs first, down to the bound. */
  private trimLargest(): void {
    const lists = [...this.byContainer.values()].sort((a, b) => b.length - a.length);
    for (const list of lists) {
      if (this.stored <= this.total) break;
      const target = Math.max(1, list.length - (this.stored - this.total));
      // No container is cut below a fair share while others hold more.
      this.trim(list, Math.max(target, Math.floor(this.total / lists.length)));
    }
    for (const [id, list] of this.byContainer) if (list.length === 0) this.byContainer.delete(id);
  }

  /** Every kept event in compareEvents order. */
  all(): ContainerEvent[] {
    if (this.merged === null) {
      const out: ContainerEvent[] = [];
      for (const list of this.byContainer.values()) for (const e of list) out.push(e);
      this.merged = out.sort(compareEvents);
    }
    return this.merged;
  }

  /** Events with from ≤ time ≤ to, in order. */
  between(from: number, to: number): ContainerEvent[] {
    const ev = this.all();
    let lo = 0;
    let hi = ev.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ev[mid]!.time < from) lo = mid + 1;
      else hi = mid;
    }
    const out: ContainerEvent[] = [];
    for (let i = lo; i < ev.length && ev[i]!.time <= to; i++) out.push(ev[i]!);
    return out;
  }

  /**
   * Records an interval without events. An open gap (`to` null) is closed by the next gap
   * report for the same start, or by addGap with a `to`; overlapping gaps are merged.
   */
  addGap(gap: EventGap): void {
    const open = this.gaps.findIndex((g) => g.to === null && g.from === gap.from);
    if (open >= 0) this.gaps.splice(open, 1);
    this.gaps.push({ ...gap });
    this.gaps.sort((a, b) => a.from - b.from);
    const merged: EventGap[] = [];
    for (const g of this.gaps) {
      const prev = merged[merged.length - 1];
      if (prev && (prev.to === null || g.from <= prev.to)) {
        prev.to = prev.to === null || g.to === null ? null : Math.max(prev.to, g.to);
        if (!prev.reason.includes(g.reason)) prev.reason = `${prev.reason}; ${g.reason}`;
      } else merged.push({ ...g });
    }
    this.gaps = merged.slice(-MAX_GAPS);
  }

  /** Gaps that overlap [from, to] (an open gap reaches to the end of time). */
  gapsOverlapping(from: number, to: number): EventGap[] {
    return this.gaps.filter((g) => g.from <= to && (g.to === null || g.to >= from));
  }

  allGaps(): readonly EventGap[] {
    return this.gaps;
  }
}
