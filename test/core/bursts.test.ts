/**
 * Burst detection over real parsed lines: gap splitting, the minimum size, one burst per upstream,
 * method accounting (nginx retries PUT/DELETE but never POST/PATCH/LOCK), bounded evidence, and
 * `disabled` notes that are not failed requests.
 */
import { describe, expect, it } from 'vitest';
import { BurstDetector } from '../../src/correlate/bursts.js';
import { FailureSample, upstreamOf } from '../../src/parse/failureSample.js';
import type { Burst } from '../../src/model/incident.js';
import type { LogRecord } from '../../src/model/logRecord.js';
import { LocalClock } from '../../src/parse/localTime.js';
import { parseNginxLine } from '../../src/parse/nginxLine.js';
import { IncidentEngine } from '../../src/engine/incidentEngine.js';
import { lineIntakeOf } from '../../src/scan/lineIntake.js';
import { BACKEND, failLine, failLines, inspect, nginxLine, patterns, runScenario, seq, T0, TIMED_OUT } from './helpers.js';

const clock = new LocalClock('UTC');

function records(lines: string[]): LogRecord[] {
  return lines.map((l, i) => {
    const r = parseNginxLine(l, 'error.log', i + 1, clock);
    if (!r.ok) throw new Error(`unparsed: ${l}`);
    return r.record;
  });
}

function detect(lines: string[], gapMs = 5000, minErrors = 3): { bursts: Burst[]; detector: BurstDetector } {
  const detector = new BurstDetector({ gapMs, minErrors });
  const bursts: Burst[] = [];
  // One sample refilled per line, as the engine does: the detector must keep nothing of it by reference.
  const sample = new FailureSample();
  for (const r of records(lines)) {
    if (r.kind === null) continue;
    const closed = detector.add(sample.fromRecord(r));
    if (closed) bursts.push(closed);
  }
  bursts.push(...detector.closeAll());
  return { bursts: bursts.sort((a, b) => a.first - b.first), detector };
}

describe('gap splitting', () => {
  it('errors closer than the gap are one burst; a longer silence starts a new one', () => {
    const lines = [...failLines(T0, 6, 1000), ...failLines(T0 + 5000 + 6001, 4, 1000)];
    const { bursts } = detect(lines, 5000);
    expect(bursts.map((b) => b.count)).toEqual([6, 4]);
    expect(bursts[0]!.first).toBe(T0);
    expect(bursts[0]!.last).toBe(T0 + 5000);
    expect(bursts[1]!.first).toBe(T0 + 11_001 - 1); // second-resolution stamps: 03:12:51
  });

  it('a silence exactly equal to the gap does not split', () => {
    const lines = [...failLines(T0, 3, 1000), ...failLines(T0 + 2000 + 5000, 3, 1000)];
    expect(detect(lines, 5000).bursts.map((b) => b.count)).toEqual([6]);
  });

  it('a larger --burst-gap joins what a smaller one splits', () => {
    const lines = [...failLines(T0, 3, 1000), ...failLines(T0 + 12_000, 3, 1000)];
    expect(detect(lines, 5000).bursts).toHaveLength(2);
    expect(detect(lines, 15_000).bursts).toHaveLength(1);
  });
});

describe('minimum size', () => {
  it('a burst below minErrors is not an incident but its errors are counted as isolated', () => {
    const lines = [...failLines(T0, 2, 1000), ...failLines(T0 + 60_000, 3, 1000)];
    const { bursts, detector } = detect(lines, 5000, 3);
    expect(bursts.map((b) => b.count)).toEqual([3]);
    expect(detector.isolatedErrors).toBe(2);
  });

  it('minErrors 1 makes a single failure an incident', () => {
    expect(detect([failLine(T0)], 5000, 1).bursts).toHaveLength(1);
  });
});

describe('per upstream', () => {
  it('interleaved failures on two peers are two bursts, each with its own count', () => {
    const lines: string[] = [];
    for (let i = 0; i < 5; i++) {
      lines.push(failLine(T0 + i * 1000, { upstream: 'http://172.18.0.5:3000' }));
      lines.push(failLine(T0 + i * 1000, { upstream: 'http://172.18.0.6:3000' }));
    }
    lines.push(failLine(T0 + 6000, { upstream: 'http://172.18.0.6:3000' }));
    const { bursts } = detect(lines);
    expect(bursts.map((b) => [b.upstreamKey, b.count]).sort()).toEqual([
      ['172.18.0.5:3000', 5],
      ['172.18.0.6:3000', 6],
    ]);
  });

  it('the same host on two ports is two upstreams', () => {
    const lines = [...failLines(T0, 3, 100, { upstream: 'http://127.0.0.1:3000' }), ...failLines(T0, 3, 100, { upstream: 'http://127.0.0.1:3001' })];
    expect(detect(lines).bursts.map((b) => b.upstreamKey).sort()).toEqual(['127.0.0.1:3000', '127.0.0.1:3001']);
  });

  it('a start-up `host not found in upstream` line groups under the named upstream', () => {
    const r = records([`2024/01/15 03:12:41 [emerg] 1#1: host not found in upstream "backend:3000" in /etc/nginx/conf.d/default.conf:12`])[0]!;
    expect(upstreamOf(r)).toMatchObject({ host: 'backend', port: 3000 });
  });
});

describe('request accounting', () => {
  it('counts methods; POST/PUT/PATCH/DELETE are writes', () => {
    const methods = ['GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'LOCK', 'HEAD', 'OPTIONS', 'POST'];
    const [b] = detect(methods.map((m, i) => failLine(T0 + i * 100, { method: m }))).bursts;
    expect(b!.methods).toEqual({ GET: 2, POST: 2, PUT: 1, PATCH: 1, DELETE: 1, LOCK: 1, HEAD: 1, OPTIONS: 1 });
    expect(b!.writes).toBe(5); // POST×2, PUT, PATCH, DELETE (LOCK is not in the write set)
  });

  it('POST/PATCH/LOCK that failed after nginx sent them are not retried; PUT/DELETE are retried', () => {
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'LOCK', 'POST'];
    const sent = methods.map((m, i) => failLine(T0 + i * 100, { method: m, msg: 'upstream prematurely closed connection while reading response header from upstream' }));
    const [b] = detect(sent).bursts;
    expect(b!.notRetried).toBe(4); // POST×2, PATCH, LOCK
    const writev = methods.map((m, i) => failLine(T0 + i * 100, { method: m, msg: 'writev() failed (32: Broken pipe) while sending request to upstream' }));
    expect(detect(writev).bursts[0]!.notRetried).toBe(4);
  });

  it('a failure while connecting happened before the request was sent: nginx may retry even a POST', () => {
    // ngx_http_upstream_next: the non_idempotent rule applies only once u->request_sent is set.
    const [b] = detect(['POST', 'PATCH', 'LOCK'].map((m, i) => failLine(T0 + i * 100, { method: m }))).bursts;
    expect(b!.writes).toBe(2);
    expect(b!.notRetried).toBe(0);
  });

  it('counts kinds, errnos, distinct clients, servers and hosts', () => {
    const lines = [
      failLine(T0, { client: '10.0.0.1' }),
      failLine(T0 + 100, { client: '10.0.0.2' }),
      failLine(T0 + 200, { client: '10.0.0.1', msg: 'recv() failed (104: Connection reset by peer) while reading response header from upstream' }),
      failLine(T0 + 300, { client: '10.0.0.3', msg: 'upstream prematurely closed connection while reading response header from upstream' }),
    ];
    const [b] = detect(lines).bursts;
    expect(b!.kinds).toEqual({ refused: 2, reset: 1, 'premature-close': 1 });
    expect([...b!.errnos]).toEqual([
      [111, 2],
      [104, 1],
    ]);
    // As --json gives them: errnos ascending, whatever order they came in.
    expect(JSON.stringify(Object.fromEntries(b!.errnos))).toBe('{"104":1,"111":2}');
    expect(JSON.stringify(b!.kinds)).toBe('{"refused":2,"reset":1,"premature-close":1}');
    expect(b!.clients).toBe(3);
    expect(b!.servers).toEqual(['shop.example.com']);
    expect(b!.hosts).toEqual(['shop.example.com']);
  });

  it('counts thousands of distinct clients exactly (kept as hashes, not strings)', () => {
    const clients = Array.from({ length: 6000 }, (_, i) => (i % 2 ? `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` : `2001:db8::${i.toString(16)}`));
    // Every client twice, out of order: duplicates must not count.
    const lines = [...clients, ...clients.slice().reverse()].map((client, i) => failLine(T0 + Math.floor(i / 100), { client }));
    const [b] = detect(lines).bursts;
    expect(b!.count).toBe(12_000);
    expect(b!.clients).toBe(6000);
  });

  it('rate is errors per second over the burst, with a 1 s floor', () => {
    const [slow] = detect(failLines(T0, 11, 1000)).bursts;
    expect(slow!.rate).toBe(1.1); // 11 errors over 10 s
    const [fast] = detect(failLines(T0, 30, 0)).bursts;
    expect(fast!.rate).toBe(30); // all in one second
  });
});

describe('evidence', () => {
  it('keeps the first five and the last five lines of a long burst, in order', () => {
    const lines = failLines(T0, 500, 10);
    const [b] = detect(lines).bursts;
    expect(b!.count).toBe(500);
    expect(b!.evidence.map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 496, 497, 498, 499, 500]);
    expect(b!.evidence[0]!.raw).toBe(lines[0]);
  });

  it('caps a kept evidence line at 4 KB', () => {
    const line = nginxLine({ time: T0, msg: 'connect() failed (111: Connection refused) while connecting to upstream', request: `GET /${'x'.repeat(10_000)} HTTP/1.1`, upstream: 'http://172.18.0.5:3000/', host: 'h' });
    const [b] = detect([line, line, line]).bursts;
    expect(b!.evidence[0]!.raw.length).toBe(4096);
  });
});

describe('disabled notes', () => {
  it('`upstream server temporarily disabled` is not a failed request and does not extend or start a burst', () => {
    const disabled = (t: number) =>
      nginxLine({ time: t, level: 'warn', msg: 'upstream server temporarily disabled while connecting to upstream', request: 'GET /a HTTP/1.1', upstream: 'http://172.18.0.5:3000/a', host: 'h' });
    const lines = [...failLines(T0, 3, 1000), disabled(T0 + 2500), disabled(T0 + 9000), disabled(T0 + 9500), disabled(T0 + 9800)];
    const { bursts } = detect(lines);
    expect(bursts).toHaveLength(1);
    expect(bursts[0]!.count).toBe(3);
    expect(bursts[0]!.last).toBe(T0 + 2000);
    expect(bursts[0]!.kinds.disabled).toBeUndefined();
  });

  it('client-side lines never enter a burst', () => {
    const lines = Array.from({ length: 10 }, (_, i) =>
      nginxLine({ time: T0 + i * 100, level: 'info', msg: 'client prematurely closed connection while reading upstream', request: 'GET /a HTTP/1.1', upstream: 'http://172.18.0.5:3000/a', host: 'h' }),
    );
    const { engine, incidents } = runScenario({ lines });
    expect(incidents).toHaveLength(0);
    expect(engine.counts()).toMatchObject({ linesRead: 10, otherLines: 10, upstreamErrors: 0 });
  });
});

describe('in the engine', () => {
  it('closes bursts per upstream and keeps them oldest first', () => {
    const lines = [...failLines(T0, 5, 500, { upstream: 'http://172.18.0.6:3000', msg: TIMED_OUT }), ...failLines(T0 + 1000, 5, 500)];
    lines.sort();
    const { incidents } = runScenario({ lines });
    expect(incidents.map((i) => i.burst.upstreamKey)).toEqual(['172.18.0.6:3000', '172.18.0.5:3000']);
  });

  it('--burst-gap and --min-errors reach the detector', () => {
    const lines = [...failLines(T0, 3, 1000), ...failLines(T0 + 10_000, 3, 1000)];
    expect(runScenario({ lines, opts: { burstGapMs: 5000 } }).incidents).toHaveLength(2);
    expect(runScenario({ lines, opts: { burstGapMs: 10_000 } }).incidents).toHaveLength(1);
    expect(runScenario({ lines, opts: { minErrors: 4 } }).incidents).toHaveLength(0);
  });

  it('the live path: tick(now) closes an idle burst only once the gap has passed', () => {
    const engine = new IncidentEngine({ tz: 'UTC', patterns: patterns(), burstGapMs: 5000 });
    failLines(T0, 4, 1000).forEach((l, i) => lineIntakeOf(engine).ingestLine('error.log', i + 1, l));
    const last = T0 + 3000;
    engine.tick(last + 4000);
    expect(engine.incidents()).toHaveLength(0);
    expect(engine.openIncidents().map((i) => i.burst.count)).toEqual([4]);
    engine.tick(last + 5001);
    expect(engine.incidents().map((i) => [i.burst.count, i.burst.closed])).toEqual([[4, true]]);
    expect(engine.openIncidents()).toHaveLength(0);
  });
});

describe('live announcements', () => {
  it('an announced incident is printed again when its verdict changes, not only when it grows', () => {
    const engine = new IncidentEngine({ tz: 'UTC', patterns: patterns(), burstGapMs: 5000 });
    engine.setContainers(inspect({ c: BACKEND, ip: '172.18.0.5' }));
    const [kill, die, stop, start, restart] = seq.dockerRestart(BACKEND, T0 - 200);
    for (const e of [kill, die, stop]) engine.ingestEvent(e);
    failLines(T0, 3, 0).forEach((l, i) => lineIntakeOf(engine).ingestLine('error.log', i + 1, l));
    engine.tick(T0 + 1500);
    const first = engine.takeAnnouncements();
    expect(first.map((i) => [i.diagnosis.patternId, i.burst.count])).toEqual([['backend-down', 3]]);
    // Nothing new: nothing printed.
    engine.tick(T0 + 1750);
    expect(engine.takeAnnouncements()).toEqual([]);
    // The start arrives late (a loaded daemon): same three errors, a different verdict.
    for (const e of [start, restart]) engine.ingestEvent(e);
    engine.tick(T0 + 2000);
    const second = engine.takeAnnouncements();
    expect(second.map((i) => [i.diagnosis.patternId, i.burst.count])).toEqual([['restart-race', 3]]);
    expect(second[0]!.id).toBe(first[0]!.id);
    engine.tick(T0 + 2250);
    expect(engine.takeAnnouncements()).toEqual([]);
  });
});
