/**
 * Live mode reads the running nginx's own config for its upstream map (issue 13 item 4), with no
 * --nginx-conf: two replicas of api behind one group (`rd_backend`, two servers, default
 * max_fails=1 fail_timeout=10s) are restarted together under traffic, nginx answers "no live
 * upstreams", and the incident must be the group's, linked to both peers' containers. Everything
 * is real:
 *   (a) nginx on this host started with `-c` on a temp config: the master's /proc cmdline names it;
 *   (b) nginx in a container of the test engine (the image nginxInDocker.test.ts builds from the
 *       host's binary) with the config bind-mounted at /etc/nginx: read through the Docker API.
 * Without the config the group name links no container (two changed at once): the incident would
 * be "no-live-upstreams", unlinked, so these tests fail if the map is not read.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.js';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage, removeContainers, requireDocker, slowStartApp } from '../support/docker.js';
import { requireNginx, startNginx, type NginxHandle } from '../support/nginx.js';
import { ensureNginxImage } from '../support/nginxContainer.js';
import { httpStatus, sleep } from '../support/scenario.js';
import { startTraffic } from '../support/traffic.js';
import { waitFor } from '../support/wait.js';

const SOCKET = 'unix:///var/run/docker.sock';
const APIS = ['rd-s13-api-1', 'rd-s13-api-2'];
const PORTS = [39657, 39658];
const HOST_NGINX_PORT = 39557;
const CT_NGINX_PORT = 39558;
const NGINX_CT = 'rd-s13-nginx';
const NGINX_IMAGE = 'rd-s13-nginx:test';
const GROUP = 'rd_backend';

let ready = false;
let nginx: NginxHandle | null = null;
const children: ChildProcess[] = [];
const work = mkdtempSync(path.join(os.tmpdir(), 'rd-s13-live-'));

const until = (ok: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<unknown> => waitFor(ok, Boolean, { what, timeoutMs, intervalMs: 100 });
const bothAnswer = () => until(async () => (await Promise.all(PORTS.map((p) => httpStatus(`http://127.0.0.1:${p}/health`)))).every((s) => s === 200), 20_000, 'both replicas');

beforeAll(async () => {
  ready = (await requireDocker()) && requireNginx();
  if (!ready) return;
  await Promise.all([ensureBusyboxImage(), ensureNginxImage(NGINX_IMAGE)]);
  await removeContainers(NGINX_CT, ...APIS);
  const www = path.join(work, 'www');
  mkdirSync(www);
  writeFileSync(path.join(www, 'health'), 'ok\n');
  // Two replicas of one compose service, each listening 2 s after its start.
  for (const [i, name] of APIS.entries()) {
    await docker(
      'run', '-d', '--name', name, '--network', 'host', '--expose', String(PORTS[i]),
      // As compose labels its replicas: one service, a container number each.
      '--label', 'com.docker.compose.service=api', '--label', 'com.docker.compose.project=s13', '--label', `com.docker.compose.container-number=${i + 1}`,
      '-v', `${www}:/www:ro`, BUSYBOX_IMAGE, 'sh', '-c', slowStartApp(PORTS[i]!, 2),
    );
  }
  await bothAnswer();
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await nginx?.stop();
  await removeContainers(NGINX_CT, ...APIS);
  await docker('rmi', NGINX_IMAGE).catch(() => '');
  rmSync(work, { recursive: true, force: true });
});

/**
 * Live lines mode with `args` (no --nginx-conf), started before both replicas are restarted at once
 * under traffic through `port`; resolves with its output once the group's incident is printed.
 */
async function groupIncidentLive(args: string[], port: number): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const cli = startCli([...args, '--docker', SOCKET, '--no-tui', '--tz', 'UTC']);
  children.push(cli.child);
  const { stdout, stderr, fail } = cli;
  await until(() => /connected: container events streaming/.test(stderr()), 20_000, 'the Docker source to attach').catch(fail);
  const traffic = startTraffic({ url: `http://127.0.0.1:${port}/health`, count: 900, ratePerSec: 30, methods: ['GET'], maxDurationMs: 40_000 });
  await sleep(800);
  // Both at once, as `docker compose restart api` does.
  await Promise.all(APIS.map((a) => docker('restart', '-t', '2', a)));
  await bothAnswer();
  // Announced once settled (`INCIDENT(open)`), again only if it changes after.
  const seen = new RegExp(`INCIDENT(\\(open\\))? all-peers-restarted .*upstream=${GROUP} `);
  await until(() => seen.test(stdout()), 40_000, 'the group incident').catch(fail);
  traffic.stop();
  await traffic.done;
  cli.child.kill('SIGINT');
  const code = await cli.exited;
  return { stdout: stdout(), stderr: stderr(), code };
}

/** The last line announcing the group's incident. */
function groupLine(stdout: string): string {
  return stdout.split('\n').filter((l) => l.includes(`upstream=${GROUP} `)).at(-1) ?? '';
}

/** What both ways of finding the config must end in: the group's incident, both replicas restarted (not recreated), until Ctrl-C. */
function expectGroupIncident(r: { stdout: string; code: number | null }): void {
  const line = groupLine(r.stdout);
  expect(line).toMatch(/ workload=s13\/api /);
  expect(line).toContain(`every peer of ${GROUP} (${APIS.join(', ')}) restarted at once`);
  // Restarted, not recreated; two peers: nowhere near "one server and no backup".
  expect(line).toMatch(/ contributing=fail-timeout-prolonged /);
  expect(r.code).toBe(130);
}

describe('live mode reads the running nginx config (no --nginx-conf): a group incident linked to both replicas', () => {
  it('(a) nginx on this host, started with -c on a temp config: its master names the config', async (ctx) => {
    if (!ready) ctx.skip();
    nginx = await startNginx({ port: HOST_NGINX_PORT, peers: PORTS.map((port) => ({ port })) });
    try {
      const pid = Number(readFileSync(path.join(nginx.prefix, 'nginx.pid'), 'utf8').trim());
      const r = await groupIncidentLive(['--follow', '--log', nginx.errorLog], HOST_NGINX_PORT);
      expect(r.stderr).toContain(`restartdoctor: upstream map from ${nginx.confPath} (running nginx, pid ${pid}; started with -c): 1 upstream group (2 servers)`);
      expectGroupIncident(r);
    } finally {
      await nginx.stop();
      nginx = null;
    }
  }, 120_000);

  it('(b) nginx in a container: its /etc/nginx read through the Docker API', async (ctx) => {
    if (!ready) ctx.skip();
    const conf = path.join(work, 'etc-nginx');
    mkdirSync(conf, { recursive: true });
    writeFileSync(
      path.join(conf, 'nginx.conf'),
      `worker_processes 1;
pid /run/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  include conf.d/*.conf;
}
`,
    );
    // The group lives in an included file: the map follows includes inside the container's files.
    mkdirSync(path.join(conf, 'conf.d'), { recursive: true });
    writeFileSync(
      path.join(conf, 'conf.d', 'api.conf'),
      `upstream ${GROUP} {
  server 127.0.0.1:${PORTS[0]};
  server 127.0.0.1:${PORTS[1]};
}
server {
  listen 127.0.0.1:${CT_NGINX_PORT};
  location / { proxy_pass http://${GROUP}; proxy_connect_timeout 1s; proxy_read_timeout 5s; }
}
`,
    );
    await docker('run', '-d', '--name', NGINX_CT, '--network', 'host', '--stop-signal', 'SIGQUIT', '-v', `${conf}:/etc/nginx:ro`, NGINX_IMAGE);
    try {
      await until(async () => (await httpStatus(`http://127.0.0.1:${CT_NGINX_PORT}/health`)) === 200, 20_000, 'nginx in its container to proxy');
      const r = await groupIncidentLive(['--nginx-container', NGINX_CT], CT_NGINX_PORT);
      expect(r.stderr).toContain(`restartdoctor: upstream map from /etc/nginx/nginx.conf in container ${NGINX_CT} (running nginx, through the Docker API): 1 upstream group (2 servers)`);
      expectGroupIncident(r);
    } finally {
      await removeContainers(NGINX_CT);
    }
  }, 120_000);
});
