import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONCLUSIONS, concludeChecklist, type ConclusionFacts } from '../../src/checklist/conclusion.js';
import { classifyExit, dockerChecks, healthcheckUrl, oomEventOfRun, parseDockerTime } from '../../src/checklist/dockerState.js';
import { formatChecklist, sanitize } from '../../src/checklist/format.js';
import type { HttpProbeResult } from '../../src/checklist/httpProbe.js';
import { isProbeAllowed, upstreamKey } from '../../src/checklist/probeSafety.js';
import { containerPortFor, resolveHealthPath } from '../../src/checklist/runChecklist.js';
import type { ContainerEvent } from '../../src/model/container.js';
import type { ChecklistResult } from '../../src/model/incident.js';
import { decodeInspectFile } from '../../src/parse/containerInspect.js';

const inspect = (name: string) => decodeInspectFile(JSON.parse(readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8')), name);
const [healthy, crashed] = inspect('inspect-host-healthy-and-exited.json');
const [bridge] = inspect('inspect-bridge-published.json');
const [sigkill, oom] = inspect('inspect-sigkill-vs-oom.json');
const [noneHc, loop] = inspect('inspect-nohealthcheck-and-restarting.json');

const http = (over: Partial<HttpProbeResult>): HttpProbeResult => ({
  url: 'http://127.0.0.1:3000/health',
  status: null,
  ok: false,
  latencyMs: 1,
  connectMs: null,
  code: 'ECONNREFUSED',
  errno: 111,
  bodySnippet: '',
  meaning: '',
  ...over,
});
const facts = (over: Partial<ConclusionFacts>): ConclusionFacts => ({
  info: null,
  dockerFailure: null,
  http: http({}),
  hostListening: false,
  containerListening: null,
  ready: null,
  nowMs: Date.parse('2026-11-25T11:50:00Z'),
  ...over,
});

describe('exit classification on real captures', () => {
  it('tells the stop-timeout SIGKILL (137, OOMKilled=false) from the OOM kill (137, OOMKilled=true)', () => {
    expect(classifyExit(sigkill!).cause).toBe('sigkill');
    expect(classifyExit(sigkill!).sentence).toMatch(/not by memory/);
    expect(classifyExit(oom!).cause).toBe('oom');
    expect(classifyExit(crashed!).cause).toBe('error');
    expect(classifyExit(healthy!).cause).toBe('none');
  });

  it('derives the Docker checks with evidence and meaning', () => {
    const byId = (info: typeof healthy) => Object.fromEntries(dockerChecks(info!, Date.parse('2026-11-25T11:50:00Z')).map((c) => [c.id, c]));
    const ok = byId(healthy);
    expect(Object.values(ok).map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(ok['docker-state']!.evidence).toContain('compose shop/backend');
    expect(ok['docker-health']!.evidence).toContain('State.Health.Status=healthy');
    const none = byId(noneHc);
    expect(none['healthcheck-defined']).toMatchObject({ status: 'fail', meaning: 'no healthcheck: Docker and compose cannot hold traffic until the app is ready' });
    expect(none['docker-health']!.status).toBe('unknown');
    expect(byId(loop)['docker-state']!.status).toBe('fail');
    expect(byId(loop)['docker-restarts']).toMatchObject({ status: 'fail', evidence: 'rd-chk-capture-loop: RestartCount=2 RestartPolicy=always' });
    expect(byId(oom)['docker-exit']).toMatchObject({ status: 'fail', evidence: expect.stringContaining('OOMKilled=true') });
    expect(byId(sigkill)['docker-exit']!.meaning).toMatch(/stop timeout because the app ignored SIGTERM/);
  });

  it('finds the URL a healthcheck fetches', () => {
    expect(healthcheckUrl(healthy!.healthcheck)).toEqual({ url: 'http://127.0.0.1:39290/health', host: '127.0.0.1', port: 39290, path: '/health' });
    expect(healthcheckUrl({ ...healthy!.healthcheck!, test: ['CMD', 'curl', '-f', 'http://localhost:8080/ready?deep=1'] })?.path).toBe('/ready?deep=1');
    expect(healthcheckUrl({ ...healthy!.healthcheck!, test: ['CMD-SHELL', 'pg_isready'] })).toBeNull();
    expect(resolveHealthPath(null, healthy!)).toBe('/health');
    expect(resolveHealthPath('live', healthy!)).toBe('/live');
    expect(resolveHealthPath(null, null)).toBe('/health');
    expect(containerPortFor(bridge!, 39291)).toBe(8080);
    expect(containerPortFor(healthy!, 39290)).toBe(39290);
    expect(parseDockerTime('2026-11-25T11:49:34.193632231Z')).toBe(Date.parse('2026-11-25T11:49:34.193Z'));
    expect(parseDockerTime(null)).toBeNull();
  });
});

describe('concludeChecklist', () => {
  it('picks the container-state conclusions first', () => {
    expect(concludeChecklist(facts({ info: loop! }))).toBe(CONCLUSIONS.crashLoop);
    expect(concludeChecklist(facts({ info: oom! }))).toBe(CONCLUSIONS.oom);
    expect(concludeChecklist(facts({ info: sigkill! }))).toBe(CONCLUSIONS.stopTimeoutKill);
    expect(concludeChecklist(facts({ info: crashed! }))).toBe(CONCLUSIONS.crash);
  });

  it('running container: transient, unhealthy, restart race or stuck', () => {
    const ok = http({ status: 200, ok: true, code: null, errno: null });
    expect(concludeChecklist(facts({ info: healthy!, http: ok }))).toBe(CONCLUSIONS.healthyTransient);
    expect(concludeChecklist(facts({ info: healthy!, http: http({ status: 503, code: null }), hostListening: true }))).toBe(CONCLUSIONS.listeningUnhealthy);
    // Started 26 s before "now": booting.
    expect(concludeChecklist(facts({ info: healthy!, containerListening: false }))).toBe(CONCLUSIONS.restartRace);
    // Same container an hour later, still nothing listening: not a race.
    expect(concludeChecklist(facts({ info: healthy!, containerListening: false, nowMs: Date.parse('2026-11-25T12:50:00Z') }))).toBe(CONCLUSIONS.notListening);
    // docker-proxy holds the published host port (host listening, reset) while the app is not listening yet.
    expect(concludeChecklist(facts({ info: bridge!, hostListening: true, containerListening: false, http: http({ code: 'ECONNRESET', errno: 104 }), nowMs: Date.parse('2026-11-25T11:50:30Z') }))).toBe(CONCLUSIONS.restartRace);
  });

  it('watched it come up: restart race', () => {
    const ready = { startMs: 0, listeningAt: 4000, healthyAt: 4100, timeToListenMs: 4000, timeToHealthyMs: 4100, sawNotListening: true, timedOut: false, polls: 21, lastHealthDetail: null };
    expect(concludeChecklist(facts({ info: healthy!, http: http({ status: 200, ok: true, code: null }), ready }))).toBe(CONCLUSIONS.restartRace);
  });

  it('no container: backend down, unreachable, or Docker unknown', () => {
    expect(concludeChecklist(facts({}))).toBe(CONCLUSIONS.backendDown);
    expect(concludeChecklist(facts({ http: http({ code: 'EHOSTUNREACH', errno: 113 }), hostListening: null }))).toBe(CONCLUSIONS.unreachable);
    expect(concludeChecklist(facts({ dockerFailure: 'permission-denied' }))).toBe(CONCLUSIONS.dockerUnknown);
    expect(concludeChecklist(facts({ dockerFailure: 'no-such-container' }))).toBe(CONCLUSIONS.noSuchContainer);
  });
});

describe('formatChecklist', () => {
  const result: ChecklistResult = {
    target: { host: '127.0.0.1', port: 3000, container: 'backend' },
    ranAt: 0,
    checks: [
      { id: 'http-health', title: '', status: 'pass', evidence: 'GET http://127.0.0.1:3000/health → 200 in 3 ms', meaning: 'the app answers', durationMs: 3 },
      { id: 'healthcheck-defined', title: '', status: 'fail', evidence: 'backend: Config.Healthcheck none', meaning: 'no healthcheck', durationMs: 0 },
      { id: 'docker-health', title: '', status: 'unknown', evidence: 'out\u001b[31mred\nline2', meaning: 'n/a', durationMs: 0 },
    ],
    conclusion: 'healthy now: transient',
    timeToListenMs: 4012,
    timeToHealthyMs: 4105,
  };

  it('prints one plain line per check, the times and the conclusion', () => {
    expect(formatChecklist(result)).toEqual([
      'check 127.0.0.1:3000 (container backend)',
      '✔ pass  http-health          GET http://127.0.0.1:3000/health → 200 in 3 ms — the app answers',
      '! warn  healthcheck-defined  backend: Config.Healthcheck none — no healthcheck', // a warning, not a failure (conclusion.ts)
      // The whole escape sequence is removed (util/sanitize.ts), not just its ESC byte.
      '? unkn  docker-health        outred ⏎ line2 — n/a',
      'time to ready: start→listening 4012 ms, start→healthy 4105 ms',
      'conclusion: healthy now: transient',
    ]);
  });

  it('has an ASCII form', () => {
    const lines = formatChecklist(result, { ascii: true });
    expect(lines[1]).toBe('[pass]  http-health          GET http://127.0.0.1:3000/health -> 200 in 3 ms -- the app answers');
    expect(lines[3]).toBe('[ ?? ]  docker-health        outred | line2 -- n/a');
    expect(lines.join('')).toMatch(/^[\x20-\x7e]*$/);
    // A C1 CSI sequence goes whole; a lone control becomes a visible placeholder.
    expect(sanitize('a\u009b31mb')).toBe('ab');
    expect(sanitize('a\u0007b')).toBe('a\uFFFDb');
  });
});

describe('isProbeAllowed', () => {
  const containers = [healthy!, bridge!];
  const upstreams = new Set(['127.0.0.1:3000', '[::1]:4000', 'http://backend:8080/api']);
  const allowed = { upstreams, containers, localAddresses: ['192.0.2.2', '127.0.0.1', '::1'] };

  it('allows the upstreams nginx names', () => {
    expect(isProbeAllowed('127.0.0.1', 3000, allowed)).toBe(true);
    expect(isProbeAllowed('::1', 4000, allowed)).toBe(true);
    expect(isProbeAllowed('[::1]', 4000, allowed)).toBe(true);
    expect(isProbeAllowed('BACKEND', 8080, allowed)).toBe(true);
    expect(isProbeAllowed('127.0.0.1', 3001, allowed)).toBe(false);
    expect(upstreamKey('::ffff:127.0.0.1', 1)).toBe('127.0.0.1:1');
  });

  it('allows container IPs, published ports and named ports of host-network containers', () => {
    expect(isProbeAllowed('172.17.0.2', 8080, allowed)).toBe(true); // the bridge container's IP
    expect(isProbeAllowed('127.0.0.1', 39291, allowed)).toBe(true); // published on 127.0.0.1
    expect(isProbeAllowed('192.0.2.2', 39291, allowed)).toBe(false); // published on loopback only
    expect(isProbeAllowed('127.0.0.1', 39290, allowed)).toBe(true); // host network, named by -p 39290
    expect(isProbeAllowed('::1', 39290, allowed)).toBe(true);
    expect(isProbeAllowed('127.0.0.1', 3929, allowed)).toBe(false); // not a whole-token match
    expect(isProbeAllowed('192.0.2.2', 39290, allowed)).toBe(false);
  });

  it('refuses everything else: foreign hosts, bad ports, empty hosts', () => {
    expect(isProbeAllowed('169.254.169.254', 80, allowed)).toBe(false);
    expect(isProbeAllowed('evil.example', 3000, allowed)).toBe(false);
    expect(isProbeAllowed('127.0.0.1', 0, allowed)).toBe(false);
    expect(isProbeAllowed('127.0.0.1', 70000, allowed)).toBe(false);
    expect(isProbeAllowed('', 3000, allowed)).toBe(false);
    expect(isProbeAllowed('127.0.0.1', 3000, { upstreams: new Set(), containers: [] })).toBe(false);
  });
});

describe('an OOM kill that inspect does not flag (OOMKilled=false, the daemon sent `oom`)', () => {
  // The real OOM-killed container of the fixture as inspect sometimes shows it: exit 137, OOMKilled false.
  const unflagged = { ...oom!, oomKilled: false };
  const event = (over: Partial<ContainerEvent>): ContainerEvent => ({
    time: Date.parse('2026-11-25T11:49:49.630Z'),
    action: 'oom',
    health: null,
    containerId: oom!.id,
    name: oom!.name,
    image: null,
    exitCode: null,
    signal: null,
    service: null,
    project: null,
    attributes: {},
    ...over,
  });

  it('inspect false + the oom event of that run → an OOM kill, saying the event decided', () => {
    const e = oomEventOfRun(unflagged, [event({ action: 'die', exitCode: 137 }), event({})]);
    expect(e?.action).toBe('oom');
    expect(classifyExit(unflagged, e).cause).toBe('oom');
    expect(classifyExit(unflagged, e).sentence).toMatch(/OOM killer.*the daemon's oom event at 2026-11-25T11:49:49\.630Z, though State\.OOMKilled=false/);
    expect(concludeChecklist(facts({ info: unflagged, oomEvent: e }))).toBe(CONCLUSIONS.oom);
    const exit = dockerChecks(unflagged, Date.parse('2026-11-25T11:50:00Z'), 0, e).find((c) => c.id === 'docker-exit')!;
    expect(exit).toMatchObject({ status: 'fail', evidence: expect.stringContaining('OOMKilled=false oom event=2026-11-25T11:49:49.630Z') });
    // Inspect's own flag, when it is there, is what is named.
    expect(classifyExit(oom!).sentence).toMatch(/State\.OOMKilled=true/);
  });

  it('contrast: without the event it is the stop-timeout SIGKILL reading', () => {
    expect(classifyExit(unflagged).cause).toBe('sigkill');
    expect(concludeChecklist(facts({ info: unflagged }))).toBe(CONCLUSIONS.stopTimeoutKill);
  });

  it('an oom event of another container, or of an earlier run of this one, does not count', () => {
    expect(oomEventOfRun(unflagged, [event({ containerId: sigkill!.id })])).toBeNull();
    expect(oomEventOfRun(unflagged, [event({ time: Date.parse('2026-11-25T11:49:40Z') })])).toBeNull(); // before StartedAt
    expect(oomEventOfRun(unflagged, [event({ time: Date.parse('2026-11-25T11:49:52Z') })])).toBeNull(); // after the exit
  });
});
