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

const api = L.slowStartApi(APP_PORT);
const createApi = (version) => api.docker('create', API, version);

const compose = L.composeFile(api.compose, { labelsBy: 'docker create', more: ", and compose's recreate\n# sequence was replayed with docker stop / rename / create / rm / start" });

let tmpName = '';
await L.recordHostIncident({
  name: NAME, containers: [API], nginxPort: NGINX_PORT, servers: [`127.0.0.1:${APP_PORT}`], compose,
  async start() {
    const oldId = await createApi('3.1.0');
    tmpName = `${oldId.slice(0, 12)}_${API}`;
    await L.docker('start', API);
    await L.waitHealthy(`http://127.0.0.1:${APP_PORT}/health`);
  },
  trafficNote: 'api v3.1.0 healthy; traffic starts (20 req/s, GET/POST)',
  async incident(stamp) {
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
  },
  cleanup: () => (tmpName ? L.dockerQuiet('rm', '-f', tmpName) : undefined),
  setByHand: [L.labelsByHand('docker create'),
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
