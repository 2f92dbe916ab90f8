/**
 * The engine's event store (correlate/eventStore.ts) and what it changes in a diagnosis, in
 * memory: arrival order of events that share a second, the per-container bound dropping noise
 * first, and a live gap (the daemon away now, then back) on an incident inside it.
 */
import { describe, expect, it } from 'vitest';
import { EventStore } from '../../src/correlate/eventStore.js';
import type { ContainerEvent } from '../../src/model/container.js';
import { BACKEND, failLines, inspect, runScenario, seq, T0 } from './helpers.js';

function ev(time: number, action: ContainerEvent['action'], extra: Partial<ContainerEvent> = {}): ContainerEvent {
  return { time, action, health: null, containerId: 'c1', name: 'app', image: null, exitCode: null, signal: null, service: null, project: null, attributes: {}, ...extra };
}

describe('EventStore', () => {
  it('orders events of the same second by lifecycle whatever their arrival order (no timeNano)', () => {
    const sameSecond = [ev(T0, 'restart'), ev(T0, 'start'), ev(T0, 'die', { exitCode: 143 }), ev(T0, 'kill', { signal: '15' }), ev(T0, 'stop')];
    for (const order of [sameSecond, [...sameSecond].reverse()]) {
      const s = new EventStore();
      for (const e of order) s.add(e);
      expect(s.all().map((e) => e.action)).toEqual(['kill', 'die', 'stop', 'start', 'restart']);
    }
  });

  it('keeps a repeat once, but two kills of the same second with different signals twice', () => {
    const s = new EventStore();
    expect(s.add(ev(T0, 'kill', { signal: '15' }))).toBe(true);
    expect(s.add(ev(T0, 'kill', { signal: '15' }))).toBe(false);
    expect(s.add(ev(T0, 'kill', { signal: '9' }))).toBe(true);
    expect(s.size).toBe(2);
    expect(s.duplicates).toBe(1);
  });

  it('over its per-container bound drops repeated health states before any lifecycle event', () => {
    const s = new EventStore({ perContainer: 100 });
    s.add(ev(T0, 'start'));
    for (let i = 1; i <= 200; i++) s.add(ev(T0 + i * 1000, 'health_status', { health: 'healthy' }));
    s.add(ev(T0 + 300_000, 'die', { exitCode: 1 }));
    expect(s.size).toBeLessThanOrEqual(110);
    const actions = s.all().map((e) => e.action);
    expect(actions[0]).toBe('start');
    expect(actions.at(-1)).toBe('die');
    expect(s.dropped).toBeGreaterThan(0);
  });

  it('one noisy container cannot push another container\'s events out', () => {
    const s = new EventStore({ perContainer: 1000, total: 2000 });
    s.add(ev(T0, 'die', { containerId: 'quiet', exitCode: 1 }));
    for (let i = 0; i < 10_000; i++) s.add(ev(T0 + 1000 + i, i % 2 ? 'start' : 'die', { containerId: `noisy-${i % 5}` }));
    expect(s.size).toBeLessThanOrEqual(2200);
    expect(s.between(T0, T0).map((e) => e.containerId)).toEqual(['quiet']);
  });
});

describe('a gap in the live event stream', () => {
  const scenario = () => ({
    containers: inspect({ c: BACKEND, ip: '172.18.0.5', expose: [3000] }),
    events: seq.dockerRestart(BACKEND, T0),
    lines: failLines(T0 + 1000, 20, 250),
  });

  it('while the daemon is away (gap still open), an incident inside it says so with lower confidence; the return keeps the caveat', () => {
    const { engine, incidents } = runScenario(scenario());
    expect(incidents[0]!.diagnosis).toMatchObject({ patternId: 'restart-race', confidenceLabel: 'high' });
    const high = incidents[0]!.diagnosis.confidence;

    engine.noteEventGap({ from: T0 + 2000, to: null, reason: 'the Docker daemon closed the event stream' });
    const during = engine.incidents()[0]!.diagnosis;
    expect(during.patternId).toBe('restart-race');
    expect(during.confidence).toBeLessThan(high);
    expect(during.reasons.at(-1)).toBe('Docker events were unavailable from 2024-01-15 03:12:42 UTC to now (the Docker daemon closed the event stream): what happened to the container then is unknown');

    engine.noteEventGap({ from: T0 + 2000, to: T0 + 9000, reason: 'the Docker daemon closed the event stream' });
    const after = engine.incidents()[0]!.diagnosis;
    expect(after.confidence).toBe(during.confidence);
    expect(after.reasons.at(-1)).toContain('from 2024-01-15 03:12:42 UTC to 2024-01-15 03:12:49 UTC');
    expect(engine.notes()).toHaveLength(1);
  });
});
