/**
 * A restart race behind nginx-in-Docker, read in every shape its log reaches an on-call engineer
 * in (issue 15, item 1). Everything is real: nginx runs in a container of the test engine (an
 * image made offline from the host's binary), proxies to a busybox backend container that is
 * restarted mid-traffic, and writes its error log three ways at once:
 *   - a plain file (bind-mounted /logs/error.log): the reference;
 *   - stderr, with its combined access log on stdout: read back with `docker logs --timestamps`
 *     and `docker logs` (both streams in one file, as `2>&1` gives them);
 *   - `error_log syslog:server=127.0.0.1:40290`: RFC 3164 datagrams to a UDP socket this test opens.
 * The compose, kubectl and journald shapes are DERIVED here from the `docker logs --timestamps`
 * lines (no compose, kubectl or journald on this machine), byte for byte as those tools print a
 * line, and RFC 5424 from the received syslog datagrams (stamped on receipt, as a relay does).
 * Each must give the same diagnosis as the plain file: pattern, upstream, container, count.
 */
import dgram from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage, removeContainers, requireDocker, slowStartApp } from '../support/docker.js';
import { requireNginx } from '../support/nginx.js';
import { dockerLogsToFile, ensureNginxImage } from '../support/nginxContainer.js';
import { fetchEvents, httpStatus } from '../support/scenario.js';
import { startTraffic } from '../support/traffic.js';
import { waitFor } from '../support/wait.js';

const NGINX_IMAGE = 'rd-h15a-nginx:test';
const NGINX_CT = 'rd-h15a-nginx';
const BACKEND_CT = 'rd-h15a-backend';
const NGINX_PORT = 40200;
const BACKEND_PORT = 40210;
const SYSLOG_PORT = 40290;
const PEER = `127.0.0.1:${BACKEND_PORT}`;

const NGINX_CONF = `worker_processes 1;
pid /run/nginx.pid;
error_log stderr warn;
error_log /logs/error.log warn;
error_log syslog:server=127.0.0.1:${SYSLOG_PORT},tag=nginx warn;
events { worker_connections 256; }
http {
  access_log /dev/stdout combined;
  upstream backend { server ${PEER}; }
  server {
    listen 127.0.0.1:${NGINX_PORT};
    location / { proxy_pass http://backend; proxy_connect_timeout 1s; proxy_read_timeout 5s; }
  }
}
`;

interface Report {
  counters: { linesRead: number; upstreamErrors: number; accessLines: number; untimed: number; shapes: Record<string, number>; unparsed: Record<string, number> };
  incidents: Array<{ diagnosis: { patternId: string }; burst: { upstreamKey: string; count: number; first: number; last: number }; match: { name: string } | null }>;
}

let ok = false;
let dir = '';
const files: Record<string, string> = {};
const results: Record<string, CliResult> = {};

const waitUntil = (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<unknown> => waitFor(check, Boolean, { what, timeoutMs, intervalMs: 100 });

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The shapes derived from one `docker logs --timestamps` line: `STAMP LINE` (journald's time is the stamp, in UTC like this host's journal). */
function derive(stamped: string): Record<string, string> {
  const sp = stamped.indexOf(' ');
  const stamp = stamped.slice(0, sp);
  const line = stamped.slice(sp + 1);
  const d = new Date(stamp);
  const micros = stamp.slice(20, 26);
  const bsd = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '0')} ${stamp.slice(11, 19)}`;
  return {
    compose: `nginx-1  | ${line}`,
    'compose-t': `nginx-1  | ${stamp} ${line}`,
    kubectl: `[pod/web-7d9c5b-x2kq/nginx] ${line}`,
    'kubectl-t': `[pod/web-7d9c5b-x2kq/nginx] ${stamp} ${line}`,
    'journal-short': `${bsd} host nginx[1]: ${line}`,
    'journal-short-iso': `${stamp.slice(0, 19)}+0000 host nginx[1]: ${line}`,
    'journal-short-precise': `${bsd}.${micros} host nginx[1]: ${line}`,
    'journal-json': JSON.stringify({
      __CURSOR: 's=0;i=1',
      __REALTIME_TIMESTAMP: String(d.getTime() * 1000 + Number(stamp.slice(23, 26))),
      _HOSTNAME: 'host',
      SYSLOG_IDENTIFIER: 'nginx',
      _PID: '1',
      MESSAGE: line,
    }),
  };
}

const DERIVED = ['compose', 'compose-t', 'kubectl', 'kubectl-t', 'journal-short', 'journal-short-iso', 'journal-short-precise', 'journal-json'];

beforeAll(async () => {
  ok = (await requireDocker()) && requireNginx();
  if (!ok) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h15a-docker-'));
  const www = path.join(dir, 'www');
  const logs = path.join(dir, 'logs');
  mkdirSync(www);
  mkdirSync(logs);
  writeFileSync(path.join(www, 'health'), 'ok\n');
  writeFileSync(path.join(dir, 'nginx.conf'), NGINX_CONF);
  await Promise.all([ensureBusyboxImage(), ensureNginxImage(NGINX_IMAGE)]);
  await removeContainers(NGINX_CT, BACKEND_CT);

  // nginx's syslog datagrams, one per line, and their receipt time for the RFC 5424 relay.
  const syslog: { at: number; msg: string }[] = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (m) => syslog.push({ at: Date.now(), msg: m.toString('utf8') }));
  await new Promise<void>((resolve) => sock.bind(SYSLOG_PORT, '127.0.0.1', resolve));
  try {
    await docker('run', '-d', '--name', BACKEND_CT, '--network', 'host', '--expose', String(BACKEND_PORT),
      '--label', 'com.docker.compose.service=backend', '--label', 'com.docker.compose.project=h15a',
      '-v', `${www}:/www:ro`, BUSYBOX_IMAGE, 'sh', '-c', slowStartApp(BACKEND_PORT, 2));
    await waitUntil('the backend', async () => (await httpStatus(`http://${PEER}/health`)) === 200);
    await docker('run', '-d', '--name', NGINX_CT, '--network', 'host', '--stop-signal', 'SIGQUIT',
      '-v', `${path.join(dir, 'nginx.conf')}:/etc/nginx/nginx.conf:ro`, '-v', `${logs}:/logs`, NGINX_IMAGE);
    await waitUntil('nginx in its container', async () => (await httpStatus(`http://127.0.0.1:${NGINX_PORT}/health`)) === 200);

    const sinceMs = Date.now() - 200;
    const traffic = startTraffic({ url: `http://127.0.0.1:${NGINX_PORT}/health`, count: 1500, ratePerSec: 25, methods: ['GET'], maxDurationMs: 60_000 });
    await waitUntil('a second of good traffic', () => Date.now() - sinceMs > 1200);
    await docker('restart', '-t', '3', BACKEND_CT);
    await waitUntil('the restarted backend', async () => (await httpStatus(`http://${PEER}/health`)) === 200);
    const upAt = Date.now();
    await waitUntil('recovered traffic in the log', () => Date.now() - upAt > 700);
    traffic.stop();
    await traffic.done;
    const errorLog = path.join(logs, 'error.log');
    const fileLines = () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8').split('\n').filter(Boolean).length : 0);
    // Every error line nginx wrote to its file has reached the socket too.
    await waitUntil('every syslog datagram', () => fileLines() > 0 && syslog.length >= fileLines());
    writeFileSync(path.join(dir, 'events.jsonl'), (await fetchEvents(BACKEND_CT, sinceMs, Date.now())).join('\n') + '\n');
    writeFileSync(path.join(dir, 'inspect.json'), (await docker('inspect', BACKEND_CT)) + '\n');

    files.plain = errorLog;
    files.docker = path.join(dir, 'docker-t.log');
    files.dockerPlain = path.join(dir, 'docker.log');
    files.access = path.join(dir, 'access.log');
    await dockerLogsToFile(NGINX_CT, files.docker, { timestamps: true });
    await dockerLogsToFile(NGINX_CT, files.dockerPlain, { timestamps: false });
    await dockerLogsToFile(NGINX_CT, files.access, { timestamps: false, streams: 'stdout' });
    const stamped = readFileSync(files.docker, 'utf8').split('\n').filter(Boolean);
    for (const shape of DERIVED) {
      files[shape] = path.join(dir, `${shape}.log`);
      writeFileSync(files[shape], stamped.map((l) => derive(l)[shape]).join('\n') + '\n');
    }
    files.crlf = path.join(dir, 'docker-t-crlf.log');
    writeFileSync(files.crlf, stamped.join('\r\n') + '\r\n');
    files['syslog-3164'] = path.join(dir, 'syslog-3164.log');
    writeFileSync(files['syslog-3164'], syslog.map((s) => s.msg).join('\n') + '\n');
    const sample = (l: string[]) => l.find((x) => x.includes('(111: Connection refused)'))?.slice(0, 140) ?? '(none)';
    console.log(`[h15a docker] ${stamped.length} docker logs -t lines, ${syslog.length} syslog datagrams; e.g.\n  ${sample(stamped)}\n  ${sample(syslog.map((x) => x.msg))}`);
    files['syslog-5424'] = path.join(dir, 'syslog-5424.log');
    writeFileSync(files['syslog-5424'], syslog.map((s) => s.msg.replace(/^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d (\S+) (\S+): /, (_m, pri: string, host: string, tag: string) => `<${pri}>1 ${new Date(s.at).toISOString()} ${host} ${tag} - - - `)).join('\n') + '\n');
  } finally {
    sock.close();
    await removeContainers(NGINX_CT, BACKEND_CT);
  }

  const common = ['--events', path.join(dir, 'events.jsonl'), '--containers', path.join(dir, 'inspect.json'), '--tz', 'UTC', '--json'];
  const runs: [string, () => Promise<CliResult>][] = [
    ...Object.keys(files).filter((k) => k !== 'access').map((k): [string, () => Promise<CliResult>] => [k, () => runCli(['--log', files[k]!, ...common])]),
    ['stdin', () => runCli(common, { stdin: readFileSync(files.docker!) })],
    ['access', () => runCli(['--log', files.access!, '--tz', 'UTC'])],
  ];
  // Three at a time: each is a Node start-up on a shared 2-core machine.
  const queue = [...runs];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) results[next[0]] = await next[1]();
  };
  await Promise.all([worker(), worker(), worker()]);
}, 240_000);

afterAll(async () => {
  if (!ok) return;
  await removeContainers(NGINX_CT, BACKEND_CT);
  await docker('rmi', NGINX_IMAGE).catch(() => '');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function report(name: string): Report {
  const r = results[name]!;
  expect(r.stderr).toBe('');
  expect(r.code, r.stdout.slice(0, 500)).toBe(1);
  return JSON.parse(r.stdout) as Report;
}

/** The incident on the backend, as the tests compare it. */
function race(doc: Report) {
  const mine = doc.incidents.filter((i) => i.burst.upstreamKey === PEER);
  expect(mine).toHaveLength(1);
  const i = mine[0]!;
  return { pattern: i.diagnosis.patternId, upstream: i.burst.upstreamKey, container: i.match?.name ?? null, count: i.burst.count, first: i.burst.first };
}

describe('nginx in Docker: the same restart race from every shape of its log', () => {
  it('the plain file: a restart race on the backend container (the reference)', () => {
    if (!ok) return;
    expect(race(report('plain'))).toMatchObject({ pattern: 'restart-race', upstream: PEER, container: BACKEND_CT });
  });

  it.each(['docker', 'dockerPlain', 'crlf', 'stdin', 'syslog-3164', 'syslog-5424', ...DERIVED])('%s: same pattern, upstream, container and count', (name) => {
    if (!ok) return;
    const ref = race(report('plain'));
    const got = race(report(name));
    expect({ ...got, first: undefined }).toEqual({ ...ref, first: undefined });
    // The best time: within the second nginx wrote (a zone-naming stamp adds its fraction).
    expect(got.first - ref.first).toBeGreaterThanOrEqual(0);
    expect(got.first - ref.first).toBeLessThan(1000);
  });

  it('counts each shape and the access lines mixed into the Docker stream', () => {
    if (!ok) return;
    const docker = report('docker').counters;
    const lines = readFileSync(files.docker!, 'utf8').split('\n').filter(Boolean).length;
    expect(docker.shapes).toEqual({ docker: lines });
    expect(docker.accessLines).toBeGreaterThan(20); // one per request, 25 a second
    expect(docker.unparsed).toEqual({});
    expect(report('dockerPlain').counters).toMatchObject({ shapes: {}, accessLines: docker.accessLines, unparsed: {} });
    for (const shape of DERIVED) expect(report(shape).counters.shapes).toEqual({ [shape]: lines });
    const syslogLines = readFileSync(files['syslog-3164']!, 'utf8').split('\n').filter(Boolean).length;
    expect(report('syslog-3164').counters).toMatchObject({ shapes: { 'syslog-3164': syslogLines }, unparsed: {}, accessLines: 0 });
  });

  it('the text report says which shape was read and what became of the time', async () => {
    if (!ok) return;
    const r = await runCli(['--log', files.docker!, '--tz', 'UTC']);
    expect(r.stdout).toMatch(/read as docker logs --timestamps \(or kubectl logs --timestamps\) lines \([\d,]+\): nginx time replaced by Docker's UTC stamp/);
    expect(r.stdout).toMatch(/[\d,]+ access-log lines/);
  });

  it("the access log alone (docker logs' stdout) is a loud can't-tell, exit 2", () => {
    if (!ok) return;
    const r = results.access!;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^restartdoctor: .*access\.log: [\d,]+ lines, none is an nginx error-log line \([\d,]+ look like access-log lines\)/);
  });
});
