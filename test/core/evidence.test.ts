/**
 * Evidence discipline (issue 13 item 8): one number for one quantity in every part of a report,
 * and error words from the kinds actually seen.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportedPhases } from '../../src/diagnose/findings.js';
import { runCli } from '../support/cli.js';
import { INCIDENTS_ROOT } from '../support/fixtureFolders.js';

function args(name: string, json: boolean): string[] {
  const d = path.join(INCIDENTS_ROOT, name);
  const { tz } = JSON.parse(readFileSync(path.join(d, 'expected.json'), 'utf8')) as { tz: string };
  return ['--log', path.join(d, 'error.log'), '--events', path.join(d, 'docker-events.jsonl'), '--containers', path.join(d, 'inspect.json'), '--tz', tz, ...(json ? ['--json'] : [])];
}

describe('one number for the time to ready', () => {
  it('slow start with a healthcheck: summary, why, timeline, explanation and fix advice say the same start → ready', async () => {
    const text = (await runCli(args('slow-startup', false))).stdout;
    const report = JSON.parse((await runCli(args('slow-startup', true))).stdout) as { incidents: any[] };
    const i = report.incidents[0];
    const ms = i.facts.startToHealthy as number;
    const said = `${(ms / 1000).toFixed(1)} s`;
    expect(i.diagnosis.summary).toContain(`took ${said} to get ready`);
    expect(i.diagnosis.reasons.join('\n')).toContain(`ready ${said} later (health_status healthy)`);
    expect(text).toMatch(new RegExp(`health: healthy +shop-search-1 +ready ${said.replace('.', '\\.')} after start`));
    // Every duration next to "ready" in the text report is that one number.
    const readyNumbers = [...text.matchAll(/ready[^.\n]*?(\d+(?:\.\d)?) ?s\b/g)].map((m) => Number(m[1]));
    expect(readyNumbers.length).toBeGreaterThanOrEqual(4);
    expect(new Set(readyNumbers)).toEqual(new Set([Number(said.split(' ')[0])]));
    expect(text).toContain('(start event → health_status healthy)');
  });
});

describe('error words from the kinds seen', () => {
  it('a restart behind docker-proxy (resets, premature closes): the explanation names those kinds, never "every connect() failed"', async () => {
    const report = JSON.parse((await runCli(args('berlin-restart-race', true))).stdout) as { incidents: any[] };
    const d = report.incidents[0].diagnosis;
    expect(d.patternId).toBe('restart-race');
    expect(d.explanation).not.toMatch(/every connect\(\) failed/);
    expect(d.explanation).toMatch(/connection reset \(104\)|upstream prematurely closed/);
    expect(d.contributing.map((c: { id: string }) => c.id)).toContain('published-port-proxy');
  });
});

describe('a measured time to ready is the one number', () => {
  it('once the checklist measured start → listening, summary, why, timeline and fix sizing all say that measure', async () => {
    const { runScenario, seq, BACKEND, T0, failLines, inspect } = await import('./helpers.js');
    const { fixInputFor } = await import('../../src/session/enrich.js');
    const { incidentTimeline } = await import('../../src/report/timeline.js');
    const lines = Array.from({ length: 22 }, (_, i) => failLines(T0 + 200 + i * 250, 1, 0)[0]!);
    const { engine, incidents } = runScenario({ events: seq.dockerRestart(BACKEND, T0), lines, containers: inspect({ c: BACKEND, ip: '172.18.0.5', expose: [3000] }) });
    expect(incidents).toHaveLength(1);
    const before = incidents[0]!;
    expect(before.diagnosis.patternId).toBe('restart-race');
    engine.attachChecklist(before.id, { target: { host: '172.18.0.5', port: 3000, container: BACKEND.name }, ranAt: T0 + 9000, checks: [], conclusion: 'app listening', timeToListenMs: 7300, timeToHealthyMs: null });
    const [i] = engine.incidents();
    expect(i!.facts.timeToReady).toEqual({ ms: 7300, source: 'probe' });
    expect(i!.diagnosis.summary).toContain('ready 7.3 s after start');
    expect(i!.diagnosis.reasons.join('\n')).toContain('ready 7.3 s later (measured by the checklist)');
    expect(incidentTimeline(i!).map((r) => r.detail).join('\n')).toContain('ready 7.3 s after start (measured by the checklist)');
    expect(fixInputFor(i!, { nginxConf: null, compose: null, k8s: [], systemd: null, healthPath: null })).toMatchObject({ timeToReadyMs: 7300, timeToReadySource: 'checklist' });
  });
});

describe('the timeline of a recreate', () => {
  it('shows the old container going (its destroy under the compose rename) and the new one starting', async () => {
    const { RECORDED_ROOT } = await import('../support/fixtureFolders.js');
    const d = path.join(RECORDED_ROOT, 'compose-recreate');
    const text = (await runCli(['--log', path.join(d, 'error.log'), '--events', path.join(d, 'docker-events.jsonl'), '--containers', path.join(d, 'inspect.json'), '--tz', 'UTC'])).stdout;
    const timeline = text.slice(text.indexOf('  timeline'), text.indexOf('  why'));
    expect(timeline).toMatch(/destroy +[0-9a-f]{12}_rd-h13d-api-1/);
    expect(timeline).toMatch(/create +rd-h13d-api-1/);
    expect(text).toMatch(/workload +rd-h13d\/api — recreated \(new container: [0-9a-f]{12} → [0-9a-f]{12}\)/);
  });
});

describe('no readiness claimed where nothing timed it', () => {
  const recorded = (name: string, json: boolean): string[] => {
    const d = path.join(INCIDENTS_ROOT, '..', 'recorded', name);
    return ['--log', path.join(d, 'error.log'), '--events', path.join(d, 'docker-events.jsonl'), '--containers', path.join(d, 'inspect.json'), '--nginx-conf', path.join(d, 'nginx.conf'), '--tz', 'UTC', ...(json ? ['--json'] : [])];
  };

  it('a stale address: errors outlive the start for a config reason, so "starting" is only "after start" and the report says why', async () => {
    const text = (await runCli(recorded('stale-address', false))).stdout;
    const d = (JSON.parse((await runCli(recorded('stale-address', true))).stdout) as { incidents: any[] }).incidents[0].diagnosis;
    expect(d.patternId).toBe('stale-address');
    expect(d.readyUnknown).toMatch(/stale address/);
    const line = text.split('\n').find((l) => l.includes('errors by phase'))!;
    expect(line).toMatch(/after start \d+/);
    expect(line).not.toMatch(/\bstarting \d|after ready/);
    expect(line).toContain('when it was ready is unknown');
  });

  it('the JSON says what the text says: the errors after the start are afterStart, starting and after ready unknown', async () => {
    const text = (await runCli(recorded('stale-address', false))).stdout;
    const i = (JSON.parse((await runCli(recorded('stale-address', true))).stdout) as { incidents: any[] }).incidents[0];
    const d = i.diagnosis;
    const [, down, afterStart] = /down (\d+) · after start (\d+)/.exec(text)!.map(Number);
    expect(d.primary.phase).toBe('afterStart');
    expect(d.phases).toEqual({ stopping: 0, down, starting: null, afterReady: null, afterStart, outside: 0 });
    expect(down! + afterStart!).toBe(i.burst.count);
    // The facts too: no phase "starting" and no episode "ready" at its last error.
    expect(i.facts.phases).toEqual(d.phases);
    expect(i.facts.dominantPhase).toBe('afterStart');
    expect(i.facts.timeToReady).toBeNull();
    expect(i.facts.episodes.map((e: any) => [e.readyAt, e.readySource])).toEqual(i.facts.episodes.map(() => [null, null]));
    expect(JSON.stringify(i)).not.toMatch(/:"starting"|"last-error"/);
  });

  it('errors after the start merged: the phase holding most is afterStart when the two together outnumber the rest', () => {
    const facts = { phases: { stopping: 1, down: 10, starting: 6, afterReady: 6, outside: 0 }, dominantPhase: 'down' as const, readyUnknown: 'its errors outlived the start because …' };
    expect(reportedPhases(facts)).toEqual({ phases: { stopping: 1, down: 10, starting: null, afterReady: null, afterStart: 12, outside: 0 }, dominant: 'afterStart' });
    expect(reportedPhases({ ...facts, phases: { ...facts.phases, afterReady: 4 } }).dominant).toBe('down');
    expect(reportedPhases({ ...facts, readyUnknown: undefined })).toEqual({ phases: facts.phases, dominant: 'down' });
  });

  it('a restart race whose last error marks readiness keeps the five phases', async () => {
    const d = (JSON.parse((await runCli(args('restart-race', true))).stdout) as { incidents: any[] }).incidents[0].diagnosis;
    expect(d.readyUnknown).toBeUndefined();
    expect(d.primary.phase).toBe('starting');
    expect(Object.keys(d.phases)).toEqual(['stopping', 'down', 'starting', 'afterReady', 'outside']);
    expect((await runCli(args('restart-race', false))).stdout).toMatch(/errors by phase +stopping \d+ · down \d+ · starting \d+ · after ready \d+ · outside \d+\n/);
  });
});
