/**
 * Replay skips the quiet start of a recording: the bundled restart-race folder starts twelve
 * minutes before its incident, which used to mean 41 s of nothing at --speed 20.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadPatterns } from '../../src/diagnose/loadPatterns.js';
import { IncidentEngine } from '../../src/engine/incidentEngine.js';
import { engineSink } from '../support/replaySink.js';
import { LEAD_IN_MS, loadRecording, playStart, recordingFiles, replay } from '../../src/sources/replay.js';
import { parseMainOptions } from '../../src/cli/mainOptions.js';
import type { SourceStatus } from '../../src/model/snapshot.js';

const DIR = path.resolve('fixtures/incidents/restart-race');
const at = (hms: string) => Date.parse(`2024-01-15T${hms}Z`);

describe('replay of a recording with a quiet start', () => {
  it('finds the first burst (not a stray error minutes before) and starts 10 s before it', async () => {
    const rec = await loadRecording(recordingFiles(DIR), 'UTC', { gapMs: 5_000, minErrors: 3 });
    expect(rec.start).toBeLessThan(at('03:01:00'));
    expect(rec.firstBurstAt).toBe(at('03:12:41'));
    const { startAt, skippedMs } = playStart(rec, null);
    expect(startAt).toBe(at('03:12:41') - LEAD_IN_MS);
    expect(skippedMs).toBeGreaterThan(12 * 60_000);
    // --from earlier than the recording: everything plays.
    expect(playStart(rec, at('02:00:00'))).toEqual({ startAt: rec.start, skippedMs: 0 });
    expect(playStart(rec, at('03:05:00')).startAt).toBe(at('03:05:00'));
  });

  it('shows the incident within 2 s of replay time at --speed 20 and says what it skipped', async () => {
    const files = recordingFiles(DIR);
    const engine = new IncidentEngine({ tz: 'UTC', patterns: loadPatterns() });
    const statuses: SourceStatus[] = [];
    let steps = 0;
    let stepsToIncident: number | null = null;
    const speed = 20;
    await replay({
      dir: DIR,
      files,
      sink: engineSink(engine),
      tz: 'UTC',
      speed,
      onStatus: (s) => statuses.push(s),
      // Virtual time: each step is 50 ms of wall time; nothing sleeps for real.
      sleep: async () => {
        steps++;
        if (stepsToIncident === null && engine.snapshot().incidents.length > 0) stepsToIncident = steps;
      },
    });
    expect(stepsToIncident).not.toBeNull();
    expect(stepsToIncident! * 50).toBeLessThanOrEqual(2_000); // was about 41 s before the skip
    expect(statuses.find((s) => s.state === 'ok')?.detail).toBe('skipped 12 min of quiet recording; --from to start earlier');
    expect(engine.incidents().map((i) => i.diagnosis.patternId)).toEqual(['restart-race']); // same verdict as a full play
  });

  it('--from belongs to --replay', () => {
    const io = { stdin: Object.assign(new PassThrough(), { isTTY: false }), stdout: new PassThrough(), stderr: new PassThrough(), env: {}, cwd: process.cwd(), now: () => Date.now() };
    expect(() => parseMainOptions(['--log', 'x.log', '--from', '03:00'], io)).toThrow('--from only applies to --replay DIR');
    expect(parseMainOptions(['--replay', DIR, '--from', '03:00'], io).replayFrom).toBe('03:00');
  });
});
