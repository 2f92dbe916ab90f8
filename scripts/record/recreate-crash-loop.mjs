/**
 * (2) Recreate, then crash loop: a healthy api (restart: always) is replaced (`docker rm -f` +
 * `docker run`, new id) by a version that exits 3 one second after each start; Docker's restart
 * policy restarts it with growing back-off. After ~15 s the operator rolls back the same way.
 *   node scripts/record/recreate-crash-loop.mjs [OUTDIR]
 */
import * as L from './lib.mjs';

const NAME = 'recreate-crash-loop';
const API = 'rd-h13d-api-1';
const NGINX_PORT = 40502;
const APP_PORT = 40513;
const GOOD = `exec httpd -f -p ${APP_PORT} -h /www`;
const BAD = 'sleep 1; echo "fatal: config key DATABASE_URL is missing" >&2; exit 3';

const runApi = (version, script) => L.docker(
  'run', '-d', '--name', API, '--network', 'host', '--init', '--restart', 'always', '--expose', String(APP_PORT),
  ...L.composeLabels('api'), '--label', `org.opencontainers.image.version=${version}`,
  L.BUSYBOX_IMAGE, 'sh', '-c', script,
);

const compose = L.composeFile(`  api:
    image: ${L.BUSYBOX_IMAGE}
    network_mode: host
    init: true
    restart: always
    expose: ["${APP_PORT}"]
    # v1.0.0 (before and after the incident):
    command: ["sh", "-c", "${GOOD}"]
    # v1.1.0 (deployed at the incident's start, rolled back ~15 s later):
    # command: ["sh", "-c", "${BAD.replace(/"/g, '\\"')}"]
`);

await L.recordHostIncident({
  name: NAME, containers: [API], nginxPort: NGINX_PORT, servers: [`127.0.0.1:${APP_PORT}`], compose,
  async start() {
    await runApi('1.0.0', GOOD);
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
  },
  trafficNote: 'api v1.0.0 healthy; traffic starts (20 req/s, GET/POST)',
  async incident(stamp) {
    await L.sleep(4000);
    stamp(`deploy v1.1.0: docker rm -f ${API}; docker run ${API} (exits 3 one second after each start, restart: always)`);
    await L.docker('rm', '-f', API);
    await runApi('1.1.0', BAD);
    await L.sleep(15_000);
    const rc = await L.docker('inspect', '--format', '{{.RestartCount}} {{.State.Status}}', API);
    stamp(`v1.1.0 after 15 s: RestartCount/status ${rc}; roll back: docker rm -f + docker run v1.0.0`);
    await L.docker('rm', '-f', API);
    await runApi('1.0.0', GOOD);
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
    stamp('v1.0.0 answers /health again');
  },
  setByHand: [L.labelsByHand(),
    'the crash: the v1.1.0 command is a shell that prints a fatal line and exits 3 one second after start'],
  conclude: (s) => ({
    description: `Recorded for real: ${API} (project rd-h13d, service api, restart: always) is recreated (docker rm -f + docker run, new id) with a version that exits 3 about 1 s after every start; Docker restarts it with growing back-off for 15 s (crash loop), then the operator rolls back by recreating it with the good version. nginx (single server 127.0.0.1:${APP_PORT}) logs connect() refused through the whole loop.`,
    incidents: s.bursts.map((b) => ({
      pattern: 'crash-loop', primary: 'crash-loop', contributing: ['recreated', 'crash-exit', 'single-peer-no-backup'],
      workload: 'rd-h13d/api', incarnation: 'recreated', upstream: b.upstream, container: API,
      errors: b.errors, notRetried: b.notRetried, writes: b.writes, first: b.first, last: b.last,
    })),
  }),
});
