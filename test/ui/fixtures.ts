/**
 * Engine snapshots built by hand: one incident of a restart race on `api`, one still open on
 * `worker`, real-shaped containers and sources. Fixed times in UTC so frames are stable.
 */
import type { ContainerEvent } from '../../src/model/container.js';
import type { Burst, ContainerView, Incident } from '../../src/model/incident.js';
import type { EngineSnapshot } from '../../src/model/snapshot.js';

export const T0 = Date.UTC(2024, 0, 15, 3, 12, 40); // 03:12:40 UTC

export function event(action: ContainerEvent['action'], at: number, extra: Partial<ContainerEvent> = {}): ContainerEvent {
  return {
    time: T0 + at,
    action,
    health: null,
    containerId: 'c0ffee',
    name: 'api',
    image: 'shop/api:1.4',
    exitCode: null,
    signal: null,
    service: 'api',
    project: 'shop',
    attributes: {},
    ...extra,
  };
}

export function burst(id: string, over: Partial<Burst> = {}): Burst {
  return {
    id,
    upstreamKey: '127.0.0.1:3000',
    upstream: { url: 'http://127.0.0.1:3000/api/orders', scheme: 'http', host: '127.0.0.1', port: 3000, path: '/api/orders' },
    first: T0 + 1200,
    last: T0 + 7400,
    count: 142,
    kinds: { refused: 142 },
    errnos: new Map([[111, 142]]),
    methods: { GET: 120, POST: 22 },
    writes: 22,
    notRetried: 22,
    servers: ['shop.example'],
    hosts: ['shop.example'],
    clients: 3,
    rate: 22.9,
    evidence: [
      {
        source: '/var/log/nginx/error.log',
        line: 1042,
        time: T0 + 1200,
        raw: '2024/01/15 03:12:41 [error] 31#31: *881 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.7, server: shop.example, request: "POST /api/orders HTTP/1.1", upstream: "http://127.0.0.1:3000/api/orders", host: "shop.example"',
      },
    ],
    closed: true,
    ...over,
  };
}

export function incident(id: string, b: Burst, over: Partial<Incident> = {}): Incident {
  const events = [
    event('kill', 0, { signal: '15' }),
    event('die', 900, { exitCode: 143 }),
    event('stop', 950),
    event('start', 1100),
    event('restart', 1150),
    event('health_status', 7600, { health: 'healthy' }),
  ];
  return {
    id,
    burst: b,
    match: {
      name: 'api',
      containerIds: ['c0ffee'],
      service: 'api',
      project: 'shop',
      method: 'host-network-port',
      explanation: 'api runs on the host network and its healthcheck names port 3000.',
      strength: 0.9,
    },
    facts: {
      totalErrors: b.count,
      kindShare: { refused: 1 },
      dominantKind: 'refused',
      containerMatched: true,
      events,
      starts: 1,
      dies: 1,
      restartEvents: 1,
      deliberate: true,
      stopTimeoutKill: false,
      oom: false,
      exitCodes: [143],
      firstDieToFirstError: 300,
      startToLastError: 6300,
      startToHealthy: 6500,
      freshStart: false,
      startAfterFailure: true,
      crashExit: false,
      finalState: 'running',
      finalHealth: 'healthy',
      healthcheckDefined: true,
      durationMs: b.last - b.first,
    },
    diagnosis: {
      patternId: 'restart-race',
      title: 'Restart race: nginx sent traffic before the app listened',
      summary: 'api was restarted; for 6.3 s after its start nothing listened on port 3000.',
      confidence: 0.86,
      confidenceLabel: 'high',
      reasons: ['all 142 errors are 111: Connection refused', 'a start 1.1 s after the first error'],
      explanation: 'A single-peer upstream has nowhere to retry.',
      fixIds: ['nginx-backup-peer', 'compose-healthcheck'],
    },
    checklist: {
      target: { host: '127.0.0.1', port: 3000, container: 'api' },
      ranAt: T0 + 9000,
      checks: [
        { id: 'http-health', title: 'HTTP health', status: 'pass', evidence: 'GET /health → 200 in 3 ms', meaning: 'the app answers now', durationMs: 3 },
        { id: 'healthcheck-defined', title: 'Healthcheck defined', status: 'fail', evidence: 'none in image or compose', meaning: 'compose cannot wait', durationMs: 0 },
      ],
      conclusion: 'the app is up now; the errors were a start-up window',
      timeToListenMs: 6200,
      timeToHealthyMs: null,
    },
    fix: {
      fixIds: ['nginx-backup-peer'],
      advice: ['Add a second peer or a backup so nginx can retry during a restart.'],
      files: [
        {
          path: '/etc/nginx/conf.d/shop.conf',
          displayPath: '/etc/nginx/conf.d/shop.conf',
          kind: 'nginx',
          diff: '--- a/etc/nginx/conf.d/shop.conf\n+++ b/etc/nginx/conf.d/shop.conf\n@@ -1,3 +1,4 @@\n upstream api {\n     server 127.0.0.1:3000;\n+    server 127.0.0.1:3001 backup;\n }\n',
          notes: [],
        },
      ],
      warnings: [],
    },
    ...over,
  };
}

export function containerView(name: string, over: Partial<ContainerView> = {}): ContainerView {
  return { name, info: null, lastEvent: null, state: 'running', health: 'healthy', restarts: 0, lastExitCode: null, ...over };
}

export function snapshot(over: Partial<EngineSnapshot> = {}): EngineSnapshot {
  const first = incident('b1', burst('b1'));
  const openBurst = burst('b2', {
    upstreamKey: '127.0.0.1:4000',
    upstream: { url: 'http://127.0.0.1:4000/jobs', scheme: 'http', host: '127.0.0.1', port: 4000, path: '/jobs' },
    first: T0 + 20_000,
    last: T0 + 24_000,
    count: 12,
    kinds: { timeout: 12 },
    closed: false,
    evidence: [
      {
        source: '/var/log/nginx/error.log',
        line: 2001,
        time: T0 + 20_000,
        raw: '2024/01/15 03:13:00 [error] 31#31: *990 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.9, server: shop.example, request: "GET /jobs HTTP/1.1", upstream: "http://127.0.0.1:4000/jobs", host: "shop.example"',
      },
    ],
  });
  const second = incident('b2', openBurst, {
    match: null,
    diagnosis: { ...first.diagnosis, patternId: 'unknown', title: 'Upstream timeouts', confidence: 0.3, confidenceLabel: 'low' },
    checklist: null,
    fix: null,
  });
  const perSecond = Array.from({ length: 60 }, (_, i) => (i >= 50 && i < 57 ? 20 + i - 50 : 0));
  return {
    now: T0 + 25_000,
    tz: 'UTC',
    counters: { linesRead: 12_345, otherLines: 100, upstreamErrors: 154, unparsed: {}, outsideWindow: 0, dockerEvents: 58, ignoredEvents: 3, invalidEvents: 0 },
    sources: [
      { id: '/var/log/nginx/error.log', kind: 'log', label: '/var/log/nginx/error.log', state: 'ok', detail: null, itemsRead: 12_345, lagMs: null },
      { id: 'docker', kind: 'docker', label: 'docker /var/run/docker.sock', state: 'ok', detail: null, itemsRead: 58, lagMs: 300 },
    ],
    upstreams: [
      { key: '127.0.0.1:3000', upstream: first.burst.upstream, total: 142, kinds: { refused: 142 }, perSecond, lastErrorAt: T0 + 7400, container: 'api' },
      { key: '127.0.0.1:4000', upstream: openBurst.upstream, total: 12, kinds: { timeout: 12 }, perSecond: perSecond.map(() => 0).map((v, i) => (i > 55 ? 3 : v)), lastErrorAt: T0 + 24_000, container: null },
    ],
    containers: [
      containerView('api', { restarts: 1, lastExitCode: 143, lastEvent: event('health_status', 7600, { health: 'healthy' }) }),
      containerView('worker', { state: 'exited', health: null, lastExitCode: 137, restarts: 4 }),
      containerView('db'),
    ],
    incidents: [first, second],
    openBursts: [openBurst],
    ...over,
  };
}
