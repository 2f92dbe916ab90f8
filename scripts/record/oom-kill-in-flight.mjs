/**
 * (7) OOM kill with requests in flight: the api runs with `--memory 16m --memory-swap 16m
 * --restart on-failure`; on a cue (a file the script creates in a bind-mounted folder) its PID 1
 * shell doubles a string until the kernel OOM-kills it (oom → die 137, State.OOMKilled). Half the
 * requests take 1 s, so some are in flight. The restart policy brings it back; the app listens 2 s
 * after that start.
 *   node scripts/record/oom-kill-in-flight.mjs [OUTDIR]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as L from './lib.mjs';

const NAME = 'oom-kill-in-flight';
const API = 'rd-h13d-api-1';
const NGINX_PORT = 40507;
const APP_PORT = 40571;
const CTL = '/tmp/rd-h13d-rec/oom-ctl';
// First run: serve, wait for the cue, leave a marker, then eat memory. After the policy restart: serve.
const SCRIPT = `if [ -e /ctl/oomed ]; then sleep 2; exec httpd -f -p ${APP_PORT} -h /www; fi; ` +
  `httpd -p ${APP_PORT} -h /www; while [ ! -e /ctl/go ]; do sleep 0.1; done; touch /ctl/oomed; s=x; while :; do s="$s$s"; done`;

const compose = L.composeFile(`  api:
    image: ${L.BUSYBOX_IMAGE}
    network_mode: host
    restart: on-failure
    mem_limit: 16m
    memswap_limit: 16m
    expose: ["${APP_PORT}"]
    volumes: ["${CTL}:/ctl"]
    command: ["sh", "-c", ${JSON.stringify(SCRIPT.replace(/\$/g, '$$$$'))}]
`);

await L.recordHostIncident({
  name: NAME, containers: [API], nginxPort: NGINX_PORT, servers: [`127.0.0.1:${APP_PORT}`], compose,
  async start() {
    rmSync(CTL, { recursive: true, force: true });
    mkdirSync(CTL, { recursive: true });
    await L.docker('run', '-d', '--name', API, '--network', 'host', '--memory', '16m', '--memory-swap', '16m', '--restart', 'on-failure',
      '--expose', String(APP_PORT), '-v', `${CTL}:/ctl`, ...L.composeLabels('api'), L.BUSYBOX_IMAGE, 'sh', '-c', SCRIPT);
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
  },
  trafficNote: 'api healthy; traffic starts (20 req/s, GET/POST, half the requests take 1 s)',
  traffic: { paths: ['/api/orders', '/api/orders?slow', '/api/orders?slow', '/api/orders'] },
  async incident(stamp) {
    await L.sleep(4000);
    stamp('cue: the app starts allocating memory (16m limit)');
    writeFileSync(`${CTL}/go`, '');
    await L.waitFor(async () => (await L.docker('inspect', '--format', '{{.RestartCount}}', API)) === '1', 30_000, 'the policy restart');
    stamp(`restart policy restarted it: ${await L.docker('inspect', '--format', 'OOMKilled={{.State.OOMKilled}} RestartCount={{.RestartCount}}', API)}`);
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
    stamp('api answers /health again');
  },
  cleanup: () => rmSync(CTL, { recursive: true, force: true }),
  setByHand: [L.labelsByHand(),
    'the leak: on a cue file the PID 1 shell doubles a string until the kernel OOM-kills it (a real cgroup OOM kill)'],
  conclude: (s) => ({
    description: `Recorded for real: ${API} (project rd-h13d, service api, mem_limit 16m, restart: on-failure) runs out of memory under 20 req/s (half of them 1-s requests): the kernel OOM-kills it (oom event, die 137, State.OOMKilled true), requests in flight are cut, the restart policy starts it again (same container) and the app listens 2 s later; meanwhile nginx's single server 127.0.0.1:${APP_PORT} refuses (${JSON.stringify(s.kinds)}).`,
    incidents: s.bursts.map((b) => ({
      pattern: 'oom-kill', primary: 'oom-kill', contributing: ['oom-killed', 'single-peer-no-backup'],
      workload: 'rd-h13d/api', incarnation: 'restarted', upstream: b.upstream, container: API,
      errors: b.errors, notRetried: b.notRetried, writes: b.writes, first: b.first, last: b.last,
    })),
  }),
});
