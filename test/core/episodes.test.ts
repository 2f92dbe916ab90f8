/**
 * Workloads, episodes and phase attribution from hand-made event sequences: DOMAIN.md's real
 * Docker sequences (docker restart, policy restart, docker stop, OOM, rm -f, recreate).
 */
import { describe, expect, it } from 'vitest';
import type { ContainerEvent } from '../../src/model/container.js';
import { buildEpisodes } from '../../src/correlate/episodes.js';
import { ErrorTimeline } from '../../src/correlate/errorTimeline.js';
import { attributePhases, withReadiness } from '../../src/correlate/phases.js';
import { buildWorkload, normaliseContainerName, withoutSupersededIncarnations, workloadKey } from '../../src/correlate/workload.js';

const T = Date.UTC(2026, 0, 1, 12, 0, 0);
const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);

function ev(s: number, action: ContainerEvent['action'], extra: Partial<ContainerEvent> = {}): ContainerEvent {
  return {
    time: T + s * 1000,
    action,
    health: null,
    containerId: OLD,
    name: 'shop-api-1',
    image: 'shop/api:1',
    exitCode: null,
    signal: null,
    service: 'api',
    project: 'shop',
    attributes: {},
    ...extra,
  };
}
const kill = (s: number, signal: string, x: Partial<ContainerEvent> = {}) => ev(s, 'kill', { signal, ...x });
const die = (s: number, exitCode: number, x: Partial<ContainerEvent> = {}) => ev(s, 'die', { exitCode, ...x });

/** Errors at these whole seconds (nginx's resolution), `n` each. */
function timeline(seconds: number[], n = 1) {
  const t = new ErrorTimeline();
  for (const s of seconds) for (let i = 0; i < n; i++) t.add(T + s * 1000);
  return t.toData();
}

describe('workload keys', () => {
  it('compose project/service, else the name without what an orchestrator or a recreate adds', () => {
    expect(workloadKey({ name: 'shop-api-1', project: 'shop', service: 'api' })).toBe('shop/api');
    expect(workloadKey({ name: 'web.1.abcdefghijklmnopqrstuvwxy', project: null, service: null })).toBe('web');
    expect(workloadKey({ name: 'web-7d9c5b-x2kq', project: null, service: null })).toBe('web');
    expect(workloadKey({ name: 'k8s_app_web-7d9c5b-x2kq_default_0f0e_0', project: null, service: null })).toBe('app');
    expect(normaliseContainerName('3f2a1b4c5d6e_shop-api-1')).toBe('shop-api-1');
    expect(workloadKey({ name: 'my-app', project: null, service: null })).toBe('my-app');
    expect(workloadKey({ name: 'db-2', project: null, service: null })).toBe('db-2');
  });

  it('a recreate is one workload with two incarnations; a restart is one incarnation', () => {
    const recreate = [kill(0, '15'), die(1, 0), ev(1.1, 'stop'), ev(1.2, 'destroy', { name: `${OLD.slice(0, 12)}_shop-api-1` }), ev(1.3, 'create', { containerId: NEW }), ev(1.4, 'start', { containerId: NEW })];
    const w = buildWorkload({ name: 'shop-api-1', project: 'shop', service: 'api' }, recreate);
    expect(w.key).toBe('shop/api');
    expect(w.recreated).toBe(true);
    expect(w.incarnations.map((i) => [i.containerId, i.name])).toEqual([[OLD, 'shop-api-1'], [NEW, 'shop-api-1']]);
    const restart = [kill(0, '15'), die(1, 0), ev(1.1, 'stop'), ev(1.4, 'start'), ev(1.5, 'restart')];
    expect(buildWorkload({ name: 'shop-api-1', project: 'shop', service: 'api' }, restart).recreated).toBe(false);
  });

  it('replicas without a container number (labelled by hand, plain docker run) restarted together are not a recreate; rm -f + run --name is', () => {
    // Seen for real: two replicas of one compose service, started without com.docker.compose.container-number.
    const one = { name: 'shop-api-1' };
    const two = { name: 'shop-api-2', containerId: NEW };
    const together = [kill(0, '15', one), kill(0, '15', two), die(1, 0, one), die(1, 0, two), ev(1.2, 'start', one), ev(1.2, 'start', two)];
    expect(buildWorkload({ name: 'shop-api-1', project: 'shop', service: 'api' }, together).recreated).toBe(false);
    const plain = together.map((e) => ({ ...e, project: null, service: null, name: e.name.replace('shop-', '') }));
    expect(buildWorkload({ name: 'api-1', project: null, service: null }, plain).recreated).toBe(false);
    const rmRun = [kill(0, '9', { name: 'api' }), die(0.1, 137, { name: 'api' }), ev(0.2, 'destroy', { name: 'api' }), ev(1, 'create', { name: 'api', containerId: NEW }), ev(1.1, 'start', { name: 'api', containerId: NEW })].map((e) => ({ ...e, project: null, service: null }));
    expect(buildWorkload({ name: 'api', project: null, service: null }, rmRun).recreated).toBe(true);
  });
});

describe('episodes: each exit classified on its own', () => {
  it('docker restart = kill 15 → kill 9 → die 137 → stop → start → restart: a stop-timeout kill, SIGTERM ignored 10 s', () => {
    const [e, ...rest] = buildEpisodes([kill(0, '15'), kill(10, '9'), die(10.1, 137), ev(10.2, 'stop'), ev(10.7, 'start'), ev(10.7, 'restart')]);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ exitKind: 'stop-timeout-kill', sigtermIgnoredMs: 10_000, stopCause: 'docker-restart', startCause: 'docker-restart', signals: ['15', '9'], exitCode: 137 });
  });

  it('policy restart = die → start: a crash, started by the restart policy', () => {
    const [e] = buildEpisodes([die(0, 1), ev(0.5, 'start')]);
    expect(e).toMatchObject({ exitKind: 'crash', exitCode: 1, stopCause: 'none', startCause: 'restart-policy', stopRequestedAt: null });
  });

  it('docker stop = kill 15 → die 0 → stop, no start: deliberate, down', () => {
    const [e] = buildEpisodes([kill(0, '15'), die(0.3, 0), ev(0.4, 'stop')]);
    expect(e).toMatchObject({ exitKind: 'deliberate', stopCause: 'docker-stop', startAt: null });
  });

  it('OOM = oom → die 137 (not a stop timeout), then the policy start', () => {
    const [e] = buildEpisodes([ev(0, 'oom'), die(0.1, 137), ev(0.6, 'start')]);
    expect(e).toMatchObject({ exitKind: 'oom', stopCause: 'oom', startCause: 'restart-policy' });
  });

  it('OOMKilled in the snapshot marks only the last die 137 of that container', () => {
    const eps = buildEpisodes([die(0, 137), ev(1, 'start'), die(5, 137), ev(6, 'start')], {
      containers: [{ id: OLD, oomKilled: true } as never],
    });
    expect(eps.map((e) => e.exitKind)).toEqual(['crash', 'oom']);
  });

  it('rm -f = kill 9 → die 137 → destroy; recreate then crash loop: one deliberate exit, then crashes', () => {
    const eps = buildEpisodes([
      kill(0, '9'),
      die(0.1, 137),
      ev(0.2, 'destroy'),
      ev(1, 'create', { containerId: NEW }),
      ev(1.1, 'start', { containerId: NEW }),
      die(2, 1, { containerId: NEW }),
      ev(3, 'start', { containerId: NEW }),
      die(4, 1, { containerId: NEW }),
      ev(5, 'start', { containerId: NEW }),
      die(6, 1, { containerId: NEW }),
    ]);
    expect(eps.map((e) => [e.exitKind, e.stopCause, e.startCause])).toEqual([
      ['deliberate', 'docker-rm', 'recreate'],
      ['crash', 'none', 'restart-policy'],
      ['crash', 'none', 'restart-policy'],
      ['crash', 'none', null],
    ]);
  });

  it('a fresh start (create → start) and its health_status healthy make an episode with only start and ready', () => {
    const [e] = buildEpisodes([ev(0, 'create'), ev(0.1, 'start'), ev(7, 'health_status', { health: 'healthy' })]);
    expect(e).toMatchObject({ startCause: 'fresh', exitAt: null, readySource: 'health', readyAt: T + 7000 });
  });
});

describe('phase attribution', () => {
  const restartIgnoringTerm = [kill(0, '15'), kill(10, '9'), die(10.2, 137), ev(10.3, 'stop'), ev(10.8, 'start'), ev(10.8, 'restart')];

  it('SIGTERM ignored, app served during the grace: the 111s fall in down/starting, none while stopping', () => {
    const eps = withReadiness(buildEpisodes(restartIgnoringTerm), { lastErrorAt: T + 13_000 });
    expect(eps[0]).toMatchObject({ readySource: 'last-error', readyAt: T + 13_000 });
    expect(attributePhases(timeline([10, 11, 12, 13], 5), eps)).toEqual({ stopping: 0, down: 5, starting: 15, afterReady: 0, outside: 0 });
  });

  it('the reverse: an app that closes its listener on SIGTERM but does not exit fails during the grace period', () => {
    const eps = withReadiness(buildEpisodes(restartIgnoringTerm), { lastErrorAt: T + 11_000 });
    expect(attributePhases(timeline([1, 2, 3, 4, 5, 6, 7, 8, 9, 11], 3), eps)).toEqual({ stopping: 27, down: 0, starting: 3, afterReady: 0, outside: 0 });
  });

  it('errors after health_status healthy are after ready; errors before any episode are outside', () => {
    const eps = withReadiness(buildEpisodes([kill(0, '15'), die(0.2, 0), ev(0.3, 'stop'), ev(0.6, 'start'), ev(0.6, 'restart'), ev(3, 'health_status', { health: 'healthy' })]), { lastErrorAt: T + 8000 });
    expect(attributePhases(timeline([-30, 1, 2, 5, 8]), eps)).toEqual({ stopping: 0, down: 0, starting: 2, afterReady: 2, outside: 1 });
  });

  it('the probe measure is the readiness of the last episode when the events have none', () => {
    const eps = withReadiness(buildEpisodes([die(0, 1), ev(1, 'start')]), { lastErrorAt: T + 9000, probeTimeToListenMs: 2000 });
    expect(eps[0]).toMatchObject({ readySource: 'probe', readyAt: T + 3000 });
    expect(attributePhases(timeline([0, 1, 2, 4, 9]), eps)).toMatchObject({ down: 1, starting: 2, afterReady: 2 });
  });

  it('a day-long burst stays bounded: buckets widen, counts are kept', () => {
    const t = new ErrorTimeline();
    for (let s = 0; s < 86_400; s += 7) t.add(T + s * 1000);
    const d = t.toData();
    expect(d.starts.length).toBeLessThanOrEqual(128);
    expect(d.counts.length).toBe(d.starts.length);
    expect(d.counts.reduce((s, c) => s + c, 0)).toBe(Math.ceil(86_400 / 7));
  });
});

describe('the container panel speaks of workloads', () => {
  it('a recreate (compose renames the old container) is one row, marked recreated, keyed by the workload', async () => {
    const { IncidentEngine } = await import('../../src/engine/incidentEngine.js');
    const { loadPatterns } = await import('../../src/diagnose/loadPatterns.js');
    const engine = new IncidentEngine({ tz: 'UTC', patterns: loadPatterns() });
    const raw = (e: ContainerEvent) => ({
      Type: 'container',
      Action: e.action,
      Actor: { ID: e.containerId, Attributes: { name: e.name, image: 'shop/api:1', 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api', 'com.docker.compose.container-number': '1', ...(e.signal ? { signal: e.signal } : {}), ...(e.exitCode !== null ? { exitCode: String(e.exitCode) } : {}) } },
      time: Math.floor(e.time / 1000),
      timeNano: e.time * 1e6,
    });
    const renamed = `${OLD.slice(0, 12)}_shop-api-1`;
    for (const e of [kill(0, '15'), die(1, 0), ev(1.1, 'stop'), ev(1.2, 'destroy', { name: renamed }), ev(1.3, 'create', { containerId: NEW }), ev(1.4, 'start', { containerId: NEW })]) engine.ingestEvent(raw(e));
    const views = engine.containerViews();
    expect(views.map((v) => [v.name, v.workload, v.recreated === true])).toEqual([['shop-api-1', 'shop/api', true]]);
  });
});

describe('withoutSupersededIncarnations', () => {
  const old = [kill(-30, '9'), die(-29.9, 137), ev(-29.8, 'destroy')];
  const fresh = [ev(-28, 'create', { containerId: NEW }), ev(-27.8, 'start', { containerId: NEW })];
  const restart = [kill(0, '15', { containerId: NEW }), die(0.2, 143, { containerId: NEW }), ev(0.3, 'stop', { containerId: NEW }), ev(0.5, 'start', { containerId: NEW })];

  it('drops the old container\'s events once a newer one of the same slot started and was stopped before the errors', () => {
    const kept = withoutSupersededIncarnations([...old, ...fresh, ...restart], T);
    expect(kept.every((e) => e.containerId === NEW)).toBe(true);
    expect(kept).toHaveLength(fresh.length + restart.length);
  });

  it('keeps them while the newer one has not been stopped before the burst (a recreate that causes it)', () => {
    expect(withoutSupersededIncarnations([...old, ...fresh], T)).toHaveLength(old.length + fresh.length);
    // Stopped only after the errors began (beyond nginx's one-second stamp): still this burst's recreate.
    const late = restart.map((e) => ({ ...e, time: e.time + 5000 }));
    expect(withoutSupersededIncarnations([...old, ...fresh, ...late], T)).toHaveLength(old.length + fresh.length + late.length);
  });

  it('another workload or replica slot is left alone', () => {
    const other = old.map((e) => ({ ...e, name: 'shop-worker-1', service: 'worker' }));
    expect(withoutSupersededIncarnations([...other, ...fresh, ...restart], T)).toHaveLength(other.length + fresh.length + restart.length);
  });
});
