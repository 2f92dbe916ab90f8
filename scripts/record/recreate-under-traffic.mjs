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

const api = L.slowStartApi(APP_PORT);
const runApi = (version) => api.docker('run', API, version);

const compose = L.composeFile(api.compose);

await L.recordHostIncident({
  name: NAME, containers: [API], nginxPort: NGINX_PORT, servers: [`127.0.0.1:${APP_PORT}`], compose,
  async start() {
    await runApi('1.0.0');
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
  },
  ready: `http://127.0.0.1:${NGINX_PORT}/api/ping`,
  trafficNote: 'api v1.0.0 healthy; traffic starts (20 req/s, GET/POST)',
  async incident(stamp) {
    await L.sleep(4000);
    stamp(`docker rm -f ${API}`);
    await L.docker('rm', '-f', API);
    stamp(`docker run ${API} (v1.0.1, same labels; app listens 3 s after start)`);
    await runApi('1.0.1');
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
    stamp('new api container answers /health');
  },
  setByHand: [L.labelsByHand()],
  conclude: (s) => ({
    description: `Recorded for real: ${API} (compose-style project rd-h13d, service api) removed with docker rm -f and run again as a new container (new id, same name) under 20 req/s of GET/POST through a host nginx whose upstream backend has the single server 127.0.0.1:${APP_PORT}. The new app listens 3 s after its start, so nginx gets connect() refused from the kill until then.`,
    incidents: s.bursts.map((b) => ({
      pattern: 'restart-race', primary: 'restart-race', contributing: ['recreated', 'single-peer-no-backup'],
      workload: 'rd-h13d/api', incarnation: 'recreated', upstream: b.upstream, container: API,
      errors: b.errors, notRetried: b.notRetried, writes: b.writes, first: b.first, last: b.last,
    })),
  }),
});
