/**
 * Live mode's followed-file path on shaped lines: a real file, appended as `docker logs -t -f
 * nginx >> file` would (CRLF on some lines), followed by followLog into the engine as live mode
 * wires it. The bundled restart-race incident, prefixed with Docker's stamp, must give the same
 * burst as the plain file, at Docker's sub-second times.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPatterns } from '../../src/diagnose/loadPatterns.js';
import { IncidentEngine } from '../../src/engine/incidentEngine.js';
import { LineIntake, lineIntakeOf } from '../../src/scan/lineIntake.js';
import { followLog, type LogFollowHandle } from '../../src/sources/tailLog.js';
import { streamFileLines } from '../../src/sources/readInput.js';
import { REPO } from '../support/cli.js';
import { waitFor } from '../support/wait.js';

const FIXTURE = path.join(REPO, 'fixtures/incidents/restart-race/error.log');
const handles: LogFollowHandle[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** `2024/01/15 03:12:41 …` → `2024-01-15T03:12:41.<ms>000000Z 2024/01/15 03:12:41 …` (a plain line without a stamp keeps one of its own). */
function dockerStamp(line: string, i: number): string {
  const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d) /.exec(line);
  const ms = String((i * 37) % 1000).padStart(3, '0');
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}.${ms}000000Z ${line}` : `2024-01-15T03:00:00.000000000Z ${line}`;
}

describe('a followed file of docker logs --timestamps lines', () => {
  it('is read as the plain log is, at the better time', async () => {
    const patterns = loadPatterns();
    const plain = new IncidentEngine({ tz: 'UTC', patterns });
    const intake = new LineIntake(plain, plain.lineWindow);
    await streamFileLines(FIXTURE, intake);
    intake.flush();
    plain.finish();

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-h15a-follow-'));
    dirs.push(dir);
    const file = path.join(dir, 'nginx.log');
    fs.writeFileSync(file, '');
    const live = new IncidentEngine({ tz: 'UTC', patterns });
    const h = followLog(file, (source, lineNo, text) => lineIntakeOf(live).ingestLine(source, lineNo, text));
    handles.push(h);
    await h.ready;
    const lines = fs.readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean).map(dockerStamp);
    // Appended in pieces, some with CRLF ends, as a writer flushes them.
    for (let at = 0; at < lines.length; at += 300) fs.appendFileSync(file, lines.slice(at, at + 300).map((l, k) => `${l}${k % 7 === 0 ? '\r\n' : '\n'}`).join(''));
    await waitFor(() => live.counts().linesRead, (n) => n === lines.length, { what: 'every appended line' });
    live.finish();

    const want = plain.counts();
    // The fixture's line of binary bytes has Docker's prefix too: the shape is counted, and what it holds is binary.
    expect(want.unparsed.binary).toBe(1);
    expect(live.counts()).toMatchObject({ upstreamErrors: want.upstreamErrors, otherLines: want.otherLines, unparsed: want.unparsed, shapes: { docker: lines.length } });
    const [a] = plain.incidents();
    const [b] = live.incidents();
    expect(b!.burst.count).toBe(a!.burst.count);
    expect(b!.burst.upstreamKey).toBe(a!.burst.upstreamKey);
    // Docker's milliseconds, within nginx's second.
    expect(b!.burst.first - a!.burst.first).toBeGreaterThanOrEqual(0);
    expect(b!.burst.first - a!.burst.first).toBeLessThan(1000);
    expect(b!.burst.first % 1000).not.toBe(0);
  });
});
