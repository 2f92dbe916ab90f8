/**
 * (8) A noisy healthy day (~40 s of it): no incident, only the noise a busy site logs at `info`.
 * Clients that hang up on slow requests (`client prematurely closed connection`), keep-alive
 * clients that close their idle connections, four isolated refusals from a retired `legacy`
 * upstream nothing listens on (singles and one pair, ≥ 5 s apart), health-check execs, and the
 * restart of a cache container no upstream points to.
 *   node scripts/record/noisy-healthy-day.mjs [OUTDIR]
 */
import http from 'node:http';
import * as L from './lib.mjs';

const NAME = 'noisy-healthy-day';
const API = 'rd-h13d-api-1';
const CACHE = 'rd-h13d-cache-1';
const NGINX_PORT = 40508;
const APP_PORT = 40581;
const LEGACY_PORT = 40589; // nothing listens here: the retired service

const compose = L.composeFile(`  api:
    image: ${L.BUSYBOX_IMAGE}
    network_mode: host
    init: true
    expose: ["${APP_PORT}"]
    command: ["httpd", "-f", "-p", "${APP_PORT}", "-h", "/www"]
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:${APP_PORT}/health || exit 1"]
      interval: 2s
  cache:
    image: ${L.BUSYBOX_IMAGE}
    network_mode: host
    init: true
    command: ["sleep", "3600"]
`);

function keepAliveVisit(n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = (i) => new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port: NGINX_PORT, path: `/api/catalog?ka=${n}.${i}`, agent }, (res) => { res.resume(); res.on('end', resolve); })
      .on('error', resolve);
  });
  return (async () => {
    for (let i = 0; i < 1 + (n % 3); i++) await one(i);
    await L.sleep(300);
    agent.destroy();
  })();
}

const legacyGet = () => L.httpGet(`http://127.0.0.1:${NGINX_PORT}/legacy/report`);

await L.recordHostIncident({
  name: NAME, containers: [API, CACHE], nginxPort: NGINX_PORT, compose,
  conf: (prefix) => L.hostConf(prefix, {
    port: NGINX_PORT, servers: [`127.0.0.1:${APP_PORT}`],
    extraLocations: `    location /legacy/ {
      proxy_pass http://legacy;
      proxy_connect_timeout 2s;
    }
`,
  }).replace('  server {\n', `  upstream legacy {\n    server 127.0.0.1:${LEGACY_PORT};\n  }\n  server {\n    keepalive_timeout 75s;\n`),
  async start() {
    await L.docker('run', '-d', '--name', API, '--network', 'host', '--init', '--expose', String(APP_PORT),
      '--health-cmd', `wget -q -O /dev/null http://127.0.0.1:${APP_PORT}/health || exit 1`, '--health-interval', '2s',
      ...L.composeLabels('api'), L.BUSYBOX_IMAGE, 'httpd', '-f', '-p', String(APP_PORT), '-h', '/www');
    await L.docker('run', '-d', '--name', CACHE, '--network', 'host', '--init', ...L.composeLabels('cache'), L.BUSYBOX_IMAGE, 'sleep', '3600');
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
  },
  trafficNote: 'traffic starts: 20 req/s GET/POST, every 4th request takes 1 s and every other one of those is abandoned by its client after 200 ms',
  traffic: { paths: ['/api/orders', '/api/catalog', '/api/orders', '/api/reports?slow'], abortEvery: 8, abortAfterMs: 200 },
  async incident(stamp) {
    let visits = 0;
    const kaTimer = setInterval(() => void keepAliveVisit(visits++), 1500);
    const legacyAt = [5, 17, 18, 30]; // seconds: single, pair, single — never 3 within 5 s
    let t = 0;
    for (const at of legacyAt) {
      await L.sleep((at - t) * 1000);
      t = at;
      stamp(`GET /legacy/report (nothing listens on ${LEGACY_PORT})`);
      await legacyGet();
      if (at === 18) {
        stamp(`docker restart ${CACHE} (no upstream points to it)`);
        await L.docker('restart', CACHE);
      }
    }
    return {
      beforeStop: async () => {
        clearInterval(kaTimer);
        await L.sleep(500);
      },
      trafficExtra: () => ({ keepAliveVisits: visits }),
    };
  },
  setByHand: [L.labelsByHand(),
    'the noise is made by the script: abandoned slow requests, keep-alive visits, four requests to a retired upstream at fixed seconds'],
  conclude: (s) => {
    if (s.bursts.length) throw new Error(`a healthy day must have no burst, got ${JSON.stringify(s.bursts)}`);
    return {
      description: `Recorded for real: ~40 s of a healthy but noisy site at error_log level info: ${JSON.stringify(s.other)} besides four isolated connect() refusals from the retired legacy upstream (127.0.0.1:${LEGACY_PORT}; singles and one pair, far apart), health-check execs on ${API} and a restart of ${CACHE} that no upstream points to. No incident: nothing an SRE would page for.`,
      incidents: [],
      exitCode: 0,
    };
  },
});
