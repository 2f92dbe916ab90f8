/**
 * What the checklist may probe on its own (live mode, postmortem --probe): the nginx config's
 * peers and containers, never an upstream a log line names. A client can forge
 * `", upstream: "http://127.0.0.9:5055/` inside its Referer; nginx writes the header as sent, so the
 * error line then seems to name that upstream. The log is written by a real nginx (a resolver
 * that answers NXDOMAIN on loopback gives its real `could not be resolved` line); real loopback
 * listeners prove what was connected to.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNginxConfig } from '../../src/fix/nginx/load.js';
import { configuredPeers } from '../../src/fix/nginx/peers.js';
import { probeTargetRefusal, readConfigPeers } from '../../src/session/probeTargets.js';
import { CLI, runCli } from '../support/cli.js';
import { NGINX_BIN, requireNginx } from '../support/nginx.js';
import { waitFor } from '../support/wait.js';

const FORGED = { host: '127.0.0.9', port: 5055 };
const CONFIGURED_PORT = 39671;
const NGINX_PORT = 39593;
const DNS_PORT = 39553;
const hasNginx = requireNginx();

const until = (ok: () => boolean, timeoutMs: number, what: string): Promise<unknown> => waitFor(ok, Boolean, { what, timeoutMs, intervalMs: 100 });

/** A loopback HTTP server that counts every TCP connection it accepts and every request path. */
async function listener(host: string, port: number) {
  const seen = { connections: 0, paths: [] as string[] };
  const server = http.createServer((req, res) => {
    seen.paths.push(req.url ?? '');
    res.end('ok');
  });
  server.on('connection', () => seen.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { seen, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

/** A DNS server on loopback that answers every query with NXDOMAIN ("3: Host not found"). */
async function nxdomainServer(port: number): Promise<dgram.Socket> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (query, peer) => {
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // the query's id
    header.writeUInt16BE(0x8183, 2); // response, recursion desired + available, NXDOMAIN
    header.writeUInt16BE(1, 4); // the question, echoed
    sock.send(Buffer.concat([header, query.subarray(12)]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => sock.bind(port, '127.0.0.1', resolve));
  return sock;
}

function get(port: number, urlPath: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

interface Scenario {
  dir: string;
  /** The config the fix and the probe read: the app's upstream, a variable (resolver) location. */
  conf: string;
  /** nginx's real error log: 5 forged resolver failures, then 5 refused connections to the config's peer. */
  log: string;
}

/** Runs a real nginx with that config, sends the forged and the ordinary requests, and keeps its log. */
async function recordScenario(): Promise<Scenario> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h16a-probe-'));
  mkdirSync(path.join(dir, 'tmp'));
  const conf = path.join(dir, 'nginx.conf');
  const log = path.join(dir, 'error.log');
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/tmp/${t};`).join('\n');
  writeFileSync(
    conf,
    `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${log} error;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n${temps}\n` +
      `  resolver 127.0.0.1:${DNS_PORT} ipv6=off;\n  resolver_timeout 2s;\n  upstream app {\n    server 127.0.0.1:${CONFIGURED_PORT};\n  }\n` +
      `  server {\n    listen 127.0.0.1:${NGINX_PORT};\n    server_name shop.example.com;\n    location /api { proxy_pass http://app; }\n` +
      `    location / { set $backend api.internal; proxy_pass http://$backend:3000; }\n  }\n}\n`,
  );
  const dns = await nxdomainServer(DNS_PORT);
  const nginx = spawn(NGINX_BIN, ['-p', `${dir}/`, '-c', conf, '-e', log], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => nginx.once('exit', () => r()));
  try {
    // nginx writes its pid file once its sockets listen.
    await until(() => existsSync(path.join(dir, 'nginx.pid')), 10_000, 'nginx to start');
    const referer = `http://shop.example.com/", upstream: "http://${FORGED.host}:${FORGED.port}/`;
    for (let i = 0; i < 5; i++) expect(await get(NGINX_PORT, '/health', { Host: 'shop.example.com', Referer: referer })).toBe(502);
    for (let i = 0; i < 5; i++) expect(await get(NGINX_PORT, '/api', { Host: 'shop.example.com' })).toBe(502);
  } finally {
    nginx.kill('SIGQUIT');
    await exited;
    dns.close();
  }
  const text = readFileSync(log, 'utf8');
  expect(text).toContain(`api.internal could not be resolved (3: Host not found), client: 127.0.0.1, server: shop.example.com, request: "GET /health HTTP/1.1", host: "shop.example.com", referrer: "http://shop.example.com/", upstream: "http://${FORGED.host}:${FORGED.port}/"`);
  expect(text.match(/could not be resolved/g)).toHaveLength(5);
  expect(text).toContain(`connect() failed (111: Connection refused) while connecting to upstream`);
  return { dir, conf, log };
}

describe('the nginx config names what may be probed', () => {
  it('lists upstream servers and literal *_pass addresses, not variables, sockets or group names', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h16a-peers-'));
    writeFileSync(path.join(dir, 'app.conf'), 'upstream app { server backend:8080; server [::1]:4000 backup; server unix:/run/a.sock; server 10.1.2.3; }\n');
    const conf = path.join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      'events {}\nhttp {\n  include app.conf;\n  server {\n    location / { proxy_pass http://app; }\n    location /b { proxy_pass https://127.0.0.1; }\n' +
        '    location /c { proxy_pass http://$host:1234; }\n    location /d { fastcgi_pass 127.0.0.1:9000; }\n    location /e { proxy_pass http://unix:/run/x.sock:/; }\n  }\n}\n',
    );
    expect(configuredPeers(loadNginxConfig(conf)).sort()).toEqual(['10.1.2.3:80', '127.0.0.1:443', '127.0.0.1:9000', '[::1]:4000', 'backend:8080'].sort());
  });

  it('a log-named upstream outside the config is refused in one line; a config peer is allowed', () => {
    const conf = path.join(mkdtempSync(path.join(os.tmpdir(), 'rd-h16a-peers-')), 'nginx.conf');
    writeFileSync(conf, `events {}\nhttp {\n  upstream app { server 127.0.0.1:${CONFIGURED_PORT}; }\n  server { location / { proxy_pass http://app; } }\n}\n`);
    expect(probeTargetRefusal(FORGED.host, FORGED.port, [], conf)).toBe(`not probed: 127.0.0.9:5055 is not an upstream in ${conf} nor a container address`);
    expect(probeTargetRefusal('127.0.0.1', CONFIGURED_PORT, [], conf)).toBeNull();
    // No readable config: nothing but containers may be probed, and the line says how to fix it.
    expect(readConfigPeers(path.join(os.tmpdir(), 'rd-h16a-no-such.conf')).config).toBeNull();
    expect(probeTargetRefusal('127.0.0.1', CONFIGURED_PORT, [], path.join(os.tmpdir(), 'rd-h16a-no-such.conf'))).toMatch(/^not probed: 127\.0\.0\.1:39671 is not an upstream of a readable nginx config \(pass --nginx-conf\) nor a container address$/);
  });
});

describe.skipIf(!hasNginx)('a forged upstream field in a Referer is never probed (real nginx log, real loopback listeners)', () => {
  let scenario: Scenario;
  let forged: Awaited<ReturnType<typeof listener>>;
  let configured: Awaited<ReturnType<typeof listener>>;
  beforeAll(async () => {
    // First the log (nothing listens on the config's peer yet: its requests are refused), then the listeners.
    scenario = await recordScenario();
    forged = await listener(FORGED.host, FORGED.port);
    configured = await listener('127.0.0.1', CONFIGURED_PORT);
  });
  afterAll(async () => {
    await forged?.close();
    await configured?.close();
  });

  it('postmortem --probe: the config peer is probed, the forged address gets no connection', async () => {
    const { conf, log } = scenario;
    const r = await runCli(['--log', log, '--probe', '--nginx-conf', conf], { timeoutMs: 20_000 });
    expect(forged.seen.connections).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    // The burst the forged field made is reported (the log says what it says) …
    expect(r.stdout).toContain(`${FORGED.host}:${FORGED.port}`);
    // … but not probed, and the report says so in one line.
    expect(r.stdout).toContain(`not probed: 127.0.0.9:5055 is not an upstream in ${conf} nor a container address`);
    expect(configured.seen.paths).toContain('/health');
  });

  it('live mode: the same', async () => {
    const { conf, log, dir } = scenario;
    const before = configured.seen.paths.length;
    const args = ['--follow', '--log', log, '--since', '1 hour ago', '--no-tui', '--nginx-conf', conf, '--docker', `unix://${dir}/no-docker.sock`];
    const child = spawn(CLI, [...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    try {
      // Both incidents' turn has come once the config peer's checklist ran (one enrichment at a time).
      await until(() => /not probed: 127\.0\.0\.9:5055|VERDICT upstream=127\.0\.0\.9:5055/.test(out) && / VERDICT upstream=127\.0\.0\.1:39671/.test(out), 20_000, `the refusal and the config peer's checklist; stdout:\n${out}`);
    } finally {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    expect(forged.seen.connections).toBe(0);
    expect(out).toContain(`not probed: 127.0.0.9:5055 is not an upstream in ${conf} nor a container address`);
    expect(configured.seen.paths.length).toBeGreaterThan(before);
  });
});
