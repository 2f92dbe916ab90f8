/**
 * The line-shape table (src/parse/lineShape.ts) on each prefix as its producer writes it. The
 * nginx line is one real nginx 1.22 wrote (test/sources/realShapes.test.ts makes them itself; this
 * is the pure layer on fixed strings). Every shape must give back the nginx line unchanged and
 * the best time: a zone-naming stamp replaces nginx's local second, a zone-less one does not.
 */
import { describe, expect, it } from 'vitest';
import { bestTime, isAccessLine, isUndatedNginxLine, LINE_SHAPES, readShape, rfc3339ToEpoch, SHAPE_IDS, type ShapeId } from '../../src/parse/lineShape.js';

const N =
  '2026/12/02 04:21:36 [error] 7#7: *22 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:40210/", host: "127.0.0.1:40200"';
/** nginx's own reading of its stamp (UTC here). */
const NGINX_TIME = Date.UTC(2026, 11, 2, 4, 21, 36);
const PRECISE = Date.UTC(2026, 11, 2, 4, 21, 36, 170);

const CASES: [ShapeId, string, number][] = [
  ['docker', `2026-12-02T04:21:36.170700676Z ${N}`, PRECISE],
  ['compose', `nginx-1  | ${N}`, NGINX_TIME],
  ['compose', `web_nginx_1  | ${N}`, NGINX_TIME],
  ['compose', `\x1b[36mnginx-1  | \x1b[0m${N}`, NGINX_TIME],
  ['compose-t', `nginx-1  | 2026-12-02T04:21:36.170700676Z ${N}`, PRECISE],
  ['kubectl', `[pod/web-7d9c5b-x2kq/nginx] ${N}`, NGINX_TIME],
  ['kubectl-t', `[pod/web-7d9c5b-x2kq/nginx] 2026-12-02T04:21:36.170700676Z ${N}`, PRECISE],
  ['journal-short', `Dec 02 04:21:36 host nginx[1]: ${N}`, NGINX_TIME],
  ['journal-short-iso', `2026-12-02T04:21:36+0000 host nginx[1]: ${N}`, NGINX_TIME],
  ['journal-short-iso', `2026-12-02T05:21:36+01:00 host nginx[1]: ${N}`, NGINX_TIME],
  ['journal-short-precise', `Dec 02 04:21:36.170700 host nginx[1]: ${N}`, PRECISE],
  ['journal-json', JSON.stringify({ __REALTIME_TIMESTAMP: String(PRECISE * 1000 + 700), _HOSTNAME: 'host', SYSLOG_IDENTIFIER: 'nginx', MESSAGE: N }), PRECISE],
  ['journal-json', JSON.stringify({ __REALTIME_TIMESTAMP: String(PRECISE * 1000), MESSAGE: [...Buffer.from(N)] }), PRECISE],
  ['syslog-3164', `<187>Dec  2 04:21:36 host nginx: ${N}`, NGINX_TIME],
  ['syslog-5424', `<187>1 2026-12-02T04:21:36.170Z host nginx - - - ${N}`, PRECISE],
  ['syslog-5424', `<187>1 2026-12-02T04:21:36.170Z host nginx 7 ID47 [exampleSDID@32473 iut="3"] \uFEFF${N}`, PRECISE],
  // A nil stamp: nginx's own time.
  ['syslog-5424', `<187>1 - host nginx - - - ${N}`, NGINX_TIME],
];

describe('readShape: each producer’s prefix', () => {
  it.each(CASES)('%s: %s', (id, line, time) => {
    const hit = readShape(line);
    expect(hit?.shape.id).toBe(id);
    expect(hit!.inner).toBe(N);
    expect(bestTime(hit!, NGINX_TIME)).toBe(time);
  });

  it('covers every shape in the table, and every shape has a label and a time note', () => {
    expect(new Set(CASES.map((c) => c[0]))).toEqual(new Set(SHAPE_IDS));
    for (const s of LINE_SHAPES) expect(s.label.length * s.timeNote.length).toBeGreaterThan(0);
  });

  it.each([
    ['a plain nginx line', N],
    ['an access line', '127.0.0.1 - - [02/Dec/2026:04:21:36 +0000] "GET / HTTP/1.1" 502 157 "-" "curl/7.88"'],
    ['a word, a bar and text (no compose index)', 'status | ok'],
    ['a JSON object without MESSAGE', '{"level":"info","msg":"started"}'],
    ['broken JSON', '{"MESSAGE": "2026/12/02'],
    ['an empty line', ''],
    ['/etc/services', 'ssh		22/tcp				# SSH Remote Login Protocol'],
  ])('%s has no shape', (_name, line) => {
    expect(readShape(line)).toBeNull();
  });

  it('a shaped line that is not nginx keeps its prefix time and its text', () => {
    const hit = readShape('2026-12-02T04:21:36.170700676Z /docker-entrypoint.sh: Configuration complete; ready for start up');
    expect(hit).toMatchObject({ shape: { id: 'docker' }, inner: '/docker-entrypoint.sh: Configuration complete; ready for start up', time: PRECISE });
  });

  it('a fraction is added only when journald and nginx name the same second', () => {
    const hit = readShape(`Dec 02 04:21:37.170700 host nginx[1]: ${N}`)!;
    expect(bestTime(hit, NGINX_TIME)).toBe(NGINX_TIME);
    expect(bestTime(hit, NaN)).toBeNaN();
  });
});

describe('rfc3339ToEpoch', () => {
  it.each([
    ['2026-12-02T04:21:36Z', Date.UTC(2026, 11, 2, 4, 21, 36)],
    ['2026-12-02T04:21:36.1Z', Date.UTC(2026, 11, 2, 4, 21, 36, 100)],
    ['2026-12-02T04:21:36.999999999Z', Date.UTC(2026, 11, 2, 4, 21, 36, 999)],
    ['2026-12-02T06:21:36+02:00', Date.UTC(2026, 11, 2, 4, 21, 36)],
    ['2026-12-01T23:21:36-0500', Date.UTC(2026, 11, 2, 4, 21, 36)],
  ])('%s', (s, t) => expect(rfc3339ToEpoch(s)).toBe(t));

  it.each(['2026-02-30T04:21:36Z', '2026-13-02T04:21:36Z', '2026-12-02T24:21:36Z', '2026-12-02 04:21:36Z'])('%s is not a time', (s) => {
    expect(rfc3339ToEpoch(s)).toBeNaN();
  });
});

describe('what a line that is not an nginx error line is', () => {
  it('recognises combined and common access lines', () => {
    expect(isAccessLine('127.0.0.1 - - [02/Dec/2026:04:21:36 +0000] "GET / HTTP/1.1" 502 157 "-" "curl/7.88"')).toBe(true);
    expect(isAccessLine('2001:db8::1 - alice [02/Dec/2026:04:21:36 -0700] "POST /api HTTP/2.0" 200 12')).toBe(true);
    expect(isAccessLine(N)).toBe(false);
  });

  it("recognises nginx's undated stderr lines", () => {
    expect(isUndatedNginxLine('nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)')).toBe(true);
    expect(isUndatedNginxLine('nginx: the configuration file /etc/nginx/nginx.conf syntax is ok')).toBe(false);
  });
});
