/**
 * When a burst's errors happened, kept bounded: counts per time bucket (1 s, nginx's resolution,
 * at first). Past MAX_BUCKETS the bucket width doubles and neighbours merge, so a day-long burst
 * costs the same memory as a minute-long one. Phase attribution (correlate/phases.ts) reads it.
 */
import type { ErrorTimelineData } from '../model/workload.js';

export type { ErrorTimelineData };

const MAX_BUCKETS = 128;

/**
 * Non-empty buckets as two arrays sorted by start (numbers, not an object and a Map entry per
 * bucket): an upstream failing about once a second opens a new bucket on nearly every error, and
 * a log is in time order, so the new bucket is almost always appended after the last one.
 */
export class ErrorTimeline {
  private bucketMs = 1000;
  private readonly starts: number[] = [];
  private readonly counts: number[] = [];
  /** Buckets in use: the arrays keep their length, so emptying allocates nothing. */
  private n = 0;
  /** The bucket of the previous error and its start (NaN: none): most errors land in it. */
  private recent = 0;
  private recentStart = NaN;

  clear(): void {
    this.bucketMs = 1000;
    this.n = 0;
    this.recent = 0;
    this.recentStart = NaN;
  }

  add(time: number): void {
    let start = Math.floor(time / this.bucketMs) * this.bucketMs;
    if (start === this.recentStart) {
      this.counts[this.recent]!++;
      return;
    }
    const starts = this.starts;
    for (;;) {
      const n = this.n;
      // Past the last bucket (a log in time order): append.
      let at = n;
      if (n > 0 && start <= starts[n - 1]!) {
        at = lowerBound(starts, n, start);
        if (starts[at] === start) {
          this.counts[at]!++;
          this.recent = at;
          this.recentStart = start;
          return;
        }
      }
      if (n >= MAX_BUCKETS) {
        this.widen();
        start = Math.floor(time / this.bucketMs) * this.bucketMs;
        continue;
      }
      for (let i = n; i > at; i--) {
        starts[i] = starts[i - 1]!;
        this.counts[i] = this.counts[i - 1]!;
      }
      starts[at] = start;
      this.counts[at] = 1;
      this.n = n + 1;
      this.recent = at;
      this.recentStart = start;
      return;
    }
  }

  /** Doubles the bucket width, merging neighbours (in place: the starts stay sorted). */
  private widen(): void {
    this.bucketMs *= 2;
    const { starts, counts } = this;
    let out = -1;
    for (let i = 0; i < this.n; i++) {
      const start = Math.floor(starts[i]! / this.bucketMs) * this.bucketMs;
      if (out >= 0 && starts[out] === start) counts[out]! += counts[i]!;
      else {
        out++;
        starts[out] = start;
        counts[out] = counts[i]!;
      }
    }
    this.n = out + 1;
    this.recentStart = NaN;
  }

  /** The buckets as data (copies: this timeline is reused for the next burst). */
  toData(): ErrorTimelineData {
    return { bucketMs: this.bucketMs, starts: this.starts.slice(0, this.n), counts: this.counts.slice(0, this.n) };
  }
}

/** Errors in the buckets of `t` that start at or after `from`. */
export function errorsFrom(t: ErrorTimelineData, from: number): number {
  let sum = 0;
  for (let i = 0; i < t.starts.length; i++) if (t.starts[i]! >= from) sum += t.counts[i]!;
  return sum;
}

/** The first index in sorted `a[0, n)` whose value is not below `x`. */
function lowerBound(a: readonly number[], n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
