/**
 * (5) A restart behind a published port: the app runs on the user-defined bridge rd-h13d-pub
 * (172.27.0.0/24) with `-p 127.0.0.1:40541:3000`; a host nginx proxies to 127.0.0.1:40541, i.e. to
 * docker-proxy. `docker restart` with an app that listens 3 s after start: docker-proxy accepts
 * nginx's connections while the app is not listening and closes them, so nginx mostly logs
 * resets / `upstream prematurely closed connection`, not 111.
 *   node scripts/record/published-port-restart.mjs [OUTDIR]
 */
import * as L from './lib.mjs';

const NAME = 'published-port-restart';
const NET = 'rd-h13d-pub';
const SUBNET = '172.27.0.0/24';
const WEB = 'rd-h13d-web-1';
const NGINX_PORT = 40505;
const PUB_PORT = 40541;

const compose = L.composeFile(`  web:
    image: ${L.BUSYBOX_IMAGE}
    init: true
    ports: ["127.0.0.1:${PUB_PORT}:3000"]
    command: ["sh", "-c", "sleep 3; exec httpd -f -p 3000 -h /www"]
networks:
  default:
    name: ${NET}
    ipam: { config: [{ subnet: ${SUBNET} }] }
`, { more: ', the network created by hand' });

await L.recordHostIncident({
  name: NAME, containers: [WEB], networks: [NET], nginxPort: NGINX_PORT, servers: [`127.0.0.1:${PUB_PORT}`], compose,
  async start() {
    await L.docker('network', 'create', '--subnet', SUBNET, NET);
    await L.docker('run', '-d', '--name', WEB, '--network', NET, '-p', `127.0.0.1:${PUB_PORT}:3000`, '--init',
      ...L.composeLabels('web'), L.BUSYBOX_IMAGE, 'sh', '-c', 'sleep 3; exec httpd -f -p 3000 -h /www');
    await L.waitHealthy(`http://127.0.0.1:${PUB_PORT}/health`);
  },
  trafficNote: 'web healthy behind docker-proxy 127.0.0.1:40541; traffic starts (20 req/s, GET/POST)',
  async incident(stamp) {
    await L.sleep(4000);
    stamp(`docker restart ${WEB}`);
    await L.docker('restart', WEB);
    stamp('docker restart returned (container started; app listens 3 s later)');
    await L.waitHealthy(`http://127.0.0.1:${PUB_PORT}/health`);
    stamp('web answers /health through the published port');
  },
  setByHand: [L.labelsByHand('docker run', ' and the network (docker network create)')],
  conclude: (s) => ({
    description: `Recorded for real: ${WEB} (project rd-h13d, service web) on the bridge ${NET} publishes 3000 as 127.0.0.1:${PUB_PORT}; a host nginx proxies to that published port (docker-proxy). docker restart with an app that listens 3 s after start: while the app is down docker-proxy accepts nginx's connections and drops them, so nginx logs mostly resets / premature closes (${JSON.stringify(s.kinds)}). Primary cause: the restart race; the published port explains why the errors are not 111s.`,
    incidents: s.bursts.map((b) => ({
      pattern: 'restart-race', primary: 'restart-race', contributing: ['published-port-proxy', 'single-peer-no-backup'],
      workload: 'rd-h13d/web', incarnation: 'restarted', upstream: b.upstream, container: WEB,
      errors: b.errors, notRetried: b.notRetried, writes: b.writes, first: b.first, last: b.last,
    })),
  }),
});
