/**
 * `rst` on the live screen: restarts counted from events, not from inspect's RestartCount (which
 * a `docker restart` leaves at 0). Real recorded event sequences from the fixtures.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { restartsByContainer } from '../../src/correlate/restarts.js';
import { loadPatterns } from '../../src/diagnose/loadPatterns.js';
import { IncidentEngine } from '../../src/engine/incidentEngine.js';
import { engineSink } from '../support/replaySink.js';
import { recordingFiles, replay } from '../../src/sources/replay.js';
import type { ContainerEvent } from '../../src/model/container.js';

const ev = (name: string, action: ContainerEvent['action'], time: number) => ({ name, action, time }) as ContainerEvent;

describe('restarts counted from events', () => {
  it('counts `docker restart` once, a policy restart (die → start) once, a first start not at all', () => {
    const events = [
      ev('web', 'start', 0), // first start: not a restart
      ev('web', 'kill', 10), ev('web', 'die', 11), ev('web', 'stop', 12), ev('web', 'start', 13), ev('web', 'restart', 14), // docker restart
      ev('web', 'die', 20), ev('web', 'start', 21), // restart policy
      ev('db', 'restart', 30), // a restart whose start we did not see
      ev('job', 'die', 40), // died, not back
    ];
    expect(Object.fromEntries(restartsByContainer(events))).toEqual({ web: 2, db: 1, job: 0 });
  });

  it.each([
    ['restart-race', 'shop-backend-1', 1],
    ['stop-timeout', 'shop-backend-1', 1],
    ['crash-restart', 'shop-auth-1', 1], // a policy restart: die → start, no restart event
  ])('replaying %s gives %s rst=%i, counted from its events', async (dir, name, n) => {
    const files = recordingFiles(path.resolve('fixtures/incidents', dir));
    const engine = new IncidentEngine({ tz: 'UTC', patterns: loadPatterns() });
    await replay({ dir, files, sink: engineSink(engine), tz: 'UTC', speed: 10_000, sleep: async () => {} });
    expect(engine.containerViews().find((c) => c.name === name)?.restarts).toBe(n);
  });
});
