/**
 * The events-file fast reject (isIgnoredEventLine) must only ever skip lines that the full path
 * (JSON.parse + decodeDockerEvent) counts as ignored, and analyze() must count the same.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../bench/gen.js';
import { loadPatterns } from '../../src/diagnose/loadPatterns.js';
import { IncidentEngine } from '../../src/engine/incidentEngine.js';
import { feedEventsFile } from '../../src/session/analyze.js';
import { decodeDockerEventLine } from '../../src/parse/dockerEvent.js';
import { isIgnoredEventLine } from '../../src/parse/dockerEventLine.js';
import type { InvalidEventReason } from '../../src/model/snapshot.js';
import { EventsFileSteps, eventsFileIsLines, readEventsEarly, type EventSink } from '../../src/sources/eventsFile.js';

const ID = 'a'.repeat(64);
const attrs = (extra: string) => `"Attributes":{${extra}"image":"shop/api:1","name":"shop-api-1"}`;
const ODD_EVENTS = [
  `{"status":"start","id":"${ID}","from":"x","Type":"container","Action":"start","Actor":{"ID":"${ID}",${attrs('"Action":"exec_create: label","Type":"network",')}},"scope":"local","time":1710028800,"timeNano":1710028800000000000}`,
  `{"Type":"container","Action":"exec_start: sh","Actor":{"ID":"${ID}",${attrs('')}},"scope":"local","time":1710028800,"timeNano":1710028800000000000}`,
  `{"Type":"container","Action":"exec_die","Actor":{"ID":"${ID}",${attrs('')}},"time":1710028800,"timeNano":1710028800000000000`,
  `{"Type":"network","Action":"connect","Actor":{"ID":"n1","Attributes":{"container":"${ID}","name":"bridge"}},"scope":"local","time":1710028801,"timeNano":1710028801000000000}`,
  `{"Type":"network","Action":"","Actor":{"ID":"n1"},"time":1710028801,"timeNano":1710028801000000000}`,
  `{"Type":"","Action":"connect","Actor":{"ID":"n1"},"time":1710028801,"timeNano":1710028801000000000}`,
  `{"Type":"container","Action":"exec_create: x","Type":"container","Action":"die","Actor":{"ID":"${ID}"},"time":1710028802}`,
  `{"Type":"contain\\"er","Action":"exec_create: x","Actor":{"ID":"${ID}"},"time":1710028802}`,
  `{"Type":"container","Action":"health_status: healthy","Actor":{"ID":"${ID}",${attrs('')}},"time":1710028803,"timeNano":1710028803000000000}`,
  `{"Type":"image","Action":"pull","Actor":{"ID":"nginx:latest","Attributes":{"name":"nginx"}},"time":1710028804,"timeNano":"1710028804000000000"}`,
  `{"Type":"container","Action":"exec_create: x","Actor":{"ID":"${ID}"},"time":"late","timeNano":1}`,
  `not json`,
];

let dir: string;
let events: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rd-events-'));
  events = generate(dir, 2_000_000, 3).events;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('events fast reject', () => {
  it('skips only lines the full decoder ignores, and most of a generated stream', () => {
    const lines = [...readFileSync(events, 'utf8').split('\n').filter((l) => l.trim() !== ''), ...ODD_EVENTS];
    let rejected = 0;
    for (const line of lines) {
      if (!isIgnoredEventLine(line.trim())) continue;
      rejected++;
      const d = decodeDockerEventLine(line);
      expect(d.ok === false && d.ignored, line).toBe(true);
    }
    expect(rejected / lines.length).toBeGreaterThan(0.9);
    // A lifecycle event whose labels are named Action/Type, truncated lines, repeated or escaped keys: full path.
    for (const i of [0, 2, 4, 5, 6, 7, 8, 10, 11]) expect(isIgnoredEventLine(ODD_EVENTS[i]!), ODD_EVENTS[i]).toBe(false);
    for (const i of [1, 3, 9]) expect(isIgnoredEventLine(ODD_EVENTS[i]!), ODD_EVENTS[i]).toBe(true);
  });

  it('feedEventsFile counts exactly what JSON.parse + ingestEvent count', async () => {
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(file, `${readFileSync(events, 'utf8')}\n${ODD_EVENTS.join('\n')}\n`);
    const fast = new IncidentEngine({ tz: 'UTC', patterns: loadPatterns() });
    await feedEventsFile(file, fast);
    const slow = new IncidentEngine({ tz: 'UTC', patterns: loadPatterns() });
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const t = line.trim();
      if (t === '') continue;
      let raw: unknown;
      try {
        raw = JSON.parse(t);
      } catch {
        slow.countInvalidEvent();
        continue;
      }
      slow.ingestEvent(raw);
    }
    expect(fast.counts()).toEqual(slow.counts());
    expect(fast.containerViews()).toEqual(slow.containerViews());
  });

  it('feedEventsFile reads a file of several read chunks (1 MB each) line for line', async () => {
    // The repeats put chunk ends inside lines at several offsets: a line split or lost there
    // would be counted as an invalid event, or not at all.
    const text = `${readFileSync(events, 'utf8').trimEnd()}\n`;
    const file = join(dir, 'long.jsonl');
    const repeats = Math.ceil((3.5 * 1024 * 1024) / text.length);
    writeFileSync(file, text.repeat(repeats));
    const engine = new IncidentEngine({ tz: 'UTC', patterns: loadPatterns() });
    await feedEventsFile(file, engine);
    const lines = text.split('\n').filter((l) => l.trim() !== '').length * repeats;
    const c = engine.counts();
    expect(c.invalidEvents).toBe(0);
    expect(c.dockerEvents + c.ignoredEvents + c.duplicateEvents).toBe(lines);
  });

  it('EventsFileSteps, a chunk at a time, and a read begun early then taken over, give what streaming the file gives', async () => {
    // Several 1 MB steps with chunk ends inside lines, CRLF, blank lines, a line over the 1 MB line
    // bound, odd and invalid events, and no newline at the end.
    const text = `${readFileSync(events, 'utf8').trimEnd()}\n`;
    const file = join(dir, 'steps.jsonl');
    const odd = ODD_EVENTS.map((l, i) => (i % 2 ? `${l}\r` : l)).join('\n');
    writeFileSync(file, `${text.repeat(Math.ceil((4.5 * 1024 * 1024) / text.length))}\n\n${odd}\n{"x":"${'y'.repeat(1100 * 1024)}"}\n${'['.repeat(40)}\n${ODD_EVENTS[1]}`);
    // Streamed (feedEventsFile with nothing begun early), the reference.
    const byFile = recorder();
    await feedEventsFile(file, byFile);
    expect(byFile.calls.filter((c) => c[0] === 'invalid').length).toBeGreaterThan(3);
    expect(byFile.calls[0]![0]).toBe('from');
    const bySteps = recorder();
    const steps = new EventsFileSteps(file, bySteps);
    let n = 0;
    while (steps.step()) n++;
    expect(n).toBeGreaterThan(4);
    expect(steps.step()).toBe(false);
    expect(bySteps.calls).toEqual(byFile.calls);
    // Begun while nothing could take the events (the installed command's wait for its reader
    // thread), stopped after two turns, then taken over: what it held (counts first), then the rest.
    for (const turns of [0, 2, 1000]) {
      const byEarly = recorder();
      await readEventsEarly(file, afterTurns(turns));
      await feedEventsFile(file, byEarly);
      expect(summary(byEarly.calls)).toEqual(summary(byFile.calls));
    }
    // Begun for another file: dropped, and this one is read whole.
    const other = recorder();
    await readEventsEarly(events, afterTurns(2));
    await feedEventsFile(file, other);
    expect(other.calls).toEqual(byFile.calls);
  });

  it('a read begun early holds at most ~10,000 event objects (one step past the bound), and the rest is read when taken over', async () => {
    // Lifecycle events only (a real file is mostly healthcheck exec_* events, counted and not held).
    const id = (k: number) => k.toString(16).padStart(64, '0');
    const line = (k: number) => `{"status":"${k % 2 ? 'start' : 'die'}","id":"${id(k)}","from":"shop/api:1","Type":"container","Action":"${k % 2 ? 'start' : 'die'}","Actor":{"ID":"${id(k)}","Attributes":{"image":"shop/api:1","name":"api-${k}"}},"scope":"local","time":${1710028800 + k},"timeNano":${1710028800 + k}000000000}`;
    const file = join(dir, 'lifecycle.jsonl');
    writeFileSync(file, Array.from({ length: 30_000 }, (_, k) => line(k)).join('\n') + '\n');
    const byFile = recorder();
    await feedEventsFile(file, byFile);
    const { eventsHeld } = await readEventsEarly(file, afterTurns(1000));
    expect(eventsHeld).toBeGreaterThanOrEqual(10_000);
    expect(eventsHeld).toBeLessThan(10_000 + 3_000);
    const early = recorder();
    await feedEventsFile(file, early);
    expect(summary(early.calls)).toEqual(summary(byFile.calls));
    expect(early.calls.filter((c) => c[0] === 'event')).toHaveLength(30_000);
  });

  it('a read begun early of a file it cannot read as lines leaves it to feedEventsFile, which says what it says without one', async () => {
    const missing = join(dir, 'missing.jsonl');
    await readEventsEarly(missing, afterTurns(2));
    await expect(feedEventsFile(missing, recorder())).rejects.toThrow(`${missing}: no such file`);
    const array = join(dir, 'early-array.json');
    writeFileSync(array, `[${ODD_EVENTS[3]}, ${ODD_EVENTS[8]}]`);
    await readEventsEarly(array, afterTurns(2));
    const got = recorder();
    await feedEventsFile(array, got);
    expect(summary(got.calls)).toMatchObject({ ignored: 0, events: [['event', expect.anything()], ['event', expect.anything()]] });
  });

  it('a read begun early of a gzipped events file leaves it to feedEventsFile, which decompresses it', async () => {
    const gz = join(dir, 'events.jsonl.gz');
    writeFileSync(gz, gzipSync(readFileSync(events)));
    expect(eventsFileIsLines(gz)).toBe(false);
    const plain = recorder();
    await feedEventsFile(events, plain);
    const { eventsHeld } = await readEventsEarly(gz, afterTurns(1000));
    expect(eventsHeld).toBe(0);
    const got = recorder();
    await feedEventsFile(gz, got);
    expect(summary(got.calls)).toEqual(summary(plain.calls));
    expect(got.calls.some((c) => c[0] === 'invalid')).toBe(false);
  });

  it('eventsFileIsLines: a regular file of JSON lines only (an array, a FIFO, a folder or a missing file are read by feedEventsFile)', () => {
    writeFileSync(join(dir, 'array.json'), '  \n [{"Type":"container"}]');
    mkdirSync(join(dir, 'folder'), { recursive: true });
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(eventsFileIsLines(events)).toBe(true);
    expect(eventsFileIsLines(join(dir, 'array.json'))).toBe(false);
    expect(eventsFileIsLines(join(dir, 'fifo'))).toBe(false);
    expect(eventsFileIsLines(join(dir, 'folder'))).toBe(false);
    expect(eventsFileIsLines(join(dir, 'missing.jsonl'))).toBe(false);
  });
});

type Call = ['from', number] | ['ignored'] | ['invalid', InvalidEventReason | undefined] | ['event', unknown];

/** An EventSink that records what it is given, in order. */
function recorder(): EventSink & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    ingestEvent: (raw) => void calls.push(['event', raw]),
    countIgnoredEvent: () => void calls.push(['ignored']),
    countInvalidEvent: (reason) => void calls.push(['invalid', reason]),
    noteEventsFrom: (from) => void calls.push(['from', from]),
  };
}

/** The calls' events and invalid reasons in order, the rest counted. */
function summary(calls: Call[]): unknown {
  return {
    from: calls.filter((c) => c[0] === 'from'),
    ignored: calls.filter((c) => c[0] === 'ignored').length,
    invalid: calls.filter((c) => c[0] === 'invalid'),
    events: calls.filter((c) => c[0] === 'event'),
  };
}

/** Settles after `turns` turns of the event loop (setImmediate): a read begun early gets that many steps. */
function afterTurns(turns: number): Promise<void> {
  return new Promise((resolve) => {
    const turn = (left: number) => (left <= 0 ? resolve() : setImmediate(() => turn(left - 1)));
    turn(turns);
  });
}
