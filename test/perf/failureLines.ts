/**
 * Failure lines for the byte cuts' tests (byteCut.test.ts, usualCut.test.ts): real nginx lines of
 * every shape, and the pieces an attacker (request line, Host, Referer) or an odd nginx build can
 * put inside one, put in at seeded places.
 */
import type { LocalClock } from '../../src/parse/localTime.js';
import { FailureScreen, NginxByteScanner } from '../../src/parse/nginx/screen.js';
import { SIGNATURES } from '../../src/parse/nginx/signatures.js';

/**
 * A byte scanner that calls every valid needle line a CANDIDATE, the lines of the screen's `never`
 * rows too (its screen has none): the cuts must read those as well, and tell them no failure.
 */
export function candidateScanner(clock: LocalClock): NginxByteScanner {
  const scanner = new NginxByteScanner(clock, new FailureScreen(SIGNATURES.filter((s) => s.kind !== null)));
  scanner.screenMessages = false;
  return scanner;
}

export const T = '2024/03/10 00:30:00';
export const BASE = [
  `${T} [error] 1001#1000: *100000 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.78, server: shop.example.com, request: "GET /auth/token HTTP/1.1", upstream: "http://172.18.1.10:7000/auth/token", host: "shop.example.com"`,
  `${T} [error] 1003#1001: *100001 connect() failed (113: No route to host) while connecting to upstream, client: 198.51.100.33, server: admin.example.com, request: "GET /static/app.3f9a1c.js HTTP/1.1", upstream: "http://172.18.0.5:3000/static/app.3f9a1c.js", host: "admin.example.com", referrer: "https://www.google.com/"`,
  `${T} [error] 1000#1001: *100002 upstream prematurely closed connection while reading response header from upstream, client: 203.0.113.154, server: shop.example.com, request: "POST /api/cart HTTP/1.1", upstream: "http://172.18.1.16:7006/api/cart", host: "shop.example.com"`,
  `${T} [error] 1000#1003: *100003 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking to upstream, client: 203.0.113.208, server: api.example.com, request: "DELETE /login HTTP/1.1", upstream: "https://172.18.0.5:3000/login", host: "api.example.com"`,
  `${T} [warn] 1000#1000: *100004 upstream server temporarily disabled while reading response header from upstream, client: 203.0.113.40, server: static.example.com, request: "PATCH /api/search?q=running+shoes&page=2 HTTP/1.1", upstream: "http://172.18.1.16:7006/api/search?q=running+shoes&page=2", host: "static.example.com"`,
  `${T} [error] 1000#1000: *100007 upstream timed out (110: Connection timed out) while sending request to upstream, client: 203.0.113.105, server: admin.example.com, request: "PUT /x HTTP/1.1", subrequest: "/sub", upstream: "http://[2001:db8::5]:8080/x", host: "admin.example.com", referrer: "https://shop.example.com/checkout"`,
  `${T} [error] 1003#1003: *100008 connect() to unix:/run/app.sock failed (2: No such file or directory) while connecting to upstream, client: 198.51.100.187, server: shop.example.com, request: "GET /api/cart HTTP/1.1", upstream: "http://unix:/run/app.sock:/api/cart", host: "shop.example.com"`,
  `${T} [crit] 1#1: *2 connect() to 172.30.0.13:8080 failed (13: Permission denied) while connecting to upstream, client: 127.0.0.1, server: app.example.test, request: "GET /api/orders/1000 HTTP/1.1", upstream: "fastcgi://127.0.0.1:9000", host: "app.example.test"`,
  `${T} [error] 1#1: *5 no live upstreams while connecting to upstream, client: 1.2.3.4, server: a, request: "PROPFIND /x HTTP/1.1", upstream: "http://backend/x", host: "a"`,
  `${T} [info] 1#1: *5 client prematurely closed connection while reading upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.1:80/"`,
  `${T} [error] 1#1: *9 api.internal could not be resolved (3: Host not found), client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", host: "a"`,
  `${T} [warn] 1#1: *5 an upstream response is buffered to a temporary file /tmp/x while reading upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.1:80/"`,
  `${T} [error] 1#1: connect() failed (111: Connection refused) while connecting to upstream`,
  `${T} [error] 1#1: *5 recv() failed (104: Connection reset by peer) while reading upstream, client: 1.2.3.4, server: a, request: "GET /a", upstream: "http://10.0.0.5:80/x`,
];

/** Pieces an attacker (request line, Host, Referer) or an odd nginx build can put inside a line. */
const PIECES = [',', ', ', ' ', '"', '", ', ':', ': ', 'é', '\u00a0', '\u{1F600}', '\uFFFD', '://', '/', 'unix:', ' HTTP/1.1', ' HTTP/2', 'client: ', 'server: ', 'request: "', 'subrequest: "', 'upstream: "', 'host: "', 'referrer: "', ', client: ', ', upstream: "http://6.6.6.6:1/', '", host: "', '", upstream: "', '*', '*0x1F ', '* ', '*12345678901234567 ', ' while ', ' (111: x)', 'upstream'];

/** Bytes after the line: more fields and quotes, as a reused read buffer would hold. */
export const AFTER = Buffer.from(`", host: "x", upstream: "http://9.9.9.9:1/", referrer: "y"\n, client: 1, server: s`);

/** `line` with `count` pieces put at random places after its header. */
export function mutate(line: string, next: () => number, count: number): string {
  let out = line;
  for (let k = 0; k < count; k++) {
    const piece = PIECES[Math.floor(next() * PIECES.length)]!;
    const at = 30 + Math.floor(next() * (out.length - 30 + 1));
    out = out.slice(0, at) + piece + out.slice(at);
  }
  // Sometimes cut short: a line nginx wrote in part (a full disk) ends anywhere.
  if (next() < 0.1) out = out.slice(0, 30 + Math.floor(next() * (out.length - 30)));
  return out;
}

