#!/usr/bin/env node
/**
 * Records the classic non-restart upstream failures FOR REAL: the system's nginx (/usr/sbin/nginx)
 * with a real misconfiguration, real backends (node servers, a tiny DNS responder) and real
 * requests, all inside a private network namespace (`unshare -n`: loopback only, nothing leaves
 * the machine; routes in it are ours to set). Writes fixtures/incidents/classic-<name>/error.log
 * and nginx.conf; expected.json is written by hand (what an SRE concludes from the lines).
 *
 *   sudo node scripts/record-classic.mjs                 # every scenario
 *   sudo node scripts/record-classic.mjs too-big-header  # one
 *
 * Needs root (unshare -n, `user nobody` workers, routes), nginx, openssl, iproute2. Log times are
 * UTC (TZ=UTC for nginx). Request counts are fixed, so the error counts in expected.json are too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? 'nginx';
const ROOT = '/tmp/rd-classic';
const NGINX_PORT = 40300;
const BACKEND_PORT = 40310;
const DNS_PORT = 40353;

// ---- re-run inside a private network namespace ------------------------------------------------
if (process.env.RD_RECORD_NETNS !== '1') {
  const r = spawnSync('unshare', ['-n', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, RD_RECORD_NETNS: '1', TZ: 'UTC' },
  });
  process.exit(r.status ?? 1);
}
sh('ip', ['link', 'set', 'lo', 'up']);
// In this namespace only: a route that answers EACCES (what nginx sees when SELinux denies
// httpd_can_network_connect) and one that answers EHOSTUNREACH (an IP on no attached network).
sh('ip', ['route', 'add', 'prohibit', '172.30.0.13/32']);
sh('ip', ['route', 'add', 'unreachable', '172.30.0.113/32']);

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error}`);
  return r;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- nginx -----------------------------------------------------------------------------------
function nginxConf(name, what, httpExtra, location, { user = 'nobody nogroup' } = {}) {
  return `# Recorded by scripts/record-classic.mjs (scenario ${name}): ${what}
user ${user};
worker_processes 1;
pid nginx.pid;
error_log logs/error.log info;
events { worker_connections 256; }
http {
  access_log logs/access.log;
  client_body_temp_path tmp/client_body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
${httpExtra}
  server {
    listen 127.0.0.1:${NGINX_PORT};
    server_name app.example.test;
    location = /__ready { access_log off; return 200 "ok"; }
    location /api/ {
${location}
      proxy_connect_timeout 2s;
      proxy_read_timeout 2s;
    }
  }
}
`;
}

function prepare(name) {
  const prefix = path.join(ROOT, name);
  rmSync(prefix, { recursive: true, force: true });
  for (const d of ['logs', 'tmp', 'run']) mkdirSync(path.join(prefix, d), { recursive: true });
  chmodSync(ROOT, 0o755);
  chmodSync(prefix, 0o755);
  chmodSync(path.join(prefix, 'run'), 0o755);
  return prefix;
}

async function startNginx(prefix) {
  const child = spawn(NGINX, ['-p', prefix + '/', '-c', 'nginx.conf', '-e', 'logs/error.log', '-g', 'daemon off;'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${readFileSync(path.join(prefix, 'logs/error.log'), 'utf8')}`);
    const ok = await request('GET', '/__ready').then((r) => r.status === 200, () => false);
    if (ok) return child;
    await sleep(50);
  }
  throw new Error('nginx did not start');
}

async function stopNginx(child) {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGQUIT');
  await done;
}

function request(method, p, body = null) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: NGINX_PORT, method, path: p, agent: false, headers: { host: 'app.example.test', 'user-agent': 'record-classic/1.0' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

/** `n` requests one after another: GETs with every third a POST (a write the client must repeat). */
async function traffic(n, gapMs = 120) {
  const statuses = [];
  for (let i = 0; i < n; i++) {
    const post = i % 3 === 2;
    const r = await request(post ? 'POST' : 'GET', post ? '/api/orders' : `/api/orders/${1000 + i}`, post ? '{"sku":"A-1","qty":1}' : null).catch((e) => ({ status: e.message }));
    statuses.push(r.status);
    await sleep(gapMs);
  }
  return statuses;
}

function save(name, prefix, extra = []) {
  const out = path.join(REPO, 'fixtures/incidents', `classic-${name}`);
  mkdirSync(out, { recursive: true });
  copyFileSync(path.join(prefix, 'logs/error.log'), path.join(out, 'error.log'));
  copyFileSync(path.join(prefix, 'nginx.conf'), path.join(out, 'nginx.conf'));
  for (const f of extra) copyFileSync(path.join(prefix, f), path.join(out, path.basename(f)));
  writeFileSync(path.join(out, 'recording.json'), JSON.stringify({ tz: 'UTC', note: 'error.log local times are in this zone', recordedBy: 'scripts/record-classic.mjs' }, null, 2) + '\n');
  const lines = readFileSync(path.join(out, 'error.log'), 'utf8').split('\n').filter(Boolean).length;
  console.log(`classic-${name}: ${lines} lines → ${path.relative(REPO, out)}`);
}

function listen(server, ...args) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...args, () => resolve(server));
  });
}

const close = (server) => new Promise((r) => server.close(() => r()));

function selfSigned(prefix) {
  const key = path.join(prefix, 'run/tls.key');
  const cert = path.join(prefix, 'run/tls.crt');
  sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=api.internal']);
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

function okApp(req, res) {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}\n');
  });
}

/**
 * One scenario of the common shape: the backend `app(prefix)` started (it returns how to stop it;
 * none for a backend that is not there), nginx with `location` (and `httpExtra`) in front of it,
 * 12 requests through it, then the folder saved. `what` and `location` may depend on the prefix.
 */
async function recordOne(name, what, location, { httpExtra = '', app = async () => null } = {}) {
  const prefix = prepare(name);
  const at = (v) => (typeof v === 'function' ? v(prefix) : v);
  const stopApp = await app(prefix);
  writeFileSync(path.join(prefix, 'nginx.conf'), nginxConf(name, at(what), httpExtra, at(location)));
  const ng = await startNginx(prefix);
  console.log('statuses', await traffic(12));
  await stopNginx(ng);
  await stopApp?.();
  save(name, prefix);
}

/** A node server listening at `args` (a port and host, or a socket path), and how to close it. */
const serve = async (server, ...args) => {
  await listen(server, ...args);
  return () => close(server);
};

// ---- scenarios -------------------------------------------------------------------------------
const appSock = (prefix, file) => path.join(prefix, 'run', file);

const scenarios = {
  /** A root-owned 0600 socket: nginx's worker (nobody) may not connect. */
  'unix-socket-permission': () =>
    recordOne(
      'unix-socket-permission',
      (prefix) => `the app listens on ${appSock(prefix, 'app.sock')}, owned by root with mode 0600; the worker runs as nobody`,
      (prefix) => `      proxy_pass http://unix:${appSock(prefix, 'app.sock')}:/api/;`,
      {
        app: async (prefix) => {
          const stop = await serve(http.createServer(okApp), appSock(prefix, 'app.sock'));
          chmodSync(appSock(prefix, 'app.sock'), 0o600);
          return stop;
        },
      },
    ),

  /** TCP connect answered EACCES, as under SELinux without httpd_can_network_connect (here: a `prohibit` route). */
  'tcp-permission': () =>
    recordOne('tcp-permission', 'the kernel refuses the connect with EACCES (a prohibit route stands in for an SELinux denial)', '      proxy_pass http://172.30.0.13:8080;'),

  /** The name in proxy_pass does not resolve when nginx starts: it refuses to start (a restart policy retries it). */
  async 'host-not-found'() {
    const prefix = prepare('host-not-found');
    writeFileSync(
      path.join(prefix, 'nginx.conf'),
      nginxConf('host-not-found', 'nginx starts before the backend service exists; `backend` does not resolve', '', '      proxy_pass http://backend:3000;', { user: 'nobody nogroup' }),
    );
    for (let i = 0; i < 3; i++) {
      const r = sh(NGINX, ['-p', prefix + '/', '-c', 'nginx.conf', '-e', 'logs/error.log', '-g', 'daemon off;'], { allowFail: true, env: { ...process.env, TZ: 'UTC' } });
      console.log('nginx exit', r.status, r.stderr.trim());
      await sleep(1000 * (i + 1));
    }
    save('host-not-found', prefix);
  },

  /** `proxy_pass https://` to a TLS-1.3-only upstream: nginx 1.22's default proxy_ssl_protocols stop at TLSv1.2. */
  'upstream-ssl-handshake': () =>
    recordOne('upstream-ssl-handshake', 'the upstream speaks TLS 1.3 only; nginx 1.22 offers TLSv1-1.2 by default', `      proxy_pass https://127.0.0.1:${BACKEND_PORT};`, {
      app: (prefix) => serve(https.createServer({ ...selfSigned(prefix), minVersion: 'TLSv1.3' }, okApp), BACKEND_PORT, '127.0.0.1'),
    }),

  /** `proxy_pass https://` to a plain-HTTP port. */
  'https-to-plain': () =>
    recordOne('https-to-plain', 'proxy_pass https:// to a port that speaks plain HTTP', `      proxy_pass https://127.0.0.1:${BACKEND_PORT};`, {
      app: () => serve(http.createServer(okApp), BACKEND_PORT, '127.0.0.1'),
    }),

  /** `proxy_pass http://` to a TLS port. */
  'http-to-tls': () =>
    recordOne('http-to-tls', 'proxy_pass http:// to a port that speaks TLS', `      proxy_pass http://127.0.0.1:${BACKEND_PORT};`, {
      app: (prefix) => serve(https.createServer(selfSigned(prefix), okApp), BACKEND_PORT, '127.0.0.1'),
    }),

  /** The app answers with a 16 KB header (a big cookie / trace header): more than proxy_buffer_size. */
  'too-big-header': () =>
    recordOne('too-big-header', 'the app sets a 16 KB cookie; proxy_buffer_size is the default (4k/8k)', `      proxy_pass http://127.0.0.1:${BACKEND_PORT};`, {
      app: () => {
        const big = 'x'.repeat(16 * 1024);
        const server = http.createServer((req, res) => {
          req.resume();
          req.on('end', () => {
            res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `session=${big}; Path=/; HttpOnly` });
            res.end('{"ok":true}\n');
          });
        });
        return serve(server, BACKEND_PORT, '127.0.0.1');
      },
    }),

  /** proxy_pass to a unix socket that does not exist (the app is not running, or its socket is elsewhere). */
  'unix-socket-missing': () =>
    recordOne(
      'unix-socket-missing',
      (prefix) => `nothing created ${appSock(prefix, 'gunicorn.sock')}`,
      (prefix) => `      proxy_pass http://unix:${appSock(prefix, 'gunicorn.sock')}:/api/;`,
    ),

  /** A unix listener with backlog 1 whose process never accepts (a worker pool all busy): the queue fills, connect() says EAGAIN. */
  async 'unix-socket-backlog'() {
    const prefix = prepare('unix-socket-backlog');
    const sock = path.join(prefix, 'run/php-fpm.sock');
    // A second process: it listens, says so, then blocks its event loop for good, so nothing accepts.
    const stuck = spawn(
      process.execPath,
      ['-e', `const s=require('net').createServer().listen({path:${JSON.stringify(sock)},backlog:1},()=>{require('fs').chmodSync(${JSON.stringify(sock)},0o666);process.stdout.write('ready\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0),50)})`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((r) => stuck.stdout.once('data', r));
    await sleep(200);
    writeFileSync(path.join(prefix, 'nginx.conf'), nginxConf('unix-socket-backlog', `the app on ${sock} listens with backlog 1 and accepts nothing`, '', `      proxy_pass http://unix:${sock}:/api/;`));
    const ng = await startNginx(prefix);
    // A burst of concurrent requests, three times: the queue holds two, the rest get EAGAIN at once.
    for (let wave = 0; wave < 3; wave++) {
      const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => request(i % 3 === 2 ? 'POST' : 'GET', `/api/orders/${wave * 10 + i}`).catch((e) => ({ status: e.message }))));
      console.log('statuses', rs.map((r) => r.status));
      await sleep(300);
    }
    await stopNginx(ng);
    stuck.kill('SIGKILL');
    save('unix-socket-backlog', prefix);
  },

  /** The upstream IP is on no network nginx can reach (a container on another network, a removed container's IP). */
  'no-route': () => recordOne('no-route', '172.30.0.113 is on no network nginx is attached to', '      proxy_pass http://172.30.0.113:3000;'),

  /** resolver + variable: the name is looked up per request and the DNS answers NXDOMAIN (the service was removed). */
  'not-resolved': () =>
    recordOne(
      'not-resolved',
      'proxy_pass with a variable looks `api.internal` up per request; the service is gone and DNS answers NXDOMAIN',
      '      set $api_upstream api.internal;\n      proxy_pass http://$api_upstream:3000;',
      {
        httpExtra: `  resolver 127.0.0.1:${DNS_PORT} valid=10s ipv6=off;`,
        app: async () => {
          const dns = dgram.createSocket('udp4');
          dns.on('message', (q, from) => {
            if (q.length < 12) return;
            const a = Buffer.from(q);
            a[2] = 0x81 | (q[2] & 0x01); // QR, opcode 0, RD copied
            a[3] = 0x83; // RA, RCODE 3 = NXDOMAIN
            a.writeUInt16BE(0, 6); // no answers
            a.writeUInt16BE(0, 8);
            a.writeUInt16BE(0, 10);
            dns.send(a, from.port, from.address);
          });
          await new Promise((r) => dns.bind(DNS_PORT, '127.0.0.1', r));
          return () => dns.close();
        },
      },
    ),
};

const wanted = process.argv.slice(2);
for (const name of wanted.length ? wanted : Object.keys(scenarios)) {
  const run = scenarios[name];
  if (!run) {
    console.error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
    process.exit(2);
  }
  await run();
}
rmSync(ROOT, { recursive: true, force: true });
