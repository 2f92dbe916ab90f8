/**
 * The engine's per-failure tallies are written for speed (sorted arrays instead of a Map of
 * bucket objects, slots instead of Set lookups, a ring position kept instead of `%` on epoch
 * seconds): each must give exactly what the plain way gives. Random sequences go to the tally and
 * to a straightforward reference, and their results are compared as JSON (key order included).
 */
import { describe, expect, it } from 'vitest';
import { rng } from '../../bench/gen.js';
import { BurstDetector } from '../../src/correlate/bursts.js';
import { ErrorTimeline, errorsFrom, type ErrorTimelineData } from '../../src/correlate/errorTimeline.js';
import { UpstreamStats } from '../../src/engine/upstreamStats.js';
import type { Burst } from '../../src/model/incident.js';
import { NOT_RETRIED_METHODS, UPSTREAM_ERROR_KINDS, WRITE_METHODS, type LogRecord, type UpstreamAddress, type UpstreamErrorKind } from '../../src/model/logRecord.js';
import { SPARK_SECONDS } from '../../src/model/snapshot.js';
import { FailureSample } from '../../src/parse/failureSample.js';

const T = Date.UTC(2026, 0, 1, 12, 0, 0);

interface Bucket {
  start: number;
  count: number;
}

/** The timeline as first written: a Map of bucket objects, widened by re-bucketing them all. */
class ReferenceTimeline {
  private bucketMs = 1000;
  private buckets = new Map<number, Bucket>();

  add(time: number): void {
    for (;;) {
      const start = Math.floor(time / this.bucketMs) * this.bucketMs;
      const b = this.buckets.get(start);
      if (b) {
        b.count++;
        return;
      }
      if (this.buckets.size < 128) {
        this.buckets.set(start, { start, count: 1 });
        return;
      }
      this.bucketMs *= 2;
      const old = [...this.buckets.values()];
      this.buckets = new Map();
      for (const o of old) {
        const s = Math.floor(o.start / this.bucketMs) * this.bucketMs;
        const into = this.buckets.get(s);
        if (into) into.count += o.count;
        else this.buckets.set(s, { start: s, count: o.count });
      }
    }
  }

  toData(): ErrorTimelineData {
    const sorted = [...this.buckets.values()].sort((a, b) => a.start - b.start);
    return { bucketMs: this.bucketMs, starts: sorted.map((b) => b.start), counts: sorted.map((b) => b.count) };
  }

  /** Errors in the buckets starting at or after `from`, as upstreamGroups first summed them. */
  errorsFrom(from: number): number {
    return [...this.buckets.values()].filter((b) => b.start >= from).reduce((sum, b) => sum + b.count, 0);
  }
}

/** Error times: mostly forward in small steps, sometimes a long jump, sometimes back (interleaved logs). */
function times(next: () => number, n: number): number[] {
  const out: number[] = [];
  let t = T + Math.floor(next() * 1e6);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.6) t += Math.floor(next() * 1500);
    else if (r < 0.7) t += Math.floor(next() * 600_000);
    else if (r < 0.8) t -= Math.floor(next() * 200_000);
    out.push(t);
  }
  return out;
}

describe('ErrorTimeline', () => {
  it('counts per bucket and widens exactly as a Map of buckets does, also after clear()', () => {
    const next = rng(11);
    const timeline = new ErrorTimeline();
    for (let round = 0; round < 60; round++) {
      timeline.clear();
      const reference = new ReferenceTimeline();
      const n = Math.floor(next() * 3000);
      for (const t of times(next, n)) {
        timeline.add(t);
        reference.add(t);
      }
      const data = timeline.toData();
      expect(JSON.stringify(data)).toBe(JSON.stringify(reference.toData()));
      const from = T + Math.floor(next() * 2e6) - 5e5;
      expect(errorsFrom(data, from)).toBe(reference.errorsFrom(from));
    }
  });

  it('a burst of one error per second: appended buckets, widened past 128', () => {
    const timeline = new ErrorTimeline();
    const reference = new ReferenceTimeline();
    for (let s = 0; s < 5000; s++) {
      timeline.add(T + s * 1000 + 17);
      reference.add(T + s * 1000 + 17);
    }
    const data = timeline.toData();
    expect(data).toEqual(reference.toData());
    expect(data.bucketMs).toBe(64_000);
    expect(data.starts.length).toBeLessThanOrEqual(128);
  });
});

/** The per-upstream accumulator as first written: kinds in an object, the ring indexed by `%` on seconds. */
class ReferenceAccumulator {
  total = 0;
  kinds: Partial<Record<UpstreamErrorKind, number>> = {};
  lastAt = -Infinity;
  ring = new Array<number>(SPARK_SECONDS).fill(0);
  headSecond = 0;

  add(time: number, kind: UpstreamErrorKind): void {
    this.total++;
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
    if (time > this.lastAt) this.lastAt = time;
    const sec = Math.floor(time / 1000);
    this.advance(sec);
    const age = this.headSecond - sec;
    if (age >= 0 && age < SPARK_SECONDS) this.ring[((sec % SPARK_SECONDS) + SPARK_SECONDS) % SPARK_SECONDS]! += 1;
  }

  advance(sec: number): void {
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

function address(key: string): UpstreamAddress {
  const [host, port] = key.split(':');
  return { url: `http://${key}/`, scheme: 'http', host: host!, port: Number(port), path: '/' };
}

/** Just what UpstreamStats reads of a sample. */
function statSample(key: string, kind: UpstreamErrorKind, time: number): FailureSample {
  return { key, kind, time, address: () => address(key) } as unknown as FailureSample;
}

describe('UpstreamStats', () => {
  it('totals, kinds (first-seen order) and per-second counts are those of the plain accumulator', () => {
    const next = rng(5);
    const keys = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:8080'];
    const kinds = UPSTREAM_ERROR_KINDS.slice(0, 6);
    const stats = new UpstreamStats();
    const reference = new Map<string, ReferenceAccumulator>();
    let t = T;
    for (let i = 0; i < 20_000; i++) {
      const r = next();
      // Mostly within a second or two; sometimes past the whole ring, sometimes back in time.
      if (r < 0.7) t += Math.floor(next() * 1500);
      else if (r < 0.75) t += Math.floor(next() * 200_000);
      else if (r < 0.8) t -= Math.floor(next() * 90_000);
      const key = keys[Math.floor(next() * keys.length)]!;
      const kind = kinds[Math.floor(next() * (1 + (i % kinds.length)))]!;
      stats.add(statSample(key, kind, t));
      let acc = reference.get(key);
      if (!acc) reference.set(key, (acc = new ReferenceAccumulator()));
      acc.add(t, kind);
      if (i % 997 === 0) {
        const now = t + Math.floor(next() * 120_000);
        const got = stats.stats(now, new Map());
        const want = [...reference].map(([k, a]) => ({ key: k, total: a.total, kinds: { ...a.kinds }, perSecond: a.perSecond(now), lastErrorAt: a.lastAt }));
        expect(JSON.stringify(got.map((s) => ({ key: s.key, total: s.total, kinds: s.kinds, perSecond: s.perSecond, lastErrorAt: s.lastErrorAt })))).toBe(JSON.stringify(want));
      }
    }
  });

  it('without its tallies (a postmortem) it keeps and folds the same upstreams, and gives no tallies', () => {
    // Past the bound of 10,000 names, times sometimes going back: which names are new again after
    // a fold (add's answer) and how many were folded depend on each one's last error.
    const next = rng(9);
    const withTallies = new UpstreamStats();
    const without = new UpstreamStats(false);
    const answers: [boolean, boolean][] = [];
    let t = T;
    for (let i = 0; i < 40_000; i++) {
      t += next() < 0.9 ? Math.floor(next() * 50) : -Math.floor(next() * 5000);
      const n = Math.floor(next() * 16_000);
      const s = statSample(`10.${n >> 8}.${n & 255}.1:80`, 'refused', t);
      answers.push([withTallies.add(s), without.add(s)]);
    }
    expect(withTallies.folded).toBeGreaterThan(1000);
    expect(without.folded).toBe(withTallies.folded);
    expect(answers.filter(([a, b]) => a !== b)).toEqual([]);
    expect(() => without.stats(T, new Map())).toThrow(/without its tallies/);
  });
});

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'LOCK', 'OPTIONS', null];

function record(i: number, time: number, key: string, next: () => number): LogRecord {
  const method = METHODS[Math.floor(next() * METHODS.length)]!;
  const [host, port] = key.split(':');
  const kind = UPSTREAM_ERROR_KINDS[Math.floor(next() * 5)]!;
  return {
    source: 'error.log',
    line: i + 1,
    time,
    localTime: '',
    level: 'error',
    pid: 1,
    tid: 1,
    conn: i,
    message: 'upstream failed',
    errno: next() < 0.8 ? [111, 104, 110][Math.floor(next() * 3)]! : null,
    strerror: null,
    action: next() < 0.5 ? 'reading response header from upstream' : 'connecting to upstream',
    kind,
    client: `203.0.113.${Math.floor(next() * 40)}`,
    server: next() < 0.9 ? `s${Math.floor(next() * 4)}.example.com` : null,
    request: method === null ? null : { method, path: '/x', protocol: 'HTTP/1.1' },
    upstream: { url: `http://${key}/x`, scheme: 'http', host: host!, port: Number(port), path: '/x' },
    host: `h${Math.floor(next() * 3)}.example.com`,
    referrer: null,
    raw: `line ${i}`,
  };
}

/** A burst's tallies counted from its records directly. */
function expected(rs: LogRecord[], sample: FailureSample) {
  const kinds: Record<string, number> = {};
  const errnos: Record<string, number> = {};
  const methods: Record<string, number> = {};
  let writes = 0;
  let notRetried = 0;
  const timeline = new ReferenceTimeline();
  for (const r of rs) {
    kinds[r.kind!] = (kinds[r.kind!] ?? 0) + 1;
    if (r.errno !== null) errnos[r.errno] = (errnos[r.errno] ?? 0) + 1;
    const m = r.request?.method;
    if (m) {
      methods[m] = (methods[m] ?? 0) + 1;
      if (WRITE_METHODS.has(m)) writes++;
      if (sample.fromRecord(r).requestSent && NOT_RETRIED_METHODS.has(m)) notRetried++;
    }
    timeline.add(r.time);
  }
  return { count: rs.length, kinds, errnos, methods, writes, notRetried, timeline: timeline.toData() };
}

describe('OpenBurst tallies, through burst reuse', () => {
  it('kinds, errnos, methods, writes, not-retried and timeline match counting each burst from its records', () => {
    const next = rng(23);
    const keys = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.4:80'];
    const gapMs = 5000;
    // Few open at once and many short bursts: closed bursts are reused again and again.
    const detector = new BurstDetector({ gapMs, minErrors: 1 });
    const sample = new FailureSample();
    const open = new Map<string, LogRecord[]>();
    const want: ReturnType<typeof expected>[] = [];
    const got: Burst[] = [];
    let t = T;
    for (let i = 0; i < 30_000; i++) {
      t += next() < 0.02 ? 8000 : Math.floor(next() * 700);
      const key = keys[Math.floor(next() * keys.length)]!;
      const r = record(i, t, key, next);
      const mine = open.get(key);
      if (mine && t - mine[mine.length - 1]!.time > gapMs) {
        want.push(expected(mine, new FailureSample()));
        open.delete(key);
      }
      if (!open.has(key)) open.set(key, []);
      open.get(key)!.push(r);
      const closed = detector.add(sample.fromRecord(r));
      if (closed) got.push(closed);
    }
    for (const rs of open.values()) want.push(expected(rs, new FailureSample()));
    got.push(...detector.closeAll());
    const view = (b: { count: number; kinds: object; errnos: object; methods: object; writes: number; notRetried: number; timeline?: ErrorTimelineData }) => JSON.stringify([b.count, b.kinds, b.errnos instanceof Map ? Object.fromEntries(b.errnos) : b.errnos, b.methods, b.writes, b.notRetried, b.timeline]);
    expect(got.length).toBeGreaterThan(500);
    expect(got.map(view).sort()).toEqual(want.map(view).sort());
  });
});
