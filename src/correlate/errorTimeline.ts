/**
 * When a burst's errors happened, kept bounded: counts per time bucket (1 s, nginx's resolution,
 * at first). Past MAX_BUCKETS the bucket width doubles and neighbours merge, so a day-long burst
 * costs the same memory as a minute-long one. Phase attribution (correlate/phases.ts) reads it.
 */
import type { ErrorTimelineData, TimelineBucket } from '../model/workload.js';

export type { ErrorTimelineData, TimelineBucket };

const MAX_BUCKETS = 128;

export class ErrorTimeline {
  private bucketMs = 1000;
  private readonly buckets = new Map<number, TimelineBucket>();
  /** The bucket of the previous error: a log is in time order, so most errors land in it. */
  private recent: TimelineBucket | null = null;

  clear(): void {
    this.bucketMs = 1000;
    this.buckets.clear();
    this.recent = null;
  }

  add(time: number): void {
    const start = Math.floor(time / this.bucketMs) * this.bucketMs;
    const b = this.recent?.start === start ? this.recent : this.buckets.get(start);
    if (b) {
      b.count++;
      this.recent = b;
      return;
    }
    if (this.buckets.size >= MAX_BUCKETS) {
      this.widen();
      this.add(time);
      return;
    }
    this.recent = { start, count: 1 };
    this.buckets.set(start, this.recent);
  }

  private widen(): void {
    this.bucketMs *= 2;
    const old = [...this.buckets.values()];
    this.buckets.clear();
    this.recent = null;
    for (const b of old) {
      const start = Math.floor(b.start / this.bucketMs) * this.bucketMs;
      const into = this.buckets.get(start);
      if (!into) this.buckets.set(start, { start, count: b.count });
      else into.count += b.count;
    }
  }

  toData(): ErrorTimelineData {
    return { bucketMs: this.bucketMs, buckets: [...this.buckets.values()].sort((a, b) => a.start - b.start).map((b) => ({ ...b })) };
  }
}
