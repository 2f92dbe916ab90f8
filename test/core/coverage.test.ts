/**
 * Event coverage (correlate/coverage.ts through the engine): when the Docker events held begin
 * after a burst began, the report says so, takes the container's lifecycle from `docker inspect`
 * (marked as such), and never states what nothing shows ("did not start again").
 */
import { describe, expect, it } from 'vitest';
import { IncidentEngine } from '../../src/engine/incidentEngine.js';
import { lineIntakeOf } from '../../src/scan/lineIntake.js';
import { incidentText } from '../../src/report/textReport.js';
import { AUTH, BACKEND, execNoise, failLines, inspect, patterns, seq, T0 } from './helpers.js';

/** 111s on the backend from T0+1s for 5.5 s, 4 a second; the log goes on afterwards. */
function lines(): string[] {
  const out = failLines(T0 + 1000, 23, 250, { upstream: 'http://172.18.0.5:3000' });
  out.push(...failLines(T0 + 40_000, 1, 0, { upstream: 'http://172.18.0.6:8080' }));
  return out;
}

function run(o: { events?: Record<string, unknown>[]; eventsFrom?: number; restartCount?: number; snapshot?: boolean }) {
  const engine = new IncidentEngine({ tz: 'UTC', patterns: patterns() });
  // The real restart: kill 03:12:40, die, stop, start 03:12:41.245 — inspect keeps its last start and exit.
  if (o.snapshot !== false) {
    engine.setContainers(
      inspect(
        { c: BACKEND, ip: '172.18.0.5', expose: [3000], startedAt: new Date(T0 + 1245).toISOString(), finishedAt: new Date(T0 + 818).toISOString(), restartCount: o.restartCount ?? 0 },
        { c: AUTH, ip: '172.18.0.6', expose: [8080] },
      ),
    );
  }
  if (o.eventsFrom !== undefined) engine.noteEventsFrom(o.eventsFrom);
  for (const e of o.events ?? []) engine.ingestEvent(e);
  lines().forEach((l, i) => lineIntakeOf(engine).ingestLine('error.log', i + 1, l));
  engine.finish();
  const incidents = engine.incidents().filter((i) => i.burst.upstreamKey === '172.18.0.5:3000');
  expect(incidents).toHaveLength(1);
  return incidents[0]!;
}

describe('event coverage', () => {
  it('events that cover the burst: facts from events, no coverage note', () => {
    const i = run({ events: seq.dockerRestart(BACKEND, T0) });
    expect(i.diagnosis.patternId).toBe('restart-race');
    expect(i.coverage).toMatchObject({ eventsCoverBurst: true, source: 'events', unknown: [] });
    expect(i.diagnosis.reasons.join(' ')).not.toMatch(/Docker events begin/);
  });

  it('events that begin after the burst: the gap is said, the restart comes from inspect, marked as such', () => {
    const later = T0 + 10 * 60_000;
    const i = run({ events: execNoise(BACKEND, later), eventsFrom: later });
    expect(i.coverage).toEqual({ eventsFrom: later, eventsCoverBurst: false, source: 'inspect', unknown: [] });
    expect(i.diagnosis.reasons[0]).toBe(
      'Docker events begin at 03:22:40, after this burst began (03:12:41): the restart is known only from docker inspect (State.StartedAt 03:12:41, FinishedAt 03:12:40, RestartCount 0); RestartCount 0: restarted on request, not by its restart policy',
    );
    expect(i.diagnosis.patternId).toBe('restart-race');
    expect(i.facts.events.map((e) => [e.action, e.attributes.field])).toEqual([
      ['die', 'State.FinishedAt'],
      ['start', 'State.StartedAt'],
    ]);
    const text = incidentText(i, 1, 'UTC').join('\n');
    expect(text).toContain('(docker inspect State.StartedAt)');
    expect(text).not.toMatch(/did not start again|did not come back/);
  });

  it('restarted by its restart policy (RestartCount 1): not called a deliberate restart', () => {
    const later = T0 + 10 * 60_000;
    const i = run({ eventsFrom: later, restartCount: 1 });
    expect(i.facts.deliberate).toBe(false);
    expect(i.diagnosis.patternId).not.toBe('restart-race');
    expect(i.diagnosis.reasons.join(' ')).not.toMatch(/did not start again/);
  });

  it('events that begin mid-restart and no inspect: neither "fresh start" nor "did not start again" is said', () => {
    const engine = new IncidentEngine({ tz: 'UTC', patterns: patterns() });
    // The stream began between the die and the start: kill, die and stop are lost.
    const [, , , start, restart] = seq.dockerRestart(BACKEND, T0 + 3000);
    engine.noteEventsFrom(T0 + 3000);
    for (const e of [start, restart]) engine.ingestEvent(e!);
    // The address links by name: the upstream is the container's name, no snapshot needed.
    failLines(T0 + 1000, 40, 250, { upstream: `http://${BACKEND.name}:3000` }).forEach((l, n) => lineIntakeOf(engine).ingestLine('error.log', n + 1, l));
    engine.finish();
    const i = engine.incidents()[0]!;
    expect(i.match?.name).toBe(BACKEND.name);
    expect(i.coverage).toMatchObject({ eventsCoverBurst: false, source: 'none' });
    expect(i.coverage!.unknown).toEqual(expect.arrayContaining(['deliberate', 'freshStart']));
    expect(['backend-down', 'slow-startup']).not.toContain(i.diagnosis.patternId);
    const text = incidentText(i, 1, 'UTC').join('\n');
    expect(text).toContain('Docker events begin at 03:12:43, after this burst began (03:12:41): nothing shows what happened to shop-backend-1 before them');
    expect(text).not.toMatch(/did not start again|did not come back|freshly started/);
  });

  it('events whose times are not Docker times: used nowhere (not even for how far back events reach), and the report says they could not be placed', () => {
    // The restart with timeNano holding seconds (1970): before, it was kept, set eventsFrom in 1970
    // and the burst counted as covered, "no Docker event concerns shop-backend-1".
    const bad = seq.dockerRestart(BACKEND, T0).map((e) => ({ ...e, timeNano: e['time'] }));
    const i = run({ events: bad });
    expect(i.coverage).toEqual({ eventsFrom: null, eventsCoverBurst: false, source: 'inspect', unknown: [] });
    expect(i.diagnosis.reasons[0]).toMatch(/^no usable Docker events for this burst \(03:12:41; 5 Docker events could not be placed in time \(not a Docker time\)\): the restart is known only from docker inspect/);
    expect(i.facts.events.every((e) => e.attributes.source === 'inspect')).toBe(true);
  });

  it('one unplaceable event beside events that cover the burst: the diagnosis stands, with the doubt said', () => {
    const i = run({ events: [...seq.dockerRestart(BACKEND, T0), { Type: 'container', Action: 'start', Actor: { ID: 'e'.repeat(64) }, time: 1e16 }] });
    expect(i.diagnosis.patternId).toBe('restart-race');
    expect(i.coverage).toMatchObject({ eventsCoverBurst: true, source: 'events' });
    expect(i.diagnosis.reasons).toContain('1 Docker event could not be placed in time (not a Docker time): it may concern this burst');
  });
});
