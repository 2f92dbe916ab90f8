/**
 * When a burst's errors happened, kept bounded: counts per time bucket (1 s, nginx's resolution,
 * at first). Past MAX_BUCKETS the bucket width doubles and neighbours merge, so a day-long burst
 * costs the same memory as a minute-long one. Phase attribution (correlate/phases.ts) reads it.
 */
import type { UpstreamErrorKind } from '../model/logRecord.js';
import type { ErrorTimelineData, TimelineBucket } from '../model/workload.js';

export type { ErrorTimelineData, TimelineBucket };

export const MAX_BUCKETS = 128;

export class ErrorTimeline {
  private bucketMs = 1000;
  private readonly buckets = new Map<number, TimelineBucket>();

  clear(): void {
    this.bucketMs = 1000;
    this.buckets.clear();
  }

  add(time: number, kind: UpstreamErrorKind): void {
    const start = Math.floor(time / this.bucketMs) * this.bucketMs;
    let b = this.buckets.get(start);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) {
        this.widen();
        this.add(time, kind);
        return;
      }
      b = { start, count: 0, kinds: {} };
      this.buckets.set(start, b);
    }
    b.count++;
    b.kinds[kind] = (b.kinds[kind] ?? 0) + 1;
  }

  private widen(): void {
    this.bucketMs *= 2;
    const old = [...this.buckets.values()];
    this.buckets.clear();
    for (const b of old) {
      const start = Math.floor(b.start / this.bucketMs) * this.bucketMs;
      const into = this.buckets.get(start);
      if (!into) this.buckets.set(start, { start, count: b.count, kinds: { ...b.kinds } });
      else {
        into.count += b.count;
        for (const [k, n] of Object.entries(b.kinds) as [UpstreamErrorKind, number][]) into.kinds[k] = (into.kinds[k] ?? 0) + n;
      }
    }
  }

  toData(): ErrorTimelineData {
    return { bucketMs: this.bucketMs, buckets: [...this.buckets.values()].sort((a, b) => a.start - b.start).map((b) => ({ ...b, kinds: { ...b.kinds } })) };
  }
}
