/**
 * Issue 13 items 4–5: the nginx config's upstream groups → servers → containers, a peer's lone
 * refusals folded into its group's incident, and the stale-address rule (positive and negative),
 * on the recorded incidents' real events and inspect where they exist.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addConfigFacts, linkGroup, peerGroupKeys, singlePeerOf, staleAddress } from '../../src/correlate/upstreamGroups.js';
import { adviceOnly } from '../../src/fix/advice.js';
import { matchLine } from '../../src/report/format.js';
import { readContainersFile } from '../../src/sources/containersFile.js';
import { upstreamMap } from '../../src/fix/nginx/groups.js';
import { loadNginxConfig } from '../../src/fix/nginx/load.js';
import type { ContainerEvent } from '../../src/model/container.js';
import type { Burst, BurstFacts, StaleAddressFacts } from '../../src/model/incident.js';
import { decodeDockerEventLine } from '../../src/parse/dockerEvent.js';
import { failLine, REPO, runScenario, T0, tempDir } from './helpers.js';

const REC = path.join(REPO, 'fixtures/recorded');

function recordedEvents(folder: string): ContainerEvent[] {
  const out: ContainerEvent[] = [];
  for (const line of readFileSync(path.join(REC, folder, 'docker-events.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const d = decodeDockerEventLine(line);
    if (d.ok) out.push(d.event);
  }
  return out;
}

const CONF = `
http {
  upstream backend_pool {
    server 127.0.0.1:40511;
    server 127.0.0.1:40512 max_fails=3 fail_timeout=30s;
    server 127.0.0.1:40513 backup;
  }
  upstream app { server backend:3000 resolve; }
  upstream php { server unix:/run/app/app.sock; }
  server {
    location / { proxy_pass http://backend_pool; }
    location /b { proxy_pass http://backend:8080/x; }
    location /c { proxy_pass http://$host; }
  }
}
`;

describe('upstream groups from the nginx config', () => {
  it('maps each group to its servers with nginx defaults, and lists literal proxy_pass peers', () => {
    const t = tempDir();
    try {
      const map = upstreamMap(loadNginxConfig(t.file('nginx.conf', CONF)), (f) => path.basename(f));
      const pool = map.groups.find((g) => g.name === 'backend_pool')!;
      expect(pool.at).toBe('nginx.conf:3');
      expect(pool.peers).toEqual([
        { host: '127.0.0.1', port: 40511, maxFails: 1, failTimeoutMs: 10_000, backup: false, resolve: false, down: false, at: 'nginx.conf:4' },
        { host: '127.0.0.1', port: 40512, maxFails: 3, failTimeoutMs: 30_000, backup: false, resolve: false, down: false, at: 'nginx.conf:5' },
        { host: '127.0.0.1', port: 40513, maxFails: 1, failTimeoutMs: 10_000, backup: true, resolve: false, down: false, at: 'nginx.conf:6' },
      ]);
      expect(map.groups.find((g) => g.name === 'app')!.peers[0]).toMatchObject({ host: 'backend', port: 3000, resolve: true });
      expect(map.groups.find((g) => g.name === 'php')!.peers[0]).toMatchObject({ host: 'unix:/run/app/app.sock', port: null });
      // The group name is not a peer; a variable is resolved per request.
      expect(map.direct.map((p) => `${p.host}:${p.port} ${p.at}`)).toEqual(['backend:8080 nginx.conf:12']);
      expect(map.resolver).toBe(false);
      expect([...peerGroupKeys(map)]).toEqual([
        ['127.0.0.1:40511', 'backend_pool'],
        ['127.0.0.1:40512', 'backend_pool'],
        ['127.0.0.1:40513', 'backend_pool'],
      ]);
    } finally {
      t.cleanup();
    }
  });

  it("links a group's name to every peer's container (recorded replicas-restarted-together)", () => {
    const dir = path.join(REC, 'replicas-restarted-together');
    const map = upstreamMap(loadNginxConfig(path.join(dir, 'nginx.conf')));
    const link = linkGroup({ scheme: 'http', host: 'backend_pool', port: null } as never, map, readContainersFile(path.join(dir, 'inspect.json')), recordedEvents('replicas-restarted-together'));
    expect(link?.peers.map((p) => [p.peer.port, p.match?.name])).toEqual([
      [40511, 'rd-h13d-api-1'],
      [40512, 'rd-h13d-api-2'],
    ]);
    // An address, not a group name: no group link.
    expect(linkGroup({ scheme: 'http', host: '127.0.0.1', port: 40511 } as never, map, [], [])).toBeNull();
  });

  it("folds a peer's lone refusals into the group's no-live-upstreams incident; without the config they are isolated", () => {
    const map = {
      groups: [{ name: 'pool', peers: [40511, 40512].map((port) => ({ host: '127.0.0.1', port, maxFails: 1, failTimeoutMs: 10_000, backup: false, resolve: false })) }],
      direct: [],
      resolver: false,
    };
    const lines = [
      failLine(T0, { upstream: 'http://127.0.0.1:40511' }),
      failLine(T0 + 10, { upstream: 'http://127.0.0.1:40512' }),
      ...Array.from({ length: 20 }, (_, i) => failLine(T0 + 100 + i * 200, { msg: 'no live upstreams while connecting to upstream', upstream: 'http://pool' })),
    ];
    const withConf = runScenario({ lines, opts: { upstreamMap: map } });
    expect(withConf.incidents.map((i) => [i.burst.upstreamKey, i.burst.count, i.burst.kinds.refused])).toEqual([['pool', 22, 2]]);
    expect(withConf.engine.counts().isolatedErrors).toBe(0);
    const without = runScenario({ lines });
    expect(without.incidents.map((i) => [i.burst.upstreamKey, i.burst.count])).toEqual([['pool', 20]]);
    expect(without.engine.counts().isolatedErrors).toBe(2);
  });
});

describe('one server and no backup (single-peer-no-backup)', () => {
  const SINGLES = `
http {
  upstream one { server 127.0.0.1:4001; }
  upstream with_backup { server 127.0.0.1:4002; server 127.0.0.1:4102 backup; }
  upstream pair { server 127.0.0.1:4003; server 127.0.0.1:4103; }
  upstream drained { server 127.0.0.1:4004; server 127.0.0.1:4104 down; }
  upstream named { server backend:3000; }
  upstream sock { server unix:/run/app/app.sock; }
  upstream local { server localhost:4006; }
  upstream twice { server 127.0.0.1:4007; }
  upstream twice_pair { server 127.0.0.1:4007; server 127.0.0.1:4107; }
  server {
    location /a { proxy_pass http://127.0.0.1:4005; }
  }
}
`;
  const t = tempDir();
  const map = upstreamMap(loadNginxConfig(t.file('nginx.conf', SINGLES)), (f) => path.basename(f));
  t.cleanup();
  const at = (host: string, port: number | null) => singlePeerOf({ scheme: 'http', host, port } as never, map, ['rd-api-1', 'backend']);

  it('a group with one server and no backup, or a proxy_pass straight to the address: the server and where it is defined', () => {
    expect(at('127.0.0.1', 4001)).toEqual({ group: 'one', server: '127.0.0.1:4001', at: 'nginx.conf:3' });
    expect(at('127.0.0.1', 4005)).toEqual({ group: null, server: '127.0.0.1:4005', at: 'nginx.conf:13' });
    // A `down` server takes no requests: one usable peer is left.
    expect(at('127.0.0.1', 4004)).toEqual({ group: 'drained', server: '127.0.0.1:4004', at: 'nginx.conf:6' });
    expect(at('unix:/run/app/app.sock', null)).toMatchObject({ group: 'sock', server: 'unix:/run/app/app.sock' });
    // nginx logs the address it resolved: localhost as its loopback IP, a name as the container's IP.
    expect(at('127.0.0.1', 4006)).toMatchObject({ group: 'local', server: 'localhost:4006' });
    expect(at('172.26.0.10', 3000)).toMatchObject({ group: 'named', server: 'backend:3000' });
    // The group's name, as a `no live upstreams` line gives it.
    expect(at('one', null)).toMatchObject({ group: 'one' });
  });

  it('a backup, a second peer, a peer listed in a second group with two, or an address the config does not name: none', () => {
    expect(at('127.0.0.1', 4002)).toBeNull();
    expect(at('127.0.0.1', 4003)).toBeNull();
    expect(at('127.0.0.1', 4007)).toBeNull();
    expect(at('127.0.0.1', 4999)).toBeNull();
    expect(at('172.26.0.10', 8080)).toBeNull();
    // A name the matched container does not answer to is not this upstream.
    expect(singlePeerOf({ scheme: 'http', host: '172.26.0.10', port: 3000 } as never, map, ['other'])).toBeNull();
  });
});

describe('stale upstream address', () => {
  const dir = path.join(REC, 'stale-address');
  const map = upstreamMap(loadNginxConfig(path.join(dir, 'nginx.conf')));
  const containers = readContainersFile(path.join(dir, 'inspect.json'));
  const events = recordedEvents('stale-address');
  const burst = { first: Date.parse('2026-12-02T06:22:52Z'), last: Date.parse('2026-12-02T06:23:05Z') } as Burst;
  const failing = { scheme: 'http', host: '172.26.0.10', port: 3000 } as never;

  it('the failing IP is not the recreated backend\'s address any more: stale, matched to the backend, naming the new address and the IP\'s holder', () => {
    const s = staleAddress(failing, map, containers, events, burst);
    expect(s?.match).toMatchObject({ name: 'rd-h13d-backend-1', service: 'backend', method: 'config-name' });
    expect(s?.facts).toMatchObject({ configPeer: 'backend:3000', failingAddress: '172.26.0.10:3000', currentAddress: '172.26.0.3:3000', oldOwner: 'rd-h13d-worker-1' });
  });

  it('an address that is still the workload\'s current one is not stale', () => {
    expect(staleAddress({ scheme: 'http', host: '172.26.0.3', port: 3000 } as never, map, containers, events, burst)).toBeNull();
  });

  it('no recreate of the named workload before the errors: not stale', () => {
    const noRecreate = events.filter((e) => !(e.service === 'backend' && (e.action === 'create' || e.action === 'destroy')));
    const oneId = noRecreate.filter((e) => e.service !== 'backend' || e.containerId === containers.find((c) => c.service === 'backend')!.id);
    expect(staleAddress(failing, map, containers, oneId, burst)).toBeNull();
  });

  it('a name nginx re-resolves (`resolve` with a resolver) is never stale; nor is an address on another port', () => {
    const resolving = { ...map, resolver: true, groups: map.groups.map((g) => ({ ...g, peers: g.peers.map((p) => ({ ...p, resolve: true })) })) };
    expect(staleAddress(failing, resolving, containers, events, burst)).toBeNull();
    expect(staleAddress({ scheme: 'http', host: '172.26.0.10', port: 8080 } as never, map, containers, events, burst)).toBeNull();
  });
});

describe('what the report may claim for config-caused incidents', () => {
  it('no time to ready is read from the last error when the errors outlived readiness (stale address, fail_timeout)', () => {
    const lastError = (): BurstFacts => ({ timeToReady: { ms: 12_100, source: 'last-error' }, startToLastError: 12_100 }) as BurstFacts;
    const withConfig = (facts: BurstFacts, stale: StaleAddressFacts | null): BurstFacts => {
      addConfigFacts(facts, null, stale);
      return facts;
    };
    const stale = { configPeer: 'backend:3000', failingAddress: '172.26.0.10:3000', currentAddress: '172.26.0.3:3000', oldOwner: null, recreatedAt: 0 };
    expect(withConfig(lastError(), stale)).toMatchObject({ timeToReady: null, startToLastError: null, stale, readyUnknown: expect.stringContaining('stale address') });
    // A health-measured readiness stays; so does a last-error one when nothing outlived it.
    const healthy = { timeToReady: { ms: 3000, source: 'health' }, startToLastError: 9000 } as BurstFacts;
    expect(withConfig(healthy, stale)).toMatchObject({ timeToReady: { ms: 3000, source: 'health' }, stale });
    expect(withConfig(lastError(), null)).toMatchObject({ timeToReady: { ms: 12_100, source: 'last-error' }, group: null, stale: null, singlePeer: null });
  });

  it("a group's incident names its peers' containers on the container line, not \"no container linked\"", () => {
    const group = { name: 'backend_pool', peers: [{ address: '127.0.0.1:40511', container: 'api-1' }, { address: '127.0.0.1:40512', container: null }] };
    expect(matchLine({ match: null, facts: { group } } as never)).toBe("upstream group backend_pool: api-1 (127.0.0.1:40511), no container (127.0.0.1:40512), each linked through the nginx config's servers");
    expect(matchLine({ match: null, facts: { group: null } } as never)).toMatch(/^no container linked/);
  });

  it('the rolling-restart advice names the workload\'s real service and the group', () => {
    const lines = adviceOnly('rolling-restart', { service: 'api', container: null, upstreamKey: 'backend_pool', upstream: { host: 'backend_pool', port: null } } as never, {} as never, { readTimeout: null, hostLines: [] });
    expect(lines.join('\n')).toContain('replicas of api');
    expect(lines.join('\n')).toContain('live peer in backend_pool');
    expect(lines.join('\n')).toContain('order: start-first');
  });
});
