/**
 * The engine keeps each closed incident's diagnosis until something it read changes (keptIncidents.ts).
 * Live mode asks for incidents on every screen and line: a diagnosis kept past a change that
 * alters it would show the on-call engineer yesterday's verdict. Two such changes carry no
 * Docker event: the log going on past a burst (it recovered), and a new upstream whose address
 * claims the container a burst was linked to by time alone.
 */
import { describe, expect, it } from 'vitest';
import { IncidentEngine } from '../../src/engine/incidentEngine.js';
import { lineIntakeOf } from '../../src/scan/lineIntake.js';
import { BACKEND, failLine, failLines, inspect, nginxLine, patterns, seq, T0 } from './helpers.js';

function liveEngine(): IncidentEngine {
  return new IncidentEngine({ tz: 'UTC', patterns: patterns(), burstGapMs: 5000 });
}

function feed(engine: IncidentEngine, lines: string[]): void {
  const intake = lineIntakeOf(engine);
  lines.forEach((l, i) => intake.ingestLine('error.log', i + 1, l));
  intake.flush();
}

describe('a closed incident is diagnosed again when what it reads changes', () => {
  it('the log going on past the burst: it recovered', () => {
    const engine = liveEngine();
    feed(engine, failLines(T0, 4, 1000));
    engine.tick(T0 + 3000 + 5001);
    const before = engine.incidents();
    expect(before.map((i) => i.facts.recovered)).toEqual([false]);
    expect(before[0]!.diagnosis.reasons.join(' ')).not.toContain('the upstream was serving again');
    // No Docker event, no failure: a notice from nginx 20 s later says the log went on.
    feed(engine, [nginxLine({ time: T0 + 23_000, level: 'notice', conn: null, msg: 'signal process started', client: null })]);
    const after = engine.incidents();
    expect(after.map((i) => [i.id, i.facts.recovered])).toEqual([[before[0]!.id, true]]);
  });

  it('a new upstream whose address is the container a burst was linked to by time alone', () => {
    const engine = liveEngine();
    engine.setContainers(inspect({ c: BACKEND, ip: '172.18.0.5' }));
    for (const e of seq.dockerRestart(BACKEND, T0 - 200)) engine.ingestEvent(e);
    // Nothing links 10.9.9.9 to a container: the backend, the one container that changed state then, is taken by time.
    feed(engine, failLines(T0, 3, 100, { upstream: 'http://10.9.9.9:3000' }));
    engine.tick(T0 + 200 + 5001);
    expect(engine.incidents().map((i) => i.match?.method ?? null)).toEqual(['time-only']);
    // Now errors name the backend's own address: it is that upstream's container, not a time-only match for another.
    feed(engine, [failLine(T0 + 6000, { upstream: 'http://172.18.0.5:3000' })]);
    expect(engine.incidents().map((i) => i.match?.method ?? null)).toEqual([null]);
  });
});
