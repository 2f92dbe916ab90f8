/**
 * Deterministic generator of a large nginx error log and the matching `docker events` stream.
 *
 * The mix is what a busy host writes: mostly noise (clients leaving, buffering warnings, access
 * rules, missing files, start-up notices without *CONN), a steady trickle of upstream failures of
 * every kind on several upstreams, and a few restart bursts (111 refused while a container is
 * down) with kill/die/stop/start/restart events around them, plus exec_* health-check noise.
 * A few lines are deliberately odd (not nginx, empty, non-ASCII, control bytes) so the parser's
 * "counted, never dropped" accounting is exercised too.
 *
 * Same size + seed → byte-identical files; outputs are reused when a `.done` stamp matches.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface GeneratedData {
  log: string;
  events: string;
  bytes: number;
  lines: number;
  /** Upstream failure lines written (every kind, bursts included). */
  failures: number;
  restartBursts: number;
  reused: boolean;
}

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START = Date.UTC(2024, 2, 10, 0, 0, 0); // the log is written in UTC (bench passes --tz UTC)

interface Upstream {
  url: string; // host:port as nginx writes it in `upstream: "http://HOST:PORT/…"`
  container: string;
  service: string;
  id: string;
}

const UPSTREAMS: Upstream[] = [
  { url: 'http://172.18.0.5:3000', container: 'shop-api-1', service: 'api', id: 'a1'.repeat(32) },
  { url: 'http://172.18.0.6:8080', container: 'shop-web-1', service: 'web', id: 'b2'.repeat(32) },
  { url: 'http://172.18.0.7:9000', container: 'shop-auth-1', service: 'auth', id: 'c3'.repeat(32) },
  { url: 'http://172.18.0.8:5000', container: 'shop-search-1', service: 'search', id: 'd4'.repeat(32) },
  { url: 'http://127.0.0.1:8081', container: 'shop-admin-1', service: 'admin', id: 'e5'.repeat(32) },
];
/** The outage mix's dozen upstreams: the five above plus seven more services. */
const OUTAGE_UPSTREAMS: Upstream[] = [
  ...UPSTREAMS,
  ...['cart', 'pay', 'mail', 'img', 'feed', 'stock', 'ship'].map((service, k) => ({
    url: `http://172.18.1.${10 + k}:${7000 + k}`,
    container: `shop-${service}-1`,
    service,
    id: `f${k}`.repeat(32),
  })),
];
/** `busy`: a busy host's log, ~7 % upstream failures. `outage`: nearly every line (~85 %) an upstream failure of any kind, a dozen upstreams. */
export type Mix = 'busy' | 'outage';
const SERVERS = ['shop.example.com', 'api.example.com', 'admin.example.com', 'static.example.com'];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'];
const PATHS = [
  '/api/orders',
  '/api/orders/48213/items?expand=product,price&currency=EUR',
  '/api/cart',
  '/api/search?q=running+shoes&page=2&sort=price_asc',
  '/login',
  '/auth/token',
  '/admin/reports/daily?from=2024-03-01&to=2024-03-09',
  '/static/app.3f9a1c.js',
  '/healthz',
  '/api/users/me/preferences',
  '/api/catalogue/категории', // non-ASCII path (nginx writes request bytes as they came)
];
const REFERRERS = ['https://shop.example.com/', 'https://shop.example.com/checkout', 'https://www.google.com/'];

function pick<T>(r: () => number, a: readonly T[]): T {
  return a[Math.floor(r() * a.length)]!;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function stampOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function clientIp(r: () => number): string {
  const x = Math.floor(r() * 4000);
  return x < 3000 ? `203.0.113.${x % 250}` : `198.51.100.${x % 250}`;
}

interface Burst {
  at: number; // ms
  durationS: number;
  upstream: number;
  kind: 'restart' | 'stop-timeout' | 'crash';
}

/** Failure message heads (DOMAIN.md), each with its level and `while` action. */
const FAILURES: Array<{ level: string; msg: string; action: string | null; weight: number }> = [
  { level: 'error', msg: 'connect() failed (111: Connection refused)', action: 'connecting to upstream', weight: 30 },
  { level: 'error', msg: 'upstream timed out (110: Connection timed out)', action: 'reading response header from upstream', weight: 20 },
  { level: 'error', msg: 'recv() failed (104: Connection reset by peer)', action: 'reading response header from upstream', weight: 12 },
  { level: 'error', msg: 'connect() failed (113: No route to host)', action: 'connecting to upstream', weight: 6 },
  { level: 'error', msg: 'no live upstreams', action: 'connecting to upstream', weight: 8 },
  { level: 'error', msg: 'upstream prematurely closed connection', action: 'reading response header from upstream', weight: 12 },
  { level: 'error', msg: 'upstream sent invalid header', action: 'reading response header from upstream', weight: 4 },
  {
    level: 'error',
    msg: 'SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number)',
    action: 'SSL handshaking to upstream',
    weight: 4,
  },
  { level: 'error', msg: 'writev() failed (32: Broken pipe)', action: 'sending request to upstream', weight: 3 },
  { level: 'warn', msg: 'upstream server temporarily disabled', action: 'reading response header from upstream', weight: 1 },
];
const FAILURE_TABLE: number[] = FAILURES.flatMap((f, i) => new Array<number>(f.weight).fill(i));
/** The outage mix adds the classic causes a busy host rarely shows. */
const OUTAGE_FAILURES: typeof FAILURES = [
  ...FAILURES,
  { level: 'error', msg: 'upstream sent too big header', action: 'reading response header from upstream', weight: 3 },
  { level: 'crit', msg: 'connect() to unix:/run/app.sock failed (13: Permission denied)', action: 'connecting to upstream', weight: 2 },
  { level: 'error', msg: 'connect() to unix:/run/app.sock failed (2: No such file or directory)', action: 'connecting to upstream', weight: 2 },
];
const OUTAGE_TABLE: number[] = OUTAGE_FAILURES.flatMap((f, i) => new Array<number>(f.weight).fill(i));

export function generate(dir: string, targetBytes: number, seed = 1, mix: Mix = 'busy'): GeneratedData {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `error-${mix === 'busy' ? '' : `${mix}-`}${targetBytes}-s${seed}`);
  const ups = mix === 'outage' ? OUTAGE_UPSTREAMS : UPSTREAMS;
  const log = `${base}.log`;
  const events = `${base}.events.jsonl`;
  const stamp = `${base}.done`;
  if (existsSync(stamp) && existsSync(log) && existsSync(events)) {
    try {
      const meta = JSON.parse(readFileSync(stamp, 'utf8')) as Omit<GeneratedData, 'reused'>;
      if (statSync(log).size === meta.bytes) return { ...meta, log, events, reused: true };
    } catch {
      // regenerate
    }
  }

  const r = rng(seed);
  // ~280 bytes a line on average; spread the lines over a day-ish at ~16 lines/s like the reference log.
  const estLines = Math.max(1000, Math.round(targetBytes / 280));
  const spanS = Math.max(600, Math.round(estLines / 16));
  const bursts: Burst[] = [];
  const nBursts = Math.max(3, Math.min(12, Math.round(targetBytes / 50e6)));
  for (let b = 0; b < nBursts; b++) {
    bursts.push({
      at: START + Math.round(((b + 0.5) / nBursts) * spanS * 1000),
      durationS: 8 + Math.floor(r() * 20),
      upstream: b % ups.length,
      kind: b % 3 === 0 ? 'stop-timeout' : b % 3 === 1 ? 'restart' : 'crash',
    });
  }

  const fd = openSync(`${log}.tmp`, 'w');
  let out: string[] = [];
  let outLen = 0;
  let bytes = 0;
  let lines = 0;
  let failures = 0;
  const flush = () => {
    if (out.length === 0) return;
    const buf = Buffer.from(`${out.join('\n')}\n`);
    writeSync(fd, buf);
    bytes += buf.length;
    out = [];
    outLen = 0;
  };
  const push = (line: string) => {
    out.push(line);
    outLen += line.length + 1;
    lines++;
    if (outLen > 4 << 20) flush();
  };

  let conn = 100_000;
  let lastSec = -1;
  let ts = '';
  let burstIx = 0;
  const perLineMs = (spanS * 1000) / estLines;
  let t = START;
  // Episodes of one kind of failure on one upstream (slow backend, flaky network): failures cluster.
  let episodeUntil = 0;
  let episodeKind = 0;
  let episodeUp = 0;
  const worker = () => `${1000 + Math.floor(r() * 4)}#${1000 + Math.floor(r() * 4)}`;

  const requestFields = (up: Upstream | null) => {
    const method = pick(r, METHODS);
    const path = pick(r, PATHS);
    const server = pick(r, SERVERS);
    let s = `, client: ${clientIp(r)}, server: ${server}, request: "${method} ${path} HTTP/1.1"`;
    if (up) s += `, upstream: "${up.url}${path}"`;
    s += `, host: "${server}"`;
    if (r() < 0.4) s += `, referrer: "${pick(r, REFERRERS)}"`;
    return s;
  };
  const failureLine = (fi: number, up: Upstream) => {
    const f = OUTAGE_FAILURES[fi]!;
    failures++;
    return `${ts} [${f.level}] ${worker()}: *${conn++} ${f.msg}${f.action ? ` while ${f.action}` : ''}${requestFields(f.msg.startsWith('no live') ? { ...up, url: 'http://backend' } : up)}`;
  };

  while (bytes + outLen < targetBytes) {
    t += perLineMs * (0.5 + r());
    const sec = Math.floor(t / 1000);
    if (sec !== lastSec) {
      lastSec = sec;
      ts = stampOf(sec * 1000);
    }
    // Restart bursts: a container down for a few seconds, every request to it refused.
    const b = bursts[burstIx];
    if (b && t >= b.at) {
      const up = ups[b.upstream]!;
      for (let s = 0; s < b.durationS; s++) {
        const bts = stampOf(b.at + s * 1000);
        const save = ts;
        ts = bts;
        for (let k = 0; k < 40; k++) push(failureLine(0, up));
        ts = save;
      }
      t = b.at + b.durationS * 1000;
      burstIx++;
      continue;
    }
    const x = r();
    if (t > episodeUntil && x < 0.0002) {
      episodeUntil = t + 20_000 + r() * 120_000;
      episodeKind = pick(r, FAILURE_TABLE);
      episodeUp = Math.floor(r() * ups.length);
    }
    const up = pick(r, ups);
    const y = r();
    if (mix === 'outage' && y < 0.85) {
      push(failureLine(pick(r, OUTAGE_TABLE), up)); // everything failing at once, every kind
    } else if (t < episodeUntil && y < 0.25) {
      push(failureLine(episodeKind, ups[episodeUp]!));
    } else if (y < 0.02) {
      push(failureLine(pick(r, FAILURE_TABLE), up)); // isolated failures of every kind
    } else if (y < 0.2) {
      const w = pick(r, ['reading upstream', 'sending to upstream', 'reading response header from upstream']);
      push(`${ts} [info] ${worker()}: *${conn++} client prematurely closed connection while ${w}${requestFields(up)}`);
    } else if (y < 0.32) {
      push(
        `${ts} [warn] ${worker()}: *${conn++} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/${Math.floor(r() * 9)}/${pad(Math.floor(r() * 99))}/00000${Math.floor(r() * 99999)} while reading upstream${requestFields(up)}`,
      );
    } else if (y < 0.55) {
      push(`${ts} [error] ${worker()}: *${conn++} access forbidden by rule${requestFields(null)}`);
    } else if (y < 0.8) {
      push(
        `${ts} [error] ${worker()}: *${conn++} open() "/usr/share/nginx/html${pick(r, ['/favicon.ico', '/robots.txt', '/wp-login.php', '/.env', '/apple-touch-icon.png'])}" failed (2: No such file or directory)${requestFields(null)}`,
      );
    } else if (y < 0.9) {
      push(`${ts} [info] ${worker()}: *${conn++} client closed keepalive connection (104: Connection reset by peer)`);
    } else if (y < 0.96) {
      push(
        `${ts} [error] ${worker()}: *${conn++} limiting requests, excess: ${(r() * 20).toFixed(3)} by zone "perip", client: ${clientIp(r)}, server: ${pick(r, SERVERS)}, request: "GET /api/search?q=x HTTP/1.1", host: "shop.example.com"`,
      );
    } else if (y < 0.995) {
      push(`${ts} [notice] ${worker()}: ${pick(r, ['signal process started', 'reopening logs', 'using the "epoll" event method', 'start worker process 1042', 'gracefully shutting down'])}`);
    } else {
      // Odd lines a real file has: stack-trace junk, blank lines, control bytes, bad times.
      const z = Math.floor(r() * 5);
      if (z === 0) push('');
      else if (z === 1) push(`  at Object.<anonymous> (/app/server.js:${Math.floor(r() * 400)}:13)`);
      else if (z === 2) push(`${ts} [error] ${worker()}: *${conn++} client sent invalid request \u0001\u0002 while reading client request line, client: ${clientIp(r)}, server: _`);
      else if (z === 3) push(`${ts.slice(0, 11)}25:61:00 [error] ${worker()}: *${conn++} bad clock line`);
      else push(`${ts} [error] ${worker()}: *${conn++} open() "/srv/Ünïcode/ファイル.txt" failed (2: No such file or directory), client: ${clientIp(r)}, server: _`);
    }
  }
  flush();
  closeSync(fd);
  renameSync(`${log}.tmp`, log);

  // docker events: restarts around the bursts, exec_* health checks every 30 s per container.
  const ev: string[] = [];
  const evLine = (up: Upstream, action: string, ms: number, extra: Record<string, string> = {}) => {
    const ns = BigInt(ms) * 1_000_000n + BigInt(Math.floor(r() * 999_999));
    const attrs = {
      'com.docker.compose.project': 'shop',
      'com.docker.compose.service': up.service,
      image: `shop/${up.service}:1.4.2`,
      name: up.container,
      ...extra,
    };
    ev.push(
      JSON.stringify({
        status: action,
        id: up.id,
        from: attrs.image,
        Type: 'container',
        Action: action,
        Actor: { ID: up.id, Attributes: attrs },
        scope: 'local',
        time: Math.floor(ms / 1000),
        timeNano: ns.toString(),
      }),
    );
  };
  const all: Array<{ ms: number; f: () => void }> = [];
  for (const b of bursts) {
    const up = ups[b.upstream]!;
    const d = b.at - 300;
    if (b.kind === 'restart') {
      all.push({ ms: d, f: () => evLine(up, 'kill', d, { signal: '15' }) });
      all.push({ ms: d + 200, f: () => evLine(up, 'die', d + 200, { exitCode: '0', execDuration: '86000' }) });
      all.push({ ms: d + 250, f: () => evLine(up, 'stop', d + 250) });
      all.push({ ms: d + 600, f: () => evLine(up, 'start', d + 600) });
      all.push({ ms: d + 650, f: () => evLine(up, 'restart', d + 650) });
    } else if (b.kind === 'stop-timeout') {
      all.push({ ms: d - 10_000, f: () => evLine(up, 'kill', d - 10_000, { signal: '15' }) });
      all.push({ ms: d, f: () => evLine(up, 'kill', d, { signal: '9' }) });
      all.push({ ms: d + 50, f: () => evLine(up, 'die', d + 50, { exitCode: '137', execDuration: '86000' }) });
      all.push({ ms: d + 100, f: () => evLine(up, 'stop', d + 100) });
      all.push({ ms: d + 900, f: () => evLine(up, 'start', d + 900) });
      all.push({ ms: d + 950, f: () => evLine(up, 'restart', d + 950) });
    } else {
      all.push({ ms: d, f: () => evLine(up, 'die', d, { exitCode: '1', execDuration: '3600' }) });
      all.push({ ms: d + 1000, f: () => evLine(up, 'start', d + 1000) });
    }
    const healthyAt = b.at + b.durationS * 1000 + 500;
    all.push({ ms: healthyAt, f: () => evLine(up, 'health_status: healthy', healthyAt) });
  }
  for (let s = 0; s < spanS; s += 30) {
    for (let u = 0; u < ups.length; u++) {
      const ms = START + s * 1000 + u * 977;
      const up = ups[u]!;
      all.push({
        ms,
        f: () => {
          const exec = { execID: (ms * 31 + u).toString(16).padStart(64, '0') };
          evLine(up, 'exec_create: /bin/sh -c wget -qO- http://127.0.0.1/healthz', ms, exec);
          evLine(up, 'exec_start: /bin/sh -c wget -qO- http://127.0.0.1/healthz', ms + 1, exec);
          evLine(up, 'exec_die', ms + 40, { ...exec, exitCode: '0' });
        },
      });
    }
  }
  all.sort((a, b) => a.ms - b.ms);
  for (const e of all) e.f();
  writeFileSync(events, `${ev.join('\n')}\n`);

  const meta = { log, events, bytes, lines, failures, restartBursts: bursts.length };
  writeFileSync(stamp, JSON.stringify(meta));
  return { ...meta, reused: false };
}
