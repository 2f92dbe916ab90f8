/**
 * The nginx error-log parser against every upstream-failure variant DOMAIN.md lists, written the
 * way ngx_log_error_core + ngx_http_log_error print them, plus the lines that must NOT count.
 */
import { describe, expect, it } from 'vitest';
import type { LogRecord, UpstreamErrorKind } from '../../src/model/logRecord.js';
import { LocalClock } from '../../src/parse/localTime.js';
import { MAX_LINE_CHARS, parseNginxLine, parseUpstreamUrl, upstreamKey } from '../../src/parse/nginxLine.js';
import { nginxLine, REFUSED } from './helpers.js';

const UTC = new LocalClock('UTC');

function parse(text: string): LogRecord {
  const r = parseNginxLine(text, 'error.log', 7, UTC);
  if (!r.ok) throw new Error(`expected a record, got ${r.unparsed.reason}: ${text}`);
  return r.record;
}

function reason(text: string): string {
  const r = parseNginxLine(text, 'error.log', 7, UTC);
  return r.ok ? 'parsed' : r.unparsed.reason;
}

const AT = '2024/01/15 03:12:41';
const EPOCH = Date.UTC(2024, 0, 15, 3, 12, 41);

describe('the full line format', () => {
  it('reads every field of a 111 line, with errno, action, request and upstream split out', () => {
    const r = parse(
      `${AT} [error] 813#813: *1887256 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.151, server: shop.example.com, request: "POST /api/orders?id=7 HTTP/1.1", upstream: "http://172.18.0.5:3000/api/orders?id=7", host: "shop.example.com", referrer: "https://shop.example.com/cart"`,
    );
    expect(r).toMatchObject({
      source: 'error.log',
      line: 7,
      time: EPOCH,
      localTime: AT,
      level: 'error',
      pid: 813,
      tid: 813,
      conn: 1887256,
      message: 'connect() failed (111: Connection refused) while connecting to upstream',
      errno: 111,
      strerror: 'Connection refused',
      action: 'connecting to upstream',
      kind: 'refused',
      client: '203.0.113.151',
      server: 'shop.example.com',
      request: { method: 'POST', path: '/api/orders?id=7', protocol: 'HTTP/1.1' },
      upstream: { url: 'http://172.18.0.5:3000/api/orders?id=7', scheme: 'http', host: '172.18.0.5', port: 3000, path: '/api/orders?id=7' },
      host: 'shop.example.com',
      referrer: 'https://shop.example.com/cart',
    });
  });

  it('keeps pid and tid apart (worker threads write PID#TID with different numbers)', () => {
    const r = parse(`${AT} [error] 27#31: *9 ${REFUSED}, client: 10.0.0.1, server: _, request: "GET / HTTP/1.1", upstream: "http://10.0.0.9:80/", host: "a"`);
    expect([r.pid, r.tid, r.conn]).toEqual([27, 31, 9]);
  });

  it('reads a line with a subrequest field in its place between request and upstream', () => {
    const r = parse(
      nginxLine({
        time: EPOCH,
        msg: REFUSED,
        request: 'GET /page HTTP/1.1',
        subrequest: '/_auth',
        upstream: 'http://172.18.0.7:8080/_auth',
        host: 'shop.example.com',
      }),
    );
    expect(r.request?.path).toBe('/page');
    expect(r.upstream?.host).toBe('172.18.0.7');
    expect(r.upstream?.port).toBe(8080);
    expect(r.host).toBe('shop.example.com');
    expect(r.kind).toBe('refused');
  });

  it('reads lines without *CONN (start-up, signals) as valid, non-upstream lines', () => {
    const r = parse(`${AT} [notice] 1#1: signal 1 (SIGHUP) received from 24117, reconfiguring`);
    expect(r.conn).toBeNull();
    expect(r.kind).toBeNull();
    expect(r.level).toBe('notice');
    expect(r.message).toBe('signal 1 (SIGHUP) received from 24117, reconfiguring');
  });

  it('accepts every level nginx writes and rejects one it does not', () => {
    for (const level of ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug']) {
      expect(parse(`${AT} [${level}] 1#1: hello`).level).toBe(level);
    }
    expect(reason(`${AT} [fatal] 1#1: hello`)).toBe('not-nginx');
  });

  it('gives the referrer when it is the last field and leaves it null when absent', () => {
    const base = { time: EPOCH, msg: REFUSED, request: 'GET / HTTP/1.1', upstream: 'http://172.18.0.5:3000/', host: 'h' };
    expect(parse(nginxLine(base)).referrer).toBeNull();
    expect(parse(nginxLine({ ...base, referrer: 'https://ex.com/a?b=c' })).referrer).toBe('https://ex.com/a?b=c');
  });
});

type Case = { name: string; line: string; kind: UpstreamErrorKind | null; level?: string; errno?: number | null; action?: string | null };

const up = (u: string) => ({ request: 'GET /api/cart HTTP/1.1', upstream: u, host: 'shop.example.com' });

const VARIANTS: Case[] = [
  {
    name: 'connect() failed (111)',
    line: nginxLine({ time: EPOCH, msg: REFUSED, ...up('http://172.18.0.5:3000/api/cart') }),
    kind: 'refused',
    errno: 111,
    action: 'connecting to upstream',
  },
  {
    name: 'sync connect() to PEER failed (111)',
    line: nginxLine({ time: EPOCH, msg: 'connect() to 127.0.0.1:3000 failed (111: Connection refused) while connecting to upstream', ...up('http://127.0.0.1:3000/api/cart') }),
    kind: 'refused',
    errno: 111,
  },
  {
    name: 'unix socket (2: No such file or directory), crit',
    line: nginxLine({
      time: EPOCH,
      level: 'crit',
      msg: 'connect() to unix:/run/php/php-fpm.sock failed (2: No such file or directory) while connecting to upstream',
      request: 'GET /index.php HTTP/1.1',
      upstream: 'fastcgi://unix:/run/php/php-fpm.sock:',
      host: 'shop.example.com',
    }),
    kind: 'unix-socket',
    level: 'crit',
    errno: 2,
  },
  {
    name: 'unix socket (13: Permission denied), crit',
    line: nginxLine({
      time: EPOCH,
      level: 'crit',
      msg: 'connect() to unix:/run/php/php-fpm.sock failed (13: Permission denied) while connecting to upstream',
      request: 'GET /index.php HTTP/1.1',
      upstream: 'fastcgi://unix:/run/php/php-fpm.sock:',
      host: 'shop.example.com',
    }),
    // The errno decides: 13 is a permission fault (the socket's mode), not a missing socket.
    kind: 'permission',
    level: 'crit',
    errno: 13,
  },
  {
    name: 'upstream timed out (110) while reading response header',
    line: nginxLine({ time: EPOCH, msg: 'upstream timed out (110: Connection timed out) while reading response header from upstream', ...up('http://172.18.0.5:3000/api/cart') }),
    kind: 'timeout',
    errno: 110,
    action: 'reading response header from upstream',
  },
  {
    name: 'connect() failed (110) while connecting',
    line: nginxLine({ time: EPOCH, msg: 'connect() failed (110: Connection timed out) while connecting to upstream', ...up('http://172.18.0.5:3000/api/cart') }),
    kind: 'timeout',
    errno: 110,
  },
  {
    name: 'recv() failed (104) while reading response header',
    line: nginxLine({ time: EPOCH, msg: 'recv() failed (104: Connection reset by peer) while reading response header from upstream', ...up('http://172.18.0.5:3000/api/cart') }),
    kind: 'reset',
    errno: 104,
  },
  {
    name: 'connect() failed (113: No route to host)',
    line: nginxLine({ time: EPOCH, msg: 'connect() failed (113: No route to host) while connecting to upstream', ...up('http://172.18.0.9:3000/api/cart') }),
    kind: 'no-route',
    errno: 113,
  },
  {
    name: 'writev() failed (32: Broken pipe) while sending request',
    line: nginxLine({ time: EPOCH, msg: 'writev() failed (32: Broken pipe) while sending request to upstream', ...up('http://172.18.0.5:3000/api/cart') }),
    kind: 'broken-pipe',
    errno: 32,
    action: 'sending request to upstream',
  },
  {
    name: 'no live upstreams (group name in the url)',
    line: nginxLine({ time: EPOCH, msg: 'no live upstreams while connecting to upstream', ...up('http://backend/api/cart') }),
    kind: 'no-live-upstreams',
    errno: null,
  },
  {
    name: 'upstream server temporarily disabled (warn)',
    line: nginxLine({ time: EPOCH, level: 'warn', msg: 'upstream server temporarily disabled while connecting to upstream', ...up('http://172.18.0.5:3000/api/cart') }),
    kind: 'disabled',
    level: 'warn',
  },
  {
    name: 'upstream prematurely closed connection',
    line: nginxLine({ time: EPOCH, msg: 'upstream prematurely closed connection while reading response header from upstream', ...up('http://172.18.0.5:3000/api/cart') }),
    kind: 'premature-close',
    errno: null,
  },
  {
    name: 'upstream sent invalid header',
    line: nginxLine({ time: EPOCH, msg: 'upstream sent invalid header: "X-Bad\\x0D..." while reading response header from upstream', ...up('http://172.18.0.5:3000/api/cart') }),
    kind: 'invalid-header',
  },
  {
    name: 'upstream sent too big header',
    line: nginxLine({ time: EPOCH, msg: 'upstream sent too big header while reading response header from upstream', ...up('http://172.18.0.5:3000/api/cart') }),
    // A buffer-size fault with its own fix, not a broken backend.
    kind: 'header-too-big',
  },
  {
    name: 'upstream sent no valid HTTP/1.0 header',
    line: nginxLine({ time: EPOCH, msg: 'upstream sent no valid HTTP/1.0 header while reading response header from upstream', ...up('http://172.18.0.5:3000/api/cart') }),
    kind: 'invalid-header',
  },
  {
    name: 'SSL_do_handshake() failed while SSL handshaking to upstream',
    line: nginxLine({
      time: EPOCH,
      level: 'crit',
      msg: 'SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) while SSL handshaking to upstream',
      ...up('https://172.18.0.8:8443/api/cart'),
    }),
    kind: 'ssl-handshake',
    errno: null,
    action: 'SSL handshaking to upstream',
  },
  {
    name: 'host not found in upstream (emerg, start-up, no *CONN, no client)',
    line: `${AT} [emerg] 1#1: host not found in upstream "backend:3000" in /etc/nginx/conf.d/default.conf:12`,
    // nginx did not start: not the run-time `could not be resolved`.
    kind: 'host-not-found',
    level: 'emerg',
  },
  {
    name: 'client prematurely closed connection (the client left: not an upstream failure)',
    line: nginxLine({ time: EPOCH, level: 'info', msg: 'client prematurely closed connection while reading upstream', ...up('http://172.18.0.5:3000/api/cart') }),
    kind: null,
  },
  {
    name: 'client prematurely closed connection while sending to client',
    line: nginxLine({ time: EPOCH, level: 'info', msg: 'client prematurely closed connection while sending to client', ...up('http://172.18.0.5:3000/api/cart') }),
    kind: null,
  },
  {
    name: 'recv() failed (104) while reading client request line (client side)',
    line: nginxLine({ time: EPOCH, level: 'info', msg: 'recv() failed (104: Connection reset by peer) while reading client request line', server: '0.0.0.0:443' }),
    kind: null,
    errno: 104,
  },
  {
    name: 'client timed out (110) while reading client request headers',
    line: nginxLine({ time: EPOCH, level: 'info', msg: 'client timed out (110: Connection timed out) while reading client request headers', request: 'GET / HTTP/1.1', host: 'a' }),
    kind: null,
  },
  {
    name: 'open() failed (2) for a static file (not upstream)',
    line: nginxLine({ time: EPOCH, msg: 'open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory)', request: 'GET /favicon.ico HTTP/1.1', host: 'a' }),
    kind: null,
    errno: 2,
  },
];

describe('every upstream failure variant and its level', () => {
  it.each(VARIANTS)('$name', (c) => {
    const r = parse(c.line);
    expect(r.kind).toBe(c.kind);
    if (c.level) expect(r.level).toBe(c.level);
    if (c.errno !== undefined) expect(r.errno).toBe(c.errno);
    if (c.action !== undefined) expect(r.action).toBe(c.action);
  });

  it('unix socket upstreams group under the socket path', () => {
    const r = parse(VARIANTS[2]!.line);
    expect(r.upstream?.port).toBeNull();
    expect(r.upstream?.host.startsWith('unix:/run/php/php-fpm.sock')).toBe(true);
  });

  // nginx writes a fastcgi unix peer as `fastcgi://unix:/run/php/php-fpm.sock:` (empty uri).
  it('a fastcgi unix upstream keys on the socket path without the trailing colon', () => {
    expect(parseUpstreamUrl('fastcgi://unix:/run/php/php-fpm.sock:').host).toBe('unix:/run/php/php-fpm.sock');
  });

  it('an http unix upstream splits socket and uri', () => {
    expect(parseUpstreamUrl('http://unix:/run/app.sock:/api/x')).toEqual({ url: 'http://unix:/run/app.sock:/api/x', scheme: 'http', host: 'unix:/run/app.sock', port: null, path: '/api/x' });
  });

  // A run-time resolver failure names no upstream and has no `upstream:` field.
  it('X could not be resolved (3: Host not found) at run time is a resolve failure', () => {
    const r = parse(nginxLine({ time: EPOCH, msg: 'api.internal could not be resolved (3: Host not found)', request: 'GET /api/cart HTTP/1.1', host: 'shop.example.com' }));
    expect(r.kind).toBe('resolve');
  });

  it('X could not be resolved with an upstream field is a resolve failure', () => {
    const r = parse(nginxLine({ time: EPOCH, msg: 'backend could not be resolved (3: Host not found)', ...up('http://backend/api/cart') }));
    expect(r.kind).toBe('resolve');
    expect(r.errno).toBe(3);
  });
});

describe('upstream addresses', () => {
  it('reads IPv6 peers with brackets and port', () => {
    const r = parse(nginxLine({ time: EPOCH, msg: REFUSED, ...up('http://[::1]:3000/api/cart') }));
    expect(r.upstream).toMatchObject({ host: '[::1]', port: 3000, path: '/api/cart' });
    expect(upstreamKey(r.upstream!)).toBe('[::1]:3000');
    expect(parseUpstreamUrl('http://[2001:db8::5]/x')).toMatchObject({ host: '[2001:db8::5]', port: 80 });
  });

  it('keeps a group name port-less and gives IPs the scheme default port', () => {
    expect(parseUpstreamUrl('http://backend/api')).toMatchObject({ host: 'backend', port: null, path: '/api' });
    expect(upstreamKey(parseUpstreamUrl('http://backend/api'))).toBe('backend');
    expect(parseUpstreamUrl('http://10.0.0.4/')).toMatchObject({ port: 80 });
    expect(parseUpstreamUrl('https://10.0.0.4/')).toMatchObject({ port: 443 });
    expect(parseUpstreamUrl('fastcgi://127.0.0.1:9000')).toMatchObject({ host: '127.0.0.1', port: 9000, path: '' });
    expect(parseUpstreamUrl('grpc://10.0.0.4:50051')).toMatchObject({ scheme: 'grpc', port: 50051 });
  });

  it('refuses a port outside 1..65535', () => {
    expect(parseUpstreamUrl('http://10.0.0.4:99999/').port).toBe(80);
  });
});

describe('hostile request lines do not shift the fields after them', () => {
  it('a quote inside the request line', () => {
    const r = parse(nginxLine({ time: EPOCH, msg: REFUSED, request: 'GET /search?q="boots" HTTP/1.1', upstream: 'http://172.18.0.5:3000/search', host: 'shop.example.com' }));
    expect(r.request).toEqual({ method: 'GET', path: '/search?q="boots"', protocol: 'HTTP/1.1' });
    expect(r.upstream?.host).toBe('172.18.0.5');
    expect(r.host).toBe('shop.example.com');
  });

  it('a referrer with quotes and field markers stays in the referrer', () => {
    const r = parse(nginxLine({ time: EPOCH, msg: REFUSED, request: 'GET / HTTP/1.1', upstream: 'http://172.18.0.5:3000/', host: 'shop.example.com', referrer: 'https://x/", host: "evil' }));
    expect(r.host).toBe('shop.example.com');
    expect(r.upstream?.host).toBe('172.18.0.5');
    expect(r.referrer).toBe('https://x/", host: "evil');
  });

  // nginx writes the request line verbatim: a client that puts `", upstream: "http://10.9.9.9:1/`
  // into its URI must not move the burst to an upstream of its choice.
  it('an injected `", upstream: "` inside the request line', () => {
    const r = parse(
      nginxLine({ time: EPOCH, msg: REFUSED, request: 'GET /x", upstream: "http://10.9.9.9:1/ HTTP/1.1', upstream: 'http://172.18.0.5:3000/x', host: 'shop.example.com' }),
    );
    expect(r.upstream?.host).toBe('172.18.0.5');
    expect(r.upstream?.port).toBe(3000);
  });

  it('a `, client: ` inside the message does not truncate the fields', () => {
    const r = parse(`${AT} [error] 813#813: *5 ${REFUSED}, client: 10.1.1.1, server: s, request: "GET /a, client: 6.6.6.6 HTTP/1.1", upstream: "http://172.18.0.5:3000/a", host: "h"`);
    expect(r.client).toBe('10.1.1.1');
    expect(r.upstream?.host).toBe('172.18.0.5');
  });
});

describe('input that is not a clean nginx line', () => {
  it('an empty line is counted as empty', () => {
    expect(reason('')).toBe('empty');
  });

  it('a line with a trailing CR (CRLF file read without splitting) still classifies', () => {
    // The splitter strips the CR; the parser must not crash on one that reaches it.
    const r = parseNginxLine(nginxLine({ time: EPOCH, msg: REFUSED, ...up('http://172.18.0.5:3000/a') }) + '\r', 'x', 1, UTC);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.record.kind).toBe('refused');
  });

  it('binary bytes without nginx\'s header are no nginx line (the scan stage counts them binary, after the shapes)', () => {
    expect(reason('\x00\x00\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03')).toBe('not-nginx');
  });

  it('a line with nginx\'s header is parsed whatever control bytes a client put in its fields', () => {
    // A Referer or Host a client sends is copied into the line: one byte there must not hide a failure.
    for (const bad of ['\x08', '\x01', '\x0e', '\x00', '\x1a']) {
      const r = parseNginxLine(nginxLine({ time: EPOCH, msg: REFUSED, request: 'GET / HTTP/1.1', upstream: 'http://172.18.0.5:3000/', host: `a${bad}b` }) + `, referrer: "${bad}"`, 'x', 1, UTC);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.record.kind).toBe('refused');
    }
    expect(parseNginxLine(`${AT} [error] 1#1: *1 \x00\x01\x02 garbage`, 'x', 1, UTC).ok).toBe(true);
  });

  it('a line over 1 MB is too-long (and not scanned)', () => {
    const long = nginxLine({ time: EPOCH, msg: REFUSED, request: `GET /${'a'.repeat(MAX_LINE_CHARS)} HTTP/1.1`, upstream: 'http://172.18.0.5:3000/', host: 'h' });
    expect(long.length).toBeGreaterThan(1024 * 1024);
    const r = parseNginxLine(long, 'x', 1, UTC);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.unparsed.reason).toBe('too-long');
      expect(r.unparsed.excerpt.length).toBeLessThanOrEqual(200);
    }
  });

  it.each([
    ['an access-log line', '203.0.113.7 - - [15/Jan/2024:03:12:41 +0000] "GET /api/cart HTTP/1.1" 502 157 "-" "curl/8.5.0"'],
    ['a JSON line', '{"time":"2024-01-15T03:12:41Z","level":"error","msg":"connect() failed (111: Connection refused)"}'],
    ['a syslog line', 'Jan 15 03:12:41 web1 nginx[813]: 2024/01/15 03:12:41 [error] 813#813: *1 connect() failed (111: Connection refused)'],
    ['a journald short-iso line', '2024-01-15T03:12:41+0000 web1 nginx[813]: connect() failed (111: Connection refused)'],
  ])('%s is not-nginx', (_name, line) => {
    expect(reason(line)).toBe('not-nginx');
  });

  it('an impossible time is bad-time', () => {
    expect(reason('2024/13/15 03:12:41 [error] 1#1: *1 x')).toBe('bad-time');
    expect(reason('2024/01/15 25:12:41 [error] 1#1: *1 x')).toBe('bad-time');
  });

  it('ESC bytes from a hostile request do not make a real failure "binary"', () => {
    // OSC 8 hyperlink closed by ST (ESC \\) and a CSI colour, in the referrer nginx copies verbatim.
    const r = parse(
      nginxLine({ time: EPOCH, msg: REFUSED, request: 'GET /x HTTP/1.1', upstream: 'http://172.18.0.5:3000/x', host: 'h', referrer: '\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\\x1b[31m' }),
    );
    expect(r.kind).toBe('refused');
    expect(r.upstream?.host).toBe('172.18.0.5');
    expect(r.raw).toContain('\x1b]8;;'); // kept raw: sanitised where drawn
  });

  it('an excerpt of an unparsed line is at most 200 characters', () => {
    const r = parseNginxLine('x'.repeat(5000), 'x', 3, UTC);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.unparsed).toEqual({ source: 'x', line: 3, reason: 'not-nginx', excerpt: 'x'.repeat(200) });
  });
});
