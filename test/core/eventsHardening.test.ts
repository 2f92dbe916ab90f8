/**
 * Docker events that must not change the answer, through the built CLI on real files: the
 * restart-race fixture's events file repeated, drowned in other containers' events, with a
 * hostile line in it, or with a hole in the recording. The diagnosis (pattern, container,
 * confidence) is compared with the file as recorded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../support/cli.js';

const FIX = path.join(REPO, 'fixtures/incidents/restart-race');
const LINES = readFileSync(path.join(FIX, 'docker-events.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
/** The incident: errors 03:12:41 → 03:12:47 UTC; the backend's kill at 03:12:40.6. */
const INCIDENT_MS = Date.UTC(2024, 0, 15, 3, 12, 41);
const dir = mkdtempSync(path.join(tmpdir(), 'rd-events-hardening-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Verdict {
  pattern: string;
  container: string | null;
  confidence: number;
  label: string;
}

async function diagnoseWith(name: string, lines: string[]): Promise<{ verdicts: Verdict[]; report: any }> {
  const file = path.join(dir, `${name}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  const r = await runCli(['--log', path.join(FIX, 'error.log'), '--events', file, '--containers', path.join(FIX, 'inspect.json'), '--tz', 'UTC', '--json'], { timeoutMs: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(1);
  const report = JSON.parse(r.stdout);
  const verdicts = report.incidents.map((i: any) => ({ pattern: i.diagnosis.patternId, container: i.match?.name ?? null, confidence: i.diagnosis.confidence, label: i.diagnosis.confidenceLabel }));
  return { verdicts, report };
}

/** A lifecycle event of another container, as `docker events --format '{{json .}}'` writes it. */
function otherEvent(container: number, ms: number, action: string): string {
  const id = container.toString(16).padStart(64, 'c');
  const attrs: Record<string, string> = { image: 'worker:1', name: `batch-worker-${container}`, 'com.docker.compose.project': 'batch', 'com.docker.compose.service': 'worker' };
  if (action === 'die') attrs['exitCode'] = '0';
  const ns = BigInt(ms) * 1_000_000n + BigInt(container);
  return JSON.stringify({ status: action, id, from: 'worker:1', Type: 'container', Action: action, Actor: { ID: id, Attributes: attrs }, scope: 'local', time: Math.floor(ms / 1000), timeNano: Number(ns) });
}

let baseline: Verdict[];
beforeAll(async () => {
  baseline = (await diagnoseWith('once', LINES)).verdicts;
  expect(baseline).toEqual([{ pattern: 'restart-race', container: 'shop-backend-1', confidence: 0.9, label: 'high' }]);
}, 60_000);

describe('Docker events that cannot change the answer', () => {
  it('every event repeated three times (a stream captured three times) gives the diagnosis of once', async () => {
    const { verdicts, report } = await diagnoseWith('thrice', LINES.flatMap((l) => [l, l, l]));
    expect(verdicts).toEqual(baseline);
    expect(report.counters.duplicateEvents).toBe(2 * report.counters.dockerEvents);
  });

  it('70,000 other containers\' events around the incident\'s in the file (all later in time) give the same diagnosis', async () => {
    // 20 batch containers start and stop every 50 ms in the hour after the incident: more than
    // the old single list of 50,000 kept (it dropped the oldest, the incident's), all newer.
    const noise: string[] = [];
    for (let k = 0; k < 70_000; k++) noise.push(otherEvent(k % 20, INCIDENT_MS + 600_000 + k * 50, k % 40 < 20 ? 'start' : 'die'));
    const { verdicts, report } = await diagnoseWith('noisy', [...noise.slice(0, 30_000), ...LINES, ...noise.slice(30_000)]);
    expect(verdicts).toEqual(baseline);
    expect(report.counters.droppedEvents).toBeGreaterThan(0); // bounded: the batch containers gave up their oldest
    expect(report.incidents[0].facts.events.map((e: any) => e.action)).toEqual(['kill', 'die', 'stop', 'start', 'restart']);
  }, 60_000);

  it('an event nested 100,000 levels deep and one of 300 KB are counted invalid by reason; the rest is diagnosed', async () => {
    // Nested where a real event has its labels (Actor.Attributes), with a valid id and time.
    const nestedEvent = (value: string) => `{"Type":"container","Action":"die","Actor":{"ID":"${'e'.repeat(64)}","Attributes":{"name":"x","deep":${value}}},"time":1705288361}`;
    const deep = nestedEvent('['.repeat(100_000) + ']'.repeat(100_000));
    const deepObject = nestedEvent('{"a":'.repeat(40_000) + '1' + '}'.repeat(40_000)); // 200 KB: under the size cap
    const big = JSON.stringify({ Type: 'container', Action: 'start', Actor: { ID: 'f'.repeat(64), Attributes: { name: 'x', pad: 'y'.repeat(300_000) } }, time: 1705288361 });
    const { verdicts, report } = await diagnoseWith('hostile', [deep, ...LINES.slice(0, 3), deepObject, big, ...LINES.slice(3)]);
    expect(verdicts).toEqual(baseline);
    expect(report.counters.invalidEventReasons).toEqual({ 'too-deep': 2, 'too-large': 1 });
    expect(report.counters.invalidEvents).toBe(3);
  }, 60_000);

  it('events whose time is not a Docker time (ms in time, seconds in timeNano, 1e16) are counted invalid by reason, used nowhere, and never crash', async () => {
    const lifecycle = (l: string) => /"Action":"(kill|die|stop|start|restart)"/.test(l);
    // Every lifecycle event's timeNano holds seconds: before, they landed in 1970 and the burst read as covered.
    const nanoSeconds = LINES.map((l) => (lifecycle(l) ? l.replace(/"timeNano":\d+/, (_m) => `"timeNano":${JSON.parse(l).time}`) : l));
    const crash = '{"Type":"container","Action":"start","Actor":{"ID":"9d4f"},"time":1e16}';
    const { verdicts, report } = await diagnoseWith('bad-times', [crash, ...nanoSeconds]);
    expect(report.counters.dockerEvents).toBe(0);
    expect(report.counters.invalidEvents).toBe(6);
    expect(report.counters.invalidEventReasons).toEqual({ 'implausible-time': 6 });
    // No event is usable: the restart comes from docker inspect alone, and the report says why.
    expect(report.incidents[0].coverage).toMatchObject({ eventsFrom: null, eventsCoverBurst: false, source: 'inspect' });
    expect(report.incidents[0].diagnosis.reasons[0]).toContain('no usable Docker events for this burst (03:12:41; 6 Docker events could not be placed in time (not a Docker time))');
    expect(verdicts[0]).toMatchObject({ container: 'shop-backend-1' });

    const text = await runCli(['--log', path.join(FIX, 'error.log'), '--events', path.join(dir, 'bad-times.jsonl'), '--tz', 'UTC'], { timeoutMs: 60_000 });
    expect(text.stderr).toBe('');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      '0 container lifecycle events used, 56 other events ignored (exec, network, image…), 6 invalid (6 implausible-time; time must be Unix seconds and timeNano Unix nanoseconds, within 2000–2100 and agreeing to the second)',
    );
    // Without inspect nothing says why: not a confident restart story.
    expect(text.stdout).toContain('no Docker evidence says why');
    expect(text.stdout).toContain('6 Docker events could not be placed in time (not a Docker time): any of them may concern this burst');
  }, 60_000);

  it('a hole in the recording during the incident is said in its reasons and lowers its confidence', async () => {
    const from = new Date(INCIDENT_MS - 5_000).toISOString();
    const to = new Date(INCIDENT_MS + 20_000).toISOString();
    const { verdicts, report } = await diagnoseWith('gap', [...LINES, JSON.stringify({ restartdoctor: 'events-gap', from, to })]);
    expect(verdicts[0]).toMatchObject({ pattern: 'restart-race', container: 'shop-backend-1' });
    expect(verdicts[0]!.confidence).toBeLessThan(baseline[0]!.confidence);
    expect(verdicts[0]!.label).not.toBe('high');
    const reasons = report.incidents[0].diagnosis.reasons.join('\n');
    expect(reasons).toContain('Docker events were unavailable from 2024-01-15 03:12:36 UTC to 2024-01-15 03:13:01 UTC');
    expect(reasons).toContain('what happened to the container then is unknown');
    expect(report.counters.invalidEvents).toBe(0);
  });

  it('a hole well away from the incident changes nothing', async () => {
    const from = new Date(INCIDENT_MS - 3_600_000).toISOString();
    const to = new Date(INCIDENT_MS - 3_000_000).toISOString();
    const { verdicts, report } = await diagnoseWith('far-gap', [...LINES, JSON.stringify({ restartdoctor: 'events-gap', from, to })]);
    expect(verdicts).toEqual(baseline);
    expect(report.notes.join('\n')).toContain('Docker events were unavailable from 2024-01-15 02:12:41 UTC');
  });
});
