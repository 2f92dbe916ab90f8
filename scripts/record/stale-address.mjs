/**
 * (4) Stale address after a recreate on a user-defined bridge network. nginx runs in a container
 * on rd-h13d-stale (172.26.0.0/24) and resolved `server backend:3000` once, at start, through
 * Docker's embedded DNS (172.26.0.10). The backend is recreated (stop → rm → run): a worker
 * container started in between takes the freed 172.26.0.10 (`--ip`), the new backend gets another
 * address and is healthy at once, but nginx keeps dialling 172.26.0.10:3000 where nothing listens
 * (111) until the operator reloads nginx (`docker kill -s HUP`).
 *   node scripts/record/stale-address.mjs [OUTDIR]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as L from './lib.mjs';

const NAME = 'stale-address';
const NET = 'rd-h13d-stale';
const SUBNET = '172.26.0.0/24';
const BACKEND = 'rd-h13d-backend-1';
const WORKER = 'rd-h13d-worker-1';
const NGINX = 'rd-h13d-nginx-1';
const NGINX_PORT = 40504;
const OLD_IP = '172.26.0.10';

const conf = `user nobody nogroup;
worker_processes 1;
pid /run/nginx.pid;
error_log /dev/stderr info;
events { worker_connections 1024; }
http {
  log_format main '$remote_addr - [$time_local] "$request" $status $body_bytes_sent rt=$request_time ua="$upstream_addr" us="$upstream_status"';
  access_log /dev/stdout main;
  # Resolved once, when the config is loaded (no resolver, no re-resolution): the stale-address trap.
  upstream backend {
    server backend:3000;
  }
  server {
    listen 8080;
    server_name shop.local;
    location /api/ {
      rewrite ^ /cgi-bin/api break;
      proxy_pass http://backend;
      proxy_connect_timeout 2s;
      proxy_read_timeout 10s;
    }
    location = /nginx-health { access_log off; return 200 "ok"; }
  }
}
`;

const compose = `# What the recording's docker commands amount to (no compose plugin on the recording machine:
# the com.docker.compose.* labels were set with docker run --label, the network created by hand).
name: rd-h13d
services:
  nginx:
    image: ${L.NGINX_IMAGE}
    stop_signal: SIGQUIT
    ports: ["127.0.0.1:${NGINX_PORT}:8080"]
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
    networks: { default: { ipv4_address: 172.26.0.2 } }
  backend:
    image: ${L.BUSYBOX_IMAGE}
    init: true
    command: ["httpd", "-f", "-p", "3000", "-h", "/www"]
    # before the incident: ipv4_address ${OLD_IP}; after the recreate: whatever IPAM hands out
  worker:
    image: ${L.BUSYBOX_IMAGE}
    init: true
    command: ["sleep", "3600"]
    networks: { default: { ipv4_address: ${OLD_IP} } }
networks:
  default:
    name: ${NET}
    ipam: { config: [{ subnet: ${SUBNET} }] }
`;

const runBackend = (ipArgs) => L.docker(
  'run', '-d', '--name', BACKEND, '--network', NET, '--network-alias', 'backend', ...ipArgs, '--init',
  ...L.composeLabels('backend'), L.BUSYBOX_IMAGE, 'httpd', '-f', '-p', '3000', '-h', '/www',
);

await L.main(NAME, [NGINX, BACKEND, WORKER], [NET], async () => {
  await L.ensureBusyboxImage();
  await L.ensureNginxImage();
  const prefix = L.freshPrefix(NAME);
  const confPath = path.join(prefix, 'nginx.conf');
  writeFileSync(confPath, conf);
  const timeline = [];
  const start = Date.now();
  const stamp = (w) => L.stamp(timeline, start, w);
  await L.docker('network', 'create', '--subnet', SUBNET, NET);
  await runBackend(['--ip', OLD_IP]);
  await L.waitHealthy(`http://${OLD_IP}:3000/health`);
  await L.docker('run', '-d', '--name', NGINX, '--network', NET, '--ip', '172.26.0.2', '-p', `127.0.0.1:${NGINX_PORT}:8080`,
    '--stop-signal', 'SIGQUIT', '-v', `${confPath}:/etc/nginx/nginx.conf:ro`, ...L.composeLabels('nginx'), L.NGINX_IMAGE);
  const base = `http://127.0.0.1:${NGINX_PORT}`;
  await L.waitHealthy(`${base}/api/ping`);
  const since = L.unixNow();
  stamp(`backend at ${OLD_IP}:3000, nginx (container, resolved backend once) healthy; traffic starts (20 req/s, GET/POST)`);
  const traffic = L.startTraffic({ base, rate: 20 });
  await L.sleep(4000);
  stamp(`recreate backend: docker stop ${BACKEND}; docker rm ${BACKEND}`);
  await L.docker('stop', BACKEND);
  await L.docker('rm', BACKEND);
  stamp(`docker run ${WORKER} --ip ${OLD_IP} (another service takes the freed address; nothing listens on 3000)`);
  await L.docker('run', '-d', '--name', WORKER, '--network', NET, '--ip', OLD_IP, '--init', ...L.composeLabels('worker'), L.BUSYBOX_IMAGE, 'sleep', '3600');
  await runBackend([]);
  const newIp = await L.docker('inspect', '--format', `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`, BACKEND);
  await L.waitHealthy(`http://${newIp}:3000/health`);
  stamp(`docker run ${BACKEND}: new id, new address ${newIp}, answers /health at once`);
  await L.sleep(12_000);
  stamp(`operator reloads nginx: docker kill -s HUP ${NGINX}`);
  await L.docker('kill', '-s', 'HUP', NGINX);
  await L.waitHealthy(`${base}/api/ping`, 10_000);
  stamp('nginx serves /api/ again (re-resolved backend)');
  await L.sleep(10_000);
  const stats = await traffic.stop();
  stamp(`traffic stopped: ${JSON.stringify(stats)}`);
  const logs = await L.containerErrorLog(NGINX);
  const { stdout: access } = await import('node:child_process').then((cp) =>
    new Promise((res, rej) => cp.execFile('docker', ['logs', NGINX], { maxBuffer: 1 << 26 }, (e, stdout) => (e ? rej(e) : res({ stdout })))));
  await L.finish({
    name: NAME, outDir: L.outDirFor(NAME), since, prefixes: ['rd-h13d-'], containers: [NGINX, BACKEND, WORKER],
    errorLog: logs.plain, nginxConf: conf, compose, timeline, traffic: stats,
    extraFiles: { 'docker-logs.txt': logs.raw, 'access.log': access },
    setByHand: [
      'com.docker.compose.* labels (docker run --label; no compose plugin installed) and the network (docker network create)',
      `the squatter: ${WORKER} is started with --ip ${OLD_IP} on purpose, so the freed address is taken at once (IPAM would hand it out again only later)`,
      'error.log is the stderr of `docker logs --timestamps` with Docker\'s timestamp prefix stripped; docker-logs.txt keeps it raw',
    ],
    conclude: (s) => ({
      description: `Recorded for real: nginx runs in a container on the user-defined bridge ${NET} and resolved \`server backend:3000\` once, at start, through Docker's embedded DNS (${OLD_IP}). ${BACKEND} (project rd-h13d, service backend) is recreated (stop, rm, run: new id); ${WORKER} takes the freed address ${OLD_IP} in between, the new backend gets ${newIp} and answers at once, yet nginx keeps dialling ${OLD_IP}:3000 and gets connect() refused until the operator reloads it ~12 s later. The errors outlive the healthy restart: a stale address, not a restart race.`,
      incidents: s.bursts.map((b) => ({
        pattern: 'stale-address', primary: 'stale-address', contributing: ['recreated', 'single-peer-no-backup'],
        workload: 'rd-h13d/backend', incarnation: 'recreated', upstream: b.upstream, container: BACKEND,
        errors: b.errors, notRetried: b.notRetried, writes: b.writes, first: b.first, last: b.last,
      })),
    }),
  });
});
