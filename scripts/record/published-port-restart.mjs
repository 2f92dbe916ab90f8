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

const compose = `# What the recording's docker commands amount to (no compose plugin on the recording machine:
# the com.docker.compose.* labels were set with docker run --label, the network created by hand).
name: rd-h13d
services:
  web:
    image: ${L.BUSYBOX_IMAGE}
    init: true
    ports: ["127.0.0.1:${PUB_PORT}:3000"]
    command: ["sh", "-c", "sleep 3; exec httpd -f -p 3000 -h /www"]
networks:
  default:
    name: ${NET}
    ipam: { config: [{ subnet: ${SUBNET} }] }
`;

await L.main(NAME, [WEB], [NET], async () => {
  await L.ensureBusyboxImage();
  const prefix = L.freshPrefix(NAME);
  const conf = L.hostConf(prefix, { port: NGINX_PORT, servers: [`127.0.0.1:${PUB_PORT}`] });
  const timeline = [];
  const start = Date.now();
  const stamp = (w) => L.stamp(timeline, start, w);
  await L.docker('network', 'create', '--subnet', SUBNET, NET);
  await L.docker('run', '-d', '--name', WEB, '--network', NET, '-p', `127.0.0.1:${PUB_PORT}:3000`, '--init',
    ...L.composeLabels('web'), L.BUSYBOX_IMAGE, 'sh', '-c', 'sleep 3; exec httpd -f -p 3000 -h /www');
  await L.waitHealthy(`http://127.0.0.1:${PUB_PORT}/health`);
  const nginx = await L.startHostNginx(prefix, conf, `http://127.0.0.1:${NGINX_PORT}/nginx-health`);
  try {
    const since = L.unixNow();
    stamp('web healthy behind docker-proxy 127.0.0.1:40541; traffic starts (20 req/s, GET/POST)');
    const traffic = L.startTraffic({ base: `http://127.0.0.1:${NGINX_PORT}`, rate: 20 });
    await L.sleep(4000);
    stamp(`docker restart ${WEB}`);
    await L.docker('restart', WEB);
    stamp('docker restart returned (container started; app listens 3 s later)');
    await L.waitHealthy(`http://127.0.0.1:${PUB_PORT}/health`);
    stamp('web answers /health through the published port');
    await L.sleep(10_000);
    const stats = await traffic.stop();
    stamp(`traffic stopped: ${JSON.stringify(stats)}`);
    await nginx.stop();
    await L.finish({
      name: NAME, outDir: L.outDirFor(NAME), since, prefixes: ['rd-h13d-'], containers: [WEB],
      errorLog: L.readText(nginx.errorLog), nginxConf: conf, compose, timeline, traffic: stats,
      extraFiles: { 'access.log': L.readText(nginx.accessLog) },
      setByHand: ['com.docker.compose.* labels (docker run --label; no compose plugin installed) and the network (docker network create)'],
      conclude: (s) => ({
        description: `Recorded for real: ${WEB} (project rd-h13d, service web) on the bridge ${NET} publishes 3000 as 127.0.0.1:${PUB_PORT}; a host nginx proxies to that published port (docker-proxy). docker restart with an app that listens 3 s after start: while the app is down docker-proxy accepts nginx's connections and drops them, so nginx logs mostly resets / premature closes (${JSON.stringify(s.kinds)}). Primary cause: the restart race; the published port explains why the errors are not 111s.`,
        incidents: s.bursts.map((b) => ({
          pattern: 'restart-race', primary: 'restart-race', contributing: ['published-port-proxy', 'single-peer-no-backup'],
          workload: 'rd-h13d/web', incarnation: 'restarted', upstream: b.upstream, container: WEB,
          errors: b.errors, notRetried: b.notRetried, writes: b.writes, first: b.first, last: b.last,
        })),
      }),
    });
  } finally {
    await nginx.stop();
  }
});
