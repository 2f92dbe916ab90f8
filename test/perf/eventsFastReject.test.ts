/**
 * The events-file fast reject (isIgnoredEventLine) must only ever skip lines that the full path
 * (JSON.parse + decodeDockerEvent) counts as ignored, and analyze() must count the same.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../bench/gen.js';
import { loadPatterns } from '../../src/diagnose/loadPatterns.js';
import { IncidentEngine } from '../../src/engine/incidentEngine.js';
import { feedEventsFile } from '../../src/session/analyze.js';
import { decodeDockerEventLine, isIgnoredEventLine } from '../../src/parse/dockerEvent.js';

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
});
