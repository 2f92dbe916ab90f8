/**
 * What the checklist may probe on its own (live mode, postmortem --probe): the nginx config's
 * peers and containers, never an upstream a log line names. A client can forge
 * `", upstream: "http://127.0.0.9:5055/` inside its Referer; nginx writes the header as sent, so the
 * error line then seems to name that upstream. Real loopback listeners prove what was connected to.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNginxConfig } from '../../src/fix/nginx/load.js';
import { configuredPeers } from '../../src/fix/nginx/peers.js';
import { probeTargetRefusal, readConfigPeers } from '../../src/engine/probeTargets.js';
import { CLI, runCli } from '../support/cli.js';
import { sleep } from '../support/scenario.js';

const FORGED = { host: '127.0.0.9', port: 5055 };
const CONFIGURED_PORT = 39671;

async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

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

/**
 * nginx's own line for a resolver failure (ngx_http_upstream_resolve_handler; the fields are
 * ngx_http_log_error_handler's: no `upstream:` yet, the Referer last, written as the client sent it).
 */
function forgedResolverLine(time: string, n: number): string {
  const referer = `http://shop.example.com/", upstream: "http://${FORGED.host}:${FORGED.port}/`;
  return `${time} [error] 31#31: *${n} api.internal could not be resolved (3: Host not found), client: 203.0.113.7, server: shop.example.com, request: "GET /health HTTP/1.1", host: "shop.example.com", referrer: "${referer}"`;
}

function refusedLine(time: string, n: number): string {
  return `${time} [error] 31#31: *${n} connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.8, server: shop.example.com, request: "GET /api HTTP/1.1", upstream: "http://127.0.0.1:${CONFIGURED_PORT}/api", host: "shop.example.com"`;
}

function scenario() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h16a-probe-'));
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `events {}\nhttp {\n  resolver 127.0.0.1;\n  upstream app { server 127.0.0.1:${CONFIGURED_PORT} max_fails=1; }\n  server {\n    listen 80;\n` +
      `    location /api { proxy_pass http://app; }\n    location / { set $b api.internal; proxy_pass http://$b:3000; }\n  }\n}\n`,
  );
  const log = path.join(dir, 'error.log');
  const lines: string[] = [];
  for (let i = 0; i < 5; i++) lines.push(forgedResolverLine(`2024/01/15 03:12:4${i}`, 10 + i));
  for (let i = 0; i < 5; i++) lines.push(refusedLine(`2024/01/15 03:20:1${i}`, 20 + i));
  writeFileSync(log, `${lines.join('\n')}\n`);
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
    const { conf } = scenario();
    expect(probeTargetRefusal(FORGED.host, FORGED.port, [], conf)).toBe(`not probed: 127.0.0.9:5055 is not an upstream in ${conf} nor a container address`);
    expect(probeTargetRefusal('127.0.0.1', CONFIGURED_PORT, [], conf)).toBeNull();
    // No readable config: nothing but containers may be probed, and the line says how to fix it.
    expect(readConfigPeers(path.join(os.tmpdir(), 'rd-h16a-no-such.conf')).config).toBeNull();
    expect(probeTargetRefusal('127.0.0.1', CONFIGURED_PORT, [], path.join(os.tmpdir(), 'rd-h16a-no-such.conf'))).toMatch(/^not probed: 127\.0\.0\.1:39671 is not an upstream of a readable nginx config \(pass --nginx-conf\) nor a container address$/);
  });
});

describe('a forged upstream field in a Referer is never probed (real loopback listeners)', () => {
  let forged: Awaited<ReturnType<typeof listener>>;
  let configured: Awaited<ReturnType<typeof listener>>;
  beforeAll(async () => {
    forged = await listener(FORGED.host, FORGED.port);
    configured = await listener('127.0.0.1', CONFIGURED_PORT);
  });
  afterAll(async () => {
    await forged?.close();
    await configured?.close();
  });

  it('postmortem --probe: the config peer is probed, the forged address gets no connection', async () => {
    const { conf, log } = scenario();
    const r = await runCli(['--log', log, '--tz', 'UTC', '--probe', '--nginx-conf', conf]);
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
    const { conf, log, dir } = scenario();
    const before = configured.seen.paths.length;
    const args = ['--follow', '--log', log, '--since', '2024-01-15 00:00', '--tz', 'UTC', '--no-tui', '--nginx-conf', conf, '--docker', `unix://${dir}/no-docker.sock`];
    const child = spawn('sh', [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    try {
      // Both incidents' turn has come once the config peer's checklist ran (one enrichment at a time).
      await until(() => /not probed: 127\.0\.0\.9:5055|VERDICT upstream=127\.0\.0\.9:5055/.test(out) && / VERDICT upstream=127\.0\.0\.1:39671/.test(out), 20_000, `the refusal and the config peer's checklist; stdout:\n${out}`);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
    expect(forged.seen.connections).toBe(0);
    expect(out).toContain(`not probed: 127.0.0.9:5055 is not an upstream in ${conf} nor a container address`);
    expect(configured.seen.paths.length).toBeGreaterThan(before);
  });
});
