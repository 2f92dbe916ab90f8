/**
 * (9) `docker compose up -d` after an image change, replayed step by step the way compose v2
 * recreates a container (no compose plugin here): stop the old one (SIGTERM → 143), rename it to
 * `<short id>_<name>`, create the new one under the original name, remove the old, start the new.
 * The events of the old container after the rename carry the temporary name: only the compose
 * labels (and the id) tie them to the workload. The new app listens 3 s after its start.
 *   node scripts/record/compose-recreate.mjs [OUTDIR]
 */
import * as L from './lib.mjs';

const NAME = 'compose-recreate';
const API = 'rd-h13d-api-1';
const NGINX_PORT = 40509;
const APP_PORT = 40591;

const createApi = (version) => L.docker(
  'create', '--name', API, '--network', 'host', '--init', '--expose', String(APP_PORT),
  ...L.composeLabels('api'), '--label', `org.opencontainers.image.version=${version}`,
  L.BUSYBOX_IMAGE, 'sh', '-c', `sleep 3; exec httpd -f -p ${APP_PORT} -h /www`,
);

const compose = `# What the recording's docker commands amount to (no compose plugin on the recording machine:
# the com.docker.compose.* labels were set with docker create --label, and compose's recreate
# sequence was replayed with docker stop / rename / create / rm / start).
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
  const stamp = (w) => L.stamp(timeline, start, w);
  const oldId = await createApi('3.1.0');
  await L.docker('start', API);
  await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
  const nginx = await L.startHostNginx(prefix, conf, `http://127.0.0.1:${NGINX_PORT}/nginx-health`);
  const tmpName = `${oldId.slice(0, 12)}_${API}`;
  try {
    const since = L.unixNow();
    stamp('api v3.1.0 healthy; traffic starts (20 req/s, GET/POST)');
    const traffic = L.startTraffic({ base: `http://127.0.0.1:${NGINX_PORT}`, rate: 20 });
    await L.sleep(4000);
    stamp(`compose recreate: docker stop ${API}`);
    await L.docker('stop', API);
    stamp(`docker rename ${API} ${tmpName}`);
    await L.docker('rename', API, tmpName);
    stamp(`docker create ${API} (v3.2.0, same labels)`);
    await createApi('3.2.0');
    stamp(`docker rm ${tmpName}`);
    await L.docker('rm', tmpName);
    stamp(`docker start ${API} (listens 3 s after start)`);
    await L.docker('start', API);
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
    stamp('v3.2.0 answers /health');
    await L.sleep(10_000);
    const stats = await traffic.stop();
    stamp(`traffic stopped: ${JSON.stringify(stats)}`);
    await nginx.stop();
    await L.finish({
      name: NAME, outDir: L.outDirFor(NAME), since, prefixes: ['rd-h13d-'], containers: [API],
      errorLog: L.readText(nginx.errorLog), nginxConf: conf, compose, timeline, traffic: stats,
      extraFiles: { 'access.log': L.readText(nginx.accessLog) },
      setByHand: ['com.docker.compose.* labels (docker create --label; no compose plugin installed)',
        "compose v2's recreate sequence (stop, rename to <short id>_<name>, create, rm old, start new) replayed with the docker CLI"],
      conclude: (s) => ({
        description: `Recorded for real: compose-style recreate of ${API} (project rd-h13d, service api) under 20 req/s: docker stop (SIGTERM, exit 143), rename of the old container to ${tmpName}, create of the new one under the original name (new id), rm of the old (its destroy event carries the temporary name), start of the new; the new app listens 3 s after its start. nginx's single server 127.0.0.1:${APP_PORT} refuses from the stop until then.`,
        incidents: s.bursts.map((b) => ({
          pattern: 'restart-race', primary: 'restart-race', contributing: ['recreated', 'single-peer-no-backup'],
          workload: 'rd-h13d/api', incarnation: 'recreated', upstream: b.upstream, container: API,
          errors: b.errors, notRetried: b.notRetried, writes: b.writes, first: b.first, last: b.last,
        })),
      }),
    });
  } finally {
    await nginx.stop();
    await L.dockerQuiet('rm', '-f', tmpName);
  }
});
