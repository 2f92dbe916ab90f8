import { describe, expect, it } from 'vitest';
import { measureTimeToReady, type Clock, type ReadinessProbes } from '../../src/checklist/timeToReady.js';

/** A fake clock: sleeping advances time, probes cost a fixed time. */
function fakeClock(start: number): Clock & { t: number } {
  const c = {
    t: start,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

/** An app that binds its port at `listenAt` and answers 200 from `healthyAt` (clock times). */
function app(clock: { t: number }, listenAt: number, healthyAt: number, probeCostMs = 5): ReadinessProbes & { calls: number } {
  const p = {
    calls: 0,
    async listening() {
      p.calls++;
      clock.t += probeCostMs;
      return clock.t - probeCostMs >= listenAt;
    },
    async healthy() {
      clock.t += probeCostMs;
      const ok = clock.t - probeCostMs >= healthyAt;
      return { ok, detail: ok ? 'HTTP 200' : 'HTTP 503' };
    },
  };
  return p;
}

describe('measureTimeToReady with an injected clock', () => {
  it('measures start→listening and start→healthy within one step', async () => {
    const clock = fakeClock(1_000_000);
    const start = 1_000_000 - 300; // the container started 300 ms before we began polling
    const r = await measureTimeToReady({ startMs: start, probes: app(clock, 1_004_000, 1_005_500), clock, stepMs: 200 });
    expect(r.sawNotListening).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(r.timeToListenMs).toBeGreaterThanOrEqual(4300);
    expect(r.timeToListenMs).toBeLessThanOrEqual(4300 + 210);
    expect(r.timeToHealthyMs).toBeGreaterThanOrEqual(5800);
    expect(r.timeToHealthyMs).toBeLessThanOrEqual(5800 + 215);
    expect(r.lastHealthDetail).toBeNull();
  });

  it('is bounded: gives up after maxWaitMs and says what it last saw', async () => {
    const clock = fakeClock(0);
    const probes = app(clock, 500, Number.POSITIVE_INFINITY);
    const r = await measureTimeToReady({ startMs: 0, probes, clock, maxWaitMs: 3000, stepMs: 200 });
    expect(r).toMatchObject({ timedOut: true, healthyAt: null, timeToHealthyMs: null, lastHealthDetail: 'HTTP 503' });
    expect(r.timeToListenMs).toBeGreaterThanOrEqual(500);
    expect(clock.t).toBeLessThanOrEqual(3000 + 20);
    expect(r.polls).toBeLessThanOrEqual(16);
  });

  it('never listening: no listening time, times out', async () => {
    const clock = fakeClock(0);
    const r = await measureTimeToReady({ startMs: 0, probes: app(clock, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY), clock, maxWaitMs: 1000 });
    expect(r).toMatchObject({ listeningAt: null, timeToListenMs: null, timedOut: true, sawNotListening: true });
  });

  it('already healthy at the first poll: one poll, flagged as not seen starting', async () => {
    const clock = fakeClock(10_000);
    const probes = app(clock, 0, 0);
    const r = await measureTimeToReady({ startMs: 2_000, probes, clock });
    expect(r).toMatchObject({ polls: 1, sawNotListening: false, timedOut: false, timeToListenMs: 8000, timeToHealthyMs: 8000 });
    expect(probes.calls).toBe(1);
  });
});
