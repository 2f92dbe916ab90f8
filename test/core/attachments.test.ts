/**
 * Checklists and fixes attached to incidents: each shows on its own incident only, without the
 * other incidents being diagnosed again (a postmortem attaches a fix to every incident), while a
 * new Docker event still re-diagnoses every incident.
 */
import { describe, expect, it } from 'vitest';
import { IncidentEngine } from '../../src/engine/incidentEngine.js';
import { lineIntakeOf } from '../../src/scan/lineIntake.js';
import type { FixProposal } from '../../src/model/incident.js';
import { BACKEND, failLines, patterns, seq, T0 } from './helpers.js';

function twoIncidents(): IncidentEngine {
  const engine = new IncidentEngine({ tz: 'UTC', patterns: patterns() });
  const lines = [...failLines(T0, 5, 200), ...failLines(T0 + 60_000, 5, 200)];
  lines.forEach((l, i) => lineIntakeOf(engine).ingestLine('error.log', i + 1, l));
  engine.finish();
  return engine;
}

const fix: FixProposal = { fixIds: ['nginx-retry'], advice: ['add proxy_next_upstream'], files: [], warnings: [] };

describe('attaching a fix or a checklist', () => {
  it('shows on its incident only and keeps the others as they were', () => {
    const engine = twoIncidents();
    const [a, b] = engine.incidents();
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    engine.attachFix(a!.id, fix);
    const [a2, b2] = engine.incidents();
    expect(a2!.fix).toEqual(fix);
    expect(a2!.diagnosis).toBe(a!.diagnosis); // same diagnosis object: not diagnosed again
    expect(b2).toBe(b); // untouched
    expect(b2!.fix).toBeNull();
    engine.attachChecklist(b!.id, { target: { host: '172.18.0.5', port: 3000, container: null }, ranAt: T0, checks: [], conclusion: 'the app answers', timeToListenMs: 1200, timeToHealthyMs: null });
    const [a3, b3] = engine.incidents();
    expect(a3!.fix).toEqual(fix);
    expect(b3!.checklist?.timeToListenMs).toBe(1200);
  });

  it('a new container event still re-diagnoses every incident, attachments kept', () => {
    const engine = twoIncidents();
    const [a] = engine.incidents();
    engine.attachFix(a!.id, fix);
    for (const e of seq.dockerRestart(BACKEND, T0 - 500)) engine.ingestEvent(e);
    const [a2] = engine.incidents();
    expect(a2!.diagnosis).not.toBe(a!.diagnosis);
    expect(a2!.fix).toEqual(fix);
  });
});
