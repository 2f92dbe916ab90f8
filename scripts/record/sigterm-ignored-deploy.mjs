/**
 * (6) A deploy (docker stop → docker rm → docker run) of an app that ignores SIGTERM: PID 1 is a
 * shell with `trap "" TERM` that execs httpd (the ignore survives exec). docker stop waits its 10 s
 * default, SIGKILLs (die 137, no OOM), killing in-flight slow requests; the new container's app
 * listens 3 s after start. Half the requests ask for a 1-s answer, so some are in flight at the kill.
 *   node scripts/record/sigterm-ignored-deploy.mjs [OUTDIR]
 */
import * as L from './lib.mjs';

const NAME = 'sigterm-ignored-deploy';
const API = 'rd-h13d-api-1';
const NGINX_PORT = 40506;
const APP_PORT = 40561;
const SCRIPT = `trap "" TERM; sleep 3; exec httpd -f -p ${APP_PORT} -h /www`;

const runApi = (version) => L.docker(
  'run', '-d', '--name', API, '--network', 'host', '--expose', String(APP_PORT),
  ...L.composeLabels('api'), '--label', `org.opencontainers.image.version=${version}`,
  L.BUSYBOX_IMAGE, 'sh', '-c', SCRIPT,
);

const compose = L.composeFile(`  api:
    image: ${L.BUSYBOX_IMAGE}
    network_mode: host
    expose: ["${APP_PORT}"]
    # PID 1 ignores SIGTERM (no init, no handler): docker stop always ends in SIGKILL after 10 s
    command: ["sh", "-c", "${SCRIPT.replace(/"/g, '\\"')}"]
`);

await L.recordHostIncident({
  name: NAME, containers: [API], nginxPort: NGINX_PORT, servers: [`127.0.0.1:${APP_PORT}`], compose,
  async start() {
    await runApi('2.3.0');
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
  },
  trafficNote: 'api v2.3.0 healthy; traffic starts (20 req/s, GET/POST, every other request takes 1 s)',
  traffic: { paths: ['/api/orders', '/api/orders?slow', '/api/orders?slow', '/api/orders'] },
  async incident(stamp) {
    await L.sleep(3000);
    stamp(`deploy v2.4.0: docker stop ${API} (default 10 s timeout)`);
    await L.docker('stop', API);
    stamp(`docker stop returned; docker rm ${API}`);
    await L.docker('rm', API);
    stamp(`docker run ${API} v2.4.0 (listens 3 s after start)`);
    await runApi('2.4.0');
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
    stamp('v2.4.0 answers /health');
  },
  setByHand: [L.labelsByHand(),
    'the app: a busybox shell PID 1 with trap "" TERM that execs httpd (stands for an app without a SIGTERM handler)'],
  conclude: (s) => ({
    description: `Recorded for real: a deploy of ${API} (project rd-h13d, service api) as docker stop → docker rm → docker run. The app ignores SIGTERM, so docker stop waits its 10 s timeout (the app keeps serving) and SIGKILLs it (die 137, not OOM): in-flight requests are cut (${JSON.stringify(s.kinds)}), then the new container (new id) listens 3 s after its start and nginx's single server 127.0.0.1:${APP_PORT} refuses until then.`,
    incidents: s.bursts.map((b) => ({
      // The app served through the grace period: the errors fall after the SIGKILL, until the new
      // container listens. The restart (deploy) race is the primary cause; the ignored SIGTERM
      // only delayed it (issue 13: contributing, not primary).
      pattern: 'restart-race', primary: 'restart-race', contributing: ['sigterm-ignored', 'recreated', 'single-peer-no-backup'],
      workload: 'rd-h13d/api', incarnation: 'recreated', upstream: b.upstream, container: API,
      errors: b.errors, notRetried: b.notRetried, writes: b.writes, first: b.first, last: b.last,
    })),
  }),
});
