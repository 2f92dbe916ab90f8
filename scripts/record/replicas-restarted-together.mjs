/**
 * (3) Two replicas restarted together behind one upstream group: `docker restart` of both api
 * containers at once (parallel, as `docker compose restart api` does). Each app listens 3 s after
 * its start; nginx marks each peer failed after its first refusal (max_fails=1, fail_timeout=10s
 * by default), then answers `no live upstreams` until fail_timeout runs out — well after both
 * replicas are back.
 *   node scripts/record/replicas-restarted-together.mjs [OUTDIR]
 */
import * as L from './lib.mjs';

const NAME = 'replicas-restarted-together';
const APIS = ['rd-h13d-api-1', 'rd-h13d-api-2'];
const PORTS = [40511, 40512];
const NGINX_PORT = 40503;

const runApi = (i) => L.docker(
  'run', '-d', '--name', APIS[i], '--network', 'host', '--init', '--expose', String(PORTS[i]),
  ...L.composeLabels('api', i + 1),
  L.BUSYBOX_IMAGE, 'sh', '-c', `sleep 3; exec httpd -f -p ${PORTS[i]} -h /www`,
);

const compose = L.composeFile(`  api:
    image: ${L.BUSYBOX_IMAGE}
    network_mode: host
    init: true
    deploy: { replicas: 2 }
    # replica 1 listens on ${PORTS[0]}, replica 2 on ${PORTS[1]} (PORT from the container number)
    command: ["sh", "-c", "sleep 3; exec httpd -f -p $$PORT -h /www"]
`, { more: '. Two replicas of api, each on\n# its own host port (host networking), both in nginx\'s upstream backend_pool' });

await L.recordHostIncident({
  name: NAME, containers: APIS, nginxPort: NGINX_PORT, upstream: 'backend_pool', servers: PORTS.map((p) => `127.0.0.1:${p}`), compose,
  async start() {
    await Promise.all([runApi(0), runApi(1)]);
    for (const p of PORTS) await L.waitHealthy(`http://127.0.0.1:${p}/health`);
  },
  trafficNote: 'both replicas healthy; traffic starts (20 req/s, GET/POST)',
  async incident(stamp) {
    await L.sleep(4000);
    stamp(`docker restart ${APIS[0]} & docker restart ${APIS[1]} (in parallel)`);
    await Promise.all(APIS.map((a) => L.docker('restart', a)));
    stamp('both docker restart calls returned');
    for (const p of PORTS) await L.waitHealthy(`http://127.0.0.1:${p}/health`);
    stamp('both replicas answer /health directly');
    await L.waitHealthy(`http://127.0.0.1:${NGINX_PORT}/api/ping`, 20_000);
    stamp('nginx serves /api/ again (fail_timeout over; a probe client polled GET /api/ping every 100 ms until it got 200)');
  },
  setByHand: [L.labelsByHand()],
  conclude: (s) => {
    const a = s.all;
    return {
      description: `Recorded for real: both replicas of api (${APIS.join(', ')}, 127.0.0.1:${PORTS.join(' and :')}) restarted at the same moment with docker restart; each listens 3 s after its start. nginx's upstream backend_pool (two servers, default max_fails=1 fail_timeout=10s) logs connect() refused on each peer, then "no live upstreams" for backend_pool until fail_timeout expires, seconds after both replicas were ready. One incident: the whole group restarted at once; the fail_timeout prolonged it. errors/first/last span every failure line of the incident (both peers and the group).`,
      incidents: [{
        pattern: 'all-peers-restarted', primary: 'all-peers-restarted', contributing: ['fail-timeout-prolonged'],
        workload: 'rd-h13d/api', incarnation: 'restarted', upstream: 'backend_pool', container: null,
        errors: a.errors, notRetried: a.notRetried, writes: a.writes, first: a.first, last: a.last,
      }],
    };
  },
});
