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
  /**
   * The bucket of the previous error and its start (NaN: none): a log is in time order, so most
   * errors land in it. The start is a number field of its own: comparing against `recent?.start`
   * made V8 allocate a number per error (one every few hundred bytes of an outage's log).
   */
  private recent: TimelineBucket | null = null;
  private recentStart = NaN;

  clear(): void {
    this.bucketMs = 1000;
    this.buckets.clear();
    this.recent = null;
    this.recentStart = NaN;
  }

  add(time: number): void {
    const start = Math.floor(time / this.bucketMs) * this.bucketMs;
    if (start === this.recentStart) {
      this.recent!.count++;
      return;
    }
    const b = this.buckets.get(start);
    if (b) {
      b.count++;
      this.recent = b;
      this.recentStart = start;
      return;
    }
    if (this.buckets.size >= MAX_BUCKETS) {
      this.widen();
      this.add(time);
      return;
    }
    this.recent = { start, count: 1 };
    this.recentStart = start;
    this.buckets.set(start, this.recent);
  }

  private widen(): void {
    this.bucketMs *= 2;
    const old = [...this.buckets.values()];
    this.buckets.clear();
    this.recent = null;
    this.recentStart = NaN;
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
