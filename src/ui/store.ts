/**
 * Keeps the engine off the render path: snapshots are produced on a timer, never during a
 * render, and at most once per `intervalMs` however many lines arrive (a flood of 50 000
 * lines/s still means ≤ 10 snapshots/s). `invalidate()` is what a source calls per item: it only
 * sets a flag. A slower heartbeat refreshes the clock, lags and sparklines when nothing arrives.
 * React reads the current snapshot through `subscribe`/`getSnapshot` (useSyncExternalStore).
 */
import type { EngineSnapshot } from '../model/snapshot.js';

export interface SnapshotStoreOptions {
  /** Builds a fresh snapshot (e.g. `() => engine.snapshot(Date.now())`). */
  produce: () => EngineSnapshot;
  /** Minimum time between two snapshots. */
  intervalMs?: number;
  /** Refresh even without new data (clock, lag, sparkline movement). */
  heartbeatMs?: number;
}

export class SnapshotStore {
  private current: EngineSnapshot;
  private readonly listeners = new Set<() => void>();
  private dirty = false;
  private lastAt = 0;
  private pending: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly heartbeatMs: number;
  /** Snapshots produced so far (for tests and the throughput check). */
  produced = 0;

  constructor(private readonly opts: SnapshotStoreOptions) {
    this.intervalMs = opts.intervalMs ?? 100;
    this.heartbeatMs = opts.heartbeatMs ?? 1000;
    this.current = this.make();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): EngineSnapshot => this.current;

  /** New data arrived: a snapshot follows within `intervalMs` (coalesced). */
  invalidate(): void {
    this.dirty = true;
    if (this.pending) return;
    const wait = Math.max(0, this.lastAt + this.intervalMs - Date.now());
    this.pending = setTimeout(() => {
      this.pending = null;
      if (this.dirty) this.refresh();
    }, wait);
  }

  /** Produces and publishes a snapshot now. */
  refresh(): void {
    this.dirty = false;
    this.current = this.make();
    for (const l of this.listeners) l();
  }

  start(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => this.refresh(), this.heartbeatMs);
  }

  stop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.pending) clearTimeout(this.pending);
    this.heartbeat = null;
    this.pending = null;
  }

  private make(): EngineSnapshot {
    this.lastAt = Date.now();
    this.produced++;
    return this.opts.produce();
  }
}
