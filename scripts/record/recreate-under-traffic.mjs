/**
 * (1) Recreate under traffic: `docker rm -f` + `docker run` of the same compose-style service
 * (new container id, same name and labels) while GET/POST traffic flows through a host nginx.
 * The new container's app needs 3 s to listen: nginx's single-server upstream gets 111s.
 *   node scripts/record/recreate-under-traffic.mjs [OUTDIR]
 */
import * as L from './lib.mjs';

const NAME = 'recreate-under-traffic';
const API = 'rd-h13d-api-1';
const NGINX_PORT = 40501;
const APP_PORT = 40511;

const runApi = (version) => L.docker(
  'run', '-d', '--name', API, '--network', 'host', '--init', '--expose', String(APP_PORT),
  ...L.composeLabels('api'), '--label', `org.opencontainers.image.version=${version}`,
  L.BUSYBOX_IMAGE, 'sh', '-c', `sleep 3; exec httpd -f -p ${APP_PORT} -h /www`,
);

const compose = `# What the recording's docker run flags amount to (no compose plugin on the recording machine:
# the com.docker.compose.* labels were set with docker run --label).
name: rd-h13d
services:
  api:
    image: ${L.BUSYBOX_IMAGE}
    network_mode: host
    init: true
    expose: ["${APP_PORT}"]
    command: ["sh", "-c", "sleep 3; exec httpd -f -p ${APP_PORT} -h /www"]
`;

await L.main(NAME, [API], [], async () => {
  await L.ensureBusyboxImage();
  const prefix = L.freshPrefix(NAME);
  const conf = L.hostConf(prefix, { port: NGINX_PORT, servers: [`127.0.0.1:${APP_PORT}`] });
  const timeline = [];
  const start = Date.now();
  await runApi('1.0.0');
  await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
  const nginx = await L.startHostNginx(prefix, conf, `http://127.0.0.1:${NGINX_PORT}/nginx-health`);
  try {
    await L.waitHealthy(`http://127.0.0.1:${NGINX_PORT}/api/ping`);
    const since = L.unixNow();
    stamp('api v1.0.0 healthy; traffic starts (20 req/s, GET/POST)');
    const traffic = L.startTraffic({ base: `http://127.0.0.1:${NGINX_PORT}`, rate: 20 });
    await L.sleep(4000);
    stamp(`docker rm -f ${API}`);
    await L.docker('rm', '-f', API);
    stamp(`docker run ${API} (v1.0.1, same labels; app listens 3 s after start)`);
    await runApi('1.0.1');
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
    stamp('new api container answers /health');
    await L.sleep(10_000);
    const stats = await traffic.stop();
    stamp(`traffic stopped: ${JSON.stringify(stats)}`);
    await nginx.stop();
    await L.finish({
      name: NAME, outDir: L.outDirFor(NAME), since, prefixes: ['rd-h13d-'], containers: [API],
      errorLog: L.readText(nginx.errorLog), nginxConf: conf, compose, timeline, traffic: stats,
      extraFiles: { 'access.log': L.readText(nginx.accessLog) },
      setByHand: ['com.docker.compose.* labels (docker run --label; no compose plugin installed)'],
      conclude: (s) => ({
        description: `Recorded for real: ${API} (compose-style project rd-h13d, service api) removed with docker rm -f and run again as a new container (new id, same name) under 20 req/s of GET/POST through a host nginx whose upstream backend has the single server 127.0.0.1:${APP_PORT}. The new app listens 3 s after its start, so nginx gets connect() refused from the kill until then.`,
        incidents: s.bursts.map((b) => ({
          pattern: 'restart-race', primary: 'restart-race', contributing: ['recreated', 'single-peer-no-backup'],
          workload: 'rd-h13d/api', incarnation: 'recreated', upstream: b.upstream, container: API,
          errors: b.errors, notRetried: b.notRetried, writes: b.writes, first: b.first, last: b.last,
        })),
      }),
    });
  } finally {
    await nginx.stop();
  }
  function stamp(what) { L.stamp(timeline, start, what); }
});
