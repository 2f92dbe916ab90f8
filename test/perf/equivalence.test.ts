/**
 * The fast paths (byte-mode splitting, NginxByteScanner, quickScanLine) must decide exactly what
 * the straightforward path decides: every line through the reference parser (referenceParser.ts,
 * which shares no code with them), records into ingestRecord.
 * Same generated log (bench/gen.ts, a few MB) plus hand-written odd lines, compared on every
 * counter, every upstream failure as burst detection receives it (the fast paths hand it over
 * cut from the line, the reference from the record), the incidents, and with a --since/--until window.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../bench/gen.js';
import { loadPatterns } from '../../src/diagnose/loadPatterns.js';
import { IncidentEngine, type EngineOptions } from '../../src/engine/incidentEngine.js';
import { LineIntake } from '../../src/scan/lineIntake.js';
import type { UnparsedReason } from '../../src/model/logRecord.js';
import type { FailureSample } from '../../src/parse/failureSample.js';
import { LocalClock } from '../../src/parse/localTime.js';
import { bestTime, isAccessLine, isUndatedNginxLine, readShape } from '../../src/parse/lineShape.js';
import { FailureScreen, NginxByteScanner, SCAN_CANDIDATE, SCAN_OTHER } from '../../src/parse/nginx/screen.js';
import { SIGNATURES, type Signature } from '../../src/parse/nginx/signatures.js';
import { LineSplitter, type SplitterOptions } from '../../src/sources/lineSplitter.js';
import { streamFileLines, streamLines } from '../../src/sources/readInput.js';
import { referenceParse } from './referenceParser.js';

const patterns = loadPatterns();
let dir: string;
let log: string;
let events: string;
/** An outage's log (bench --mix outage) with the odd lines: nearly every needle line is a failure. */
let outageLog: string;

const T = '2024/03/10 00:30:00';
/** Lines that probe each branch of the header check, the time cache, binary and non-ASCII handling. */
const ODD_LINES = [
  '',
  '\r',
  `${T} [error] 1#1: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "a"\r`,
  `${T} [error] 1#1: *5 access forbidden by rule, client: 1.2.3.4, server: a\r`,
  `${T} [error] #1: *5 empty pid counts as 0`,
  `${T} [error] 0x1f#1: *5 hex pid`,
  `${T} [error] -3#1: *5 negative pid`,
  `${T} [error]  12#1: *5 space before pid`,
  `${T} [error] 1#1:*5 no space after colon`,
  `${T} [error] 1234567890123456789012345#1: *5 pid too long`,
  `${T} [error] 12345678901234567890#1: *5 twenty digit pid`,
  `${T} [error]x1#1: *5 no space after level`,
  `${T} [errorr] 1#1: *5 bad level`,
  `${T} [error 1#1: *5 no closing bracket at all`,
  `${T} [informationalxxxxx] 1#1: *5 level too long`,
  `${T} [é] 1#1: *5 non-ASCII level`,
  `${T} [error]é1#1: *5 non-ASCII before pid`,
  `${T} [error] 1#1: *5 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 1.2.3.4, server: é, request: "POST /ü HTTP/1.1", upstream: "http://10.0.0.2:81/ü", host: "a"`,
  `${T} [error] 1#1: *x5 client prematurely closed connection while reading upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.1:80/"`,
  `${T} [info] 1#1: *5 client prematurely closed connection while reading upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.1:80/"`,
  `${T} [info] 1#1: client prematurely closed connection while reading upstream`,
  // A run-time resolver failure: no `upstream` anywhere in the line, still an upstream failure.
  `${T} [error] 1#1: *9 api.internal could not be resolved (3: Host not found), client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", host: "a"`,
  `${T} [error] 1#1: *9 api.internal could not be resolved (3: Host not found), client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", host: "a"`,
  `${T} [error] 1#1: *9 api.internal could not be resolved (3: Host not found), client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", host: "a"`,
  `${T} [info] 1#1: *5 client timed out (110: Connection timed out) while reading upstream, client: 1.2.3.4, server: a`,
  `${T} [info] 1#1: *5 client prematurely closed, client: 1.2.3.4, server: a`,
  `${T} [error] 1#1: *5 upstream`,
  `${T} [error] 1#1: *5 upstream sent invalid header: "x" while reading response header from upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.1:80/"`,
  `${T} [error] 1#1: *5 SSL_do_handshake() failed (SSL: error) while SSL handshaking to upstream, client: 1.2.3.4, server: a, upstream: "https://10.0.0.1:443/"`,
  `${T} [warn] 1#1: *5 an upstream response is buffered to a temporary file /tmp/x (13: Permission denied) while reading upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.1:80/"`,
  `${T} [emerg] 1#1: host not found in upstream "backend:8080" in /etc/nginx/conf.d/default.conf:12`,
  `${T} [error] 1#1: *5 shop could not be resolved (3: Host not found), client: 1.2.3.4, server: a`,
  `${T} [error] 1#1: *5 connect() to unix:/run/app.sock failed (2: No such file or directory) while connecting to upstream, client: 1.2.3.4, server: a, upstream: "http://unix:/run/app.sock:/"`,
  `${T} [error] 1#1: *5 control \u0001 byte`,
  `${T} [error] 1#1: *5 control \u001a byte with upstream`,
  `${T} [error] 1#1: *5 escape \u001b and tab\tare fine`,
  // A client's control bytes in the fields of a real failure: still a failure, on every path.
  `${T} [error] 1#1: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "a\u0008b", referrer: "\u0001\u0000"`,
  `\u0000\u0001binary junk`,
  '2024/03/10 24:00:00 [error] 1#1: *5 bad hour',
  '2024/13/10 00:00:00 [error] 1#1: *5 bad month',
  '2024/03/10 00:61:00 [error] 1#1: *5 bad minute',
  '2024/03/10 00:30:60 [error] 1#1: *5 leap second',
  '2024/03/10 00:30:0 [error] 1#1: short stamp',
  'ü024/03/10 00:30:00 [error] 1#1: *5 non-ASCII first byte',
  '2024/03/10 00:30:00 [',
  '2024/03/10 00:30:00 [error] 1#1',
  'short',
  'ééééééééééééééé',
  `${T} [error] 1#1: *5 ${'x'.repeat(70_000)}`,
  `${T} [error] 1#1: *5 ${'é'.repeat(40_000)} upstream`,
  `${T} [error] 1#1: *5 ${'y'.repeat(1024 * 1024 + 10)}`,
  // The SIMD scan's same-head check (LINE_SAME_HEAD), each after a plain line with the same stamp:
  `${T} [notice] 1#1: *5 client prematurely closed connection while reading upstream, client: 1.2.3.4, server: a`,
  `${T} [warn] 1#1: client timed out (110: Connection timed out) while reading upstream, client: 1.2.3.4, server: a`,
  `${T} [info] 1#1: *5 client prematurely closed`,
  `${T} [info] 1#1: *1234567890123456 client prematurely closed connection while reading upstream`,
  `${T} [info] 1#1: *123456789012345 client prematurely closed connection while reading upstream`,
  `${T} [info] 1#1: * client prematurely closed connection while reading upstream`,
  `${T} [info] 1#1: *5client prematurely closed connection while reading upstream`,
  `${T} [info] 1#1: *5 client prematurely close upstream`,
  `${T} [info] 1#1: *5 client timed ou upstream`,
  `${T} [info] 1#1: *5 client timed out`,
  `${T} [noticex] 1#1: *5 odd level`,
  `${T} [notice]x1#1: *5 no space after the level`,
  `${T} [warn]  1#1: *5 two spaces`,
  `${T} [error] 1#1 : *5 space before the colon`,
  `${T} [error] 1#: *5 empty tid`,
  `${T} [error] 123456789012345678901234#1: *5 pid#tid over 24`,
  `${T} [error] 12345678901#123456789012: *5 pid#tid exactly 24`,
  `${T} [warn] 1#1: x`,
  `${T} [crit] 1#1:`,
  `${T} [emerg] 1#1: `,
  `${T} [alert] 9#9: *5 upstream timed out (110: Connection timed out) while connecting to upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.9:80/"`,
  `${T} [debug] 9#9: *5 after a failure with the same stamp`,
  '2024/03/10 24:00:00 [error] 1#1: *5 bad hour twice',
  '2024/03/10 24:00:00 [error] 1#1: *5 bad hour twice',
  // Failures whose parts take every branch of the cut (methods, fields, upstream URLs and their keys):
  ...[
    'http://[2001:db8::5]:8080/x',
    'http://[2001:db8::5]/x',
    'http://backend/api',
    'http://backend:3000',
    'https://10.0.0.4/',
    'fastcgi://unix:/run/php.sock:',
    'grpc://10.0.0.4:50051',
    'http://10.0.0.4:99999/',
    '10.0.0.4:80/no-scheme',
    '://odd',
    'http://',
    '',
  ].map((u) => `${T} [error] 1#1: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "${u}", host: "a"`),
  ...['PROPFIND /x HTTP/1.1', 'get / HTTP/1.1', 'M-_X /', ' GET /', 'GET', 'ABCDEFGHIJKLMNOPQRSTU /x HTTP/1.1', 'ABCDEFGHIJKLMNOPQRST /x HTTP/1.1', 'POST /a", upstream: "http://6.6.6.6:1/" HTTP/1.1', ''].map(
    (r) => `${T} [error] 1#1: *5 upstream prematurely closed connection while reading response header from upstream, client: 1.2.3.4, server: a, request: "${r}", upstream: "http://10.0.0.5:80/", host: "a"`,
  ),
  `${T} [error] 1#1: *5 upstream timed out (110: Connection timed out) while sending request to upstream, client: , server: , request: "POST /pay HTTP/1.1", upstream: "http://10.0.0.5:80/pay", host: ""`,
  `${T} [error] 1#1: *5 recv() failed (104: Connection reset by peer) while reading upstream, client: 1.2.3.4, server: a, request: "PATCH /x HTTP/1.1", subrequest: "/sub", upstream: "http://10.0.0.5:80/x", host: "a", referrer: "http://r/\"x"`,
  `${T} [error] 1#1: *5 writev() failed (32: Broken pipe) while sending request to upstream, client: 1.2.3.4, server: a, request: "LOCK /x HTTP/1.1", upstream: "http://10.0.0.5:80/x", host: "a"`,
  `${T} [error] 1#1: *5 connect() failed (111: Connection refused) while connecting to upstream while reading upstream, client: 1.2.3.4, server: a, request: "POST /x HTTP/1.1", upstream: "http://10.0.0.5:80/x"`,
  `${T} [error] 1#1: *5 connect() failed ( 111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.5:80/x"`,
  `${T} [error] 1#1: *5 connect() failed (0x6f: hex) while connecting to upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.5:80/x"`,
  `${T} [error] 1#1: *5 connect() failed (111:) while connecting to upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.5:80/x"`,
  `${T} [error] 1#1: *5 connect() failed (: x) while connecting to upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.5:80/x"`,
  `${T} [error] 1#1: *5 no live upstreams while connecting to upstream, client: 1.2.3.4, server: a, request: "DELETE /x HTTP/1.1", upstream: "http://backend/x", host: "a"`,
  `${T} [warn] 1#1: *5 upstream server temporarily disabled while connecting to upstream, client: 1.2.3.4, server: a, request: "GET /x HTTP/1.1", upstream: "http://10.0.0.5:80/x", host: "a"`,
  `${T} [error] 1#1: *5 connect() failed (113: No route to host) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET /x HTTP/1.1", upstream: "http://10.0.0.5:80/x", host: "a`,
  `${T} [error] 1#1: *5 connect() failed (113: No route to host) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET /x HTTP/1.1", upstream: "`,
  // Real nginx 1.22 lines of the classic non-restart causes (fixtures/incidents/classic-*, scripts/record-classic.mjs):
  `${T} [crit] 19971#19971: *2 connect() to 172.30.0.13:8080 failed (13: Permission denied) while connecting to upstream, client: 127.0.0.1, server: app.example.test, request: "GET /api/orders/1000 HTTP/1.1", upstream: "http://172.30.0.13:8080/api/orders/1000", host: "app.example.test"`,
  `${T} [crit] 19792#19792: *2 connect() to unix:/tmp/rd-classic/unix-socket-permission/run/app.sock failed (13: Permission denied) while connecting to upstream, client: 127.0.0.1, server: app.example.test, request: "GET /api/orders/1000 HTTP/1.1", upstream: "http://unix:/tmp/rd-classic/unix-socket-permission/run/app.sock:/api/orders/1000", host: "app.example.test"`,
  `${T} [error] 20867#20867: *4 connect() to unix:/tmp/rd-classic/unix-socket-backlog/run/php-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream, client: 127.0.0.1, server: app.example.test, request: "POST /api/orders/2 HTTP/1.1", upstream: "http://unix:/tmp/rd-classic/unix-socket-backlog/run/php-fpm.sock:/api/orders/2", host: "app.example.test"`,
  `${T} [error] 20867#20867: *2 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.1, server: app.example.test, request: "GET /api/orders/0 HTTP/1.1", upstream: "http://unix:/tmp/rd-classic/unix-socket-backlog/run/php-fpm.sock/api/orders/0", host: "app.example.test"`,
  `${T} [error] 20702#20702: *2 upstream sent too big header while reading response header from upstream, client: 127.0.0.1, server: app.example.test, request: "GET /api/orders/1000 HTTP/1.1", upstream: "http://127.0.0.1:40310/api/orders/1000", host: "app.example.test"`,
  `${T} [error] 20573#20573: *2 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking to upstream, client: 127.0.0.1, server: app.example.test, request: "GET /api/orders/1000 HTTP/1.1", upstream: "https://127.0.0.1:40310/api/orders/1000", host: "app.example.test"`,
  `${T} [error] 20503#20503: *2 SSL_do_handshake() failed (SSL: error:0A00042E:SSL routines::tlsv1 alert protocol version:SSL alert number 70) while SSL handshaking to upstream, client: 127.0.0.1, server: app.example.test, request: "GET /api/orders/1000 HTTP/1.1", upstream: "https://127.0.0.1:40310/api/orders/1000", host: "app.example.test"`,
  `${T} [emerg] 20086#20086: host not found in upstream "backend" in /tmp/rd-classic/host-not-found/nginx.conf:20`,
  `${T} [error] 20632#20632: *2 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: app.example.test, request: "GET /api/orders/1000 HTTP/1.1", upstream: "http://127.0.0.1:40310/api/orders/1000", host: "app.example.test"`,
  `${T} [crit] 20816#20816: *2 connect() to unix:/tmp/rd-classic/unix-socket-missing/run/gunicorn.sock failed (2: No such file or directory) while connecting to upstream, client: 127.0.0.1, server: app.example.test, request: "GET /api/orders/1000 HTTP/1.1", upstream: "http://unix:/tmp/rd-classic/unix-socket-missing/run/gunicorn.sock:/api/orders/1000", host: "app.example.test"`,
  `${T} [error] 21043#21043: *2 connect() to 172.30.0.113:3000 failed (113: No route to host) while connecting to upstream, client: 127.0.0.1, server: app.example.test, request: "GET /api/orders/1000 HTTP/1.1", upstream: "http://172.30.0.113:3000/api/orders/1000", host: "app.example.test"`,
  `${T} [error] 21142#21142: *2 api.internal could not be resolved (3: Host not found), client: 127.0.0.1, server: app.example.test, request: "GET /api/orders/1000 HTTP/1.1", host: "app.example.test"`,
  `${T} [info] 1#1: *5 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking, client: 1.2.3.4, server: 0.0.0.0:443`,
  `${T} [crit] 1#1: *5 open() "/var/lib/nginx/proxy/1/00/0000000001" failed (13: Permission denied) while reading upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.1:80/"`,
  // Messages the cut remembers (cut.ts messageFacts) told apart: same length, same first, middle
  // and last characters, different errno, action or kind; and the `*CONN ` prefix read as parseHead reads it.
  `${T} [error] 1#1: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET /x HTTP/1.1", upstream: "http://10.0.0.7:80/x", host: "a"`,
  `${T} [error] 1#1: *5 connect() failed (112: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET /x HTTP/1.1", upstream: "http://10.0.0.7:80/x", host: "a"`,
  `${T} [error] 1#1: *5 connect() failed (111: Connection refused) while sending to the upstream, client: 1.2.3.4, server: a, request: "POST /x HTTP/1.1", upstream: "http://10.0.0.7:80/x", host: "a"`,
  `${T} [error] 1#1: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, request: "POST /x HTTP/1.1", host: "a"`,
  `${T} [error] 1#1: *5 connect() failed (111: Connection refused) while connecting to upstream`,
  `${T} [error] 1#1: *abc connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.7:80/x"`,
  `${T} [error] 1#1: * connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.7:80/x"`,
  `${T} [error] 1#1: *5connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.7:80/x"`,
  `${T} [error] 1#1: *0x1F connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.7:80/x"`,
  `${T} [error] 1#1: *12345678901234567890 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, upstream: "http://10.0.0.7:80/x"`,
  'no newline at the end',
];

/** A plain OTHER line: put before each odd line, it makes the next one a same-stamp candidate. */
const PLAIN = `${T} [error] 1#1: *5 access forbidden by rule, client: 1.2.3.4, server: a`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rd-equiv-'));
  const g = generate(dir, 3_000_000, 7);
  log = g.log;
  events = g.events;
  appendFileSync(log, `${ODD_LINES.join('\n')}`);
  outageLog = generate(dir, 3_000_000, 8, 'outage').log;
  appendFileSync(outageLog, `${ODD_LINES.join('\n')}`);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Everything of a FailureSample that burst detection reads. */
type Failure = Pick<FailureSample, 'source' | 'line' | 'time' | 'raw' | 'kind' | 'errno' | 'method' | 'requestSent' | 'server' | 'host' | 'clientHash' | 'key'> & {
  address: ReturnType<FailureSample['address']>;
};

function copyOf(f: FailureSample): Failure {
  const { source, line, time, raw, kind, errno, method, requestSent, server, host, clientHash, key } = f;
  return { source, line, time, raw, kind, errno, method, requestSent, server, host, clientHash, key, address: f.address() };
}

interface Outcome {
  counts: ReturnType<IncidentEngine['counts']>;
  failures: Failure[];
  incidents: string;
  latest: number;
}

/** Engine options, and the signature table the scan stage reads with. */
type Extra = Partial<EngineOptions> & { signatures?: Signature[] };

function engineOptions(extra: Extra): EngineOptions {
  const { signatures: _table, ...rest } = extra;
  return { tz: 'UTC', patterns, ...rest };
}

/**
 * The straightforward path: text-mode splitting, parseNginxLine per line, ingestRecord per record.
 * A line nginx's parser calls not-nginx: its shape's prefix cut (lineShape.ts) and the inside
 * parsed the same way, at the better time; else an access, untimed or not-nginx line.
 */
async function reference(extra: Extra): Promise<Outcome> {
  const { engine, failures, intake } = spiedEngine(extra);
  const clock = new LocalClock(extra.tz ?? 'UTC');
  const table = extra.signatures ?? SIGNATURES;
  const parseNginxLine = (text: string, source: string, lineNo: number, c: LocalClock) => referenceParse(text, source, lineNo, c, table);
  const unparsed: Partial<Record<UnparsedReason, number>> = {};
  const other = { accessLines: 0, untimed: 0, shapes: {} as Record<string, number> };
  let lines = 0;
  let records = 0;
  const splitter = new LineSplitter(log, (source, lineNo, text) => {
    lines++;
    let p = parseNginxLine(text, source, lineNo, clock);
    // Without nginx's header at its start, a line may still hold one after a collector's prefix,
    // control bytes or not (a client's, in a field): binary only when it is nobody's line.
    const noHeader = (r: UnparsedReason) => r === 'not-nginx' || r === 'binary';
    const hit = !p.ok && noHeader(p.unparsed.reason) ? readShape(text) : null;
    if (hit) {
      other.shapes[hit.shape.id] = (other.shapes[hit.shape.id] ?? 0) + 1;
      p = parseNginxLine(hit.inner, source, lineNo, clock);
      if (p.ok) p.record.time = bestTime(hit, p.record.time);
    }
    if (!p.ok) {
      const inner = hit ? hit.inner : text;
      if (noHeader(p.unparsed.reason) && isAccessLine(inner)) other.accessLines++;
      else if (noHeader(p.unparsed.reason) && (isUndatedNginxLine(inner) || (hit && Number.isNaN(hit.time)))) other.untimed++;
      else unparsed[p.unparsed.reason] = (unparsed[p.unparsed.reason] ?? 0) + 1;
      return;
    }
    if (p.record.kind !== null) records++;
    intake.ingestRecord(p.record);
  });
  splitter.push(readFileSync(log));
  splitter.end();
  engine.finish();
  const counts = { ...engine.counts(), linesRead: lines, unparsed, ...other };
  expect(failures.length).toBe(records);
  return { counts, failures, incidents: JSON.stringify(engine.incidents()), latest: engine.latestDataTime() };
}

/** An engine whose upstream failures are recorded as burst detection receives them. */
function spiedEngine(extra: Extra): { engine: IncidentEngine; failures: Failure[]; intake: LineIntake } {
  const engine = new IncidentEngine(engineOptions(extra));
  const intake = new LineIntake(engine, { tz: extra.tz ?? 'UTC', since: extra.since ?? null, until: extra.until ?? null, ...(extra.signatures ? { signatures: extra.signatures } : {}) });
  const failures: Failure[] = [];
  const orig = engine.ingestFailure.bind(engine);
  engine.ingestFailure = (f: FailureSample) => {
    failures.push(copyOf(f));
    orig(f);
  };
  return { engine, failures, intake };
}

function outcome(engine: IncidentEngine, failures: Failure[], intake: LineIntake): Outcome {
  intake.flush();
  engine.finish();
  return { counts: engine.counts(), failures, incidents: JSON.stringify(engine.incidents()), latest: engine.latestDataTime() };
}

/** `simd: false`: the JS loop that runs where WebAssembly is missing (`node --jitless`). */
async function bytePath(extra: Extra, options: SplitterOptions = {}): Promise<Outcome> {
  const { engine, failures, intake } = spiedEngine(extra);
  await streamFileLines(log, intake, undefined, options);
  return outcome(engine, failures, intake);
}

async function stringPath(extra: Extra): Promise<Outcome> {
  const { engine, failures, intake } = spiedEngine(extra);
  await streamFileLines(log, (s, n, t) => intake.ingestLine(s, n, t));
  return outcome(engine, failures, intake);
}

/** Byte mode fed odd-sized, oddly aligned chunks (unaligned buffers, lines across chunks). */
async function oddChunks(extra: Extra, sizes: number[], options: SplitterOptions = {}): Promise<Outcome> {
  const { engine, failures, intake } = spiedEngine(extra);
  const data = readFileSync(log);
  const parts: Buffer[] = [];
  for (let at = 0, k = 0; at < data.length; k++) {
    const n = sizes[k % sizes.length]!;
    // Copy into a buffer at an odd offset so the chunk's byteOffset is not aligned.
    const shift = k % 4;
    const backing = Buffer.alloc(n + shift);
    data.copy(backing, shift, at, at + n);
    parts.push(backing.subarray(shift, shift + Math.min(n, data.length - at)));
    at += n;
  }
  await streamLines(log, Readable.from(parts), intake, undefined, options);
  return outcome(engine, failures, intake);
}

function expectSame(a: Outcome, b: Outcome): void {
  expect(b.counts).toEqual(a.counts);
  expect(b.failures.length).toBe(a.failures.length);
  for (let i = 0; i < a.failures.length; i++) expect(b.failures[i]).toEqual(a.failures[i]);
  expect(b.latest).toBe(a.latest);
  expect(b.incidents).toBe(a.incidents);
}

describe('fast paths are equivalent to the reference parser line by line', () => {
  it('the sample covers every kind of line', async () => {
    const ref = await reference({});
    expect(ref.counts.upstreamErrors).toBeGreaterThan(500);
    expect(ref.counts.otherLines).toBeGreaterThan(5000);
    for (const r of ['empty', 'not-nginx', 'binary', 'bad-time', 'too-long'] as const) expect(ref.counts.unparsed[r] ?? 0).toBeGreaterThan(0);
    const kinds = new Set(ref.failures.map((f) => f.kind));
    for (const k of ['refused', 'timeout', 'reset', 'no-route', 'no-live-upstreams', 'premature-close', 'invalid-header', 'ssl-handshake', 'permission', 'backlog-full', 'header-too-big', 'ssl-wrong-version', 'host-not-found', 'resolve', 'unix-socket'] as const)
      expect([...kinds]).toContain(k);
    expect((JSON.parse(ref.incidents) as unknown[]).length).toBeGreaterThan(2);
  });

  it('byte mode (postmortem path)', async () => {
    expectSame(await reference({}), await bytePath({}));
  });

  it('byte mode without WebAssembly (the JS loop)', async () => {
    const ref = await reference({});
    expectSame(ref, await bytePath({}, { simd: false }));
    expectSame(ref, await oddChunks({}, [1, 7, 4099, 65_537, 3, 250_001], { simd: false }));
  });

  it('an outage log, where the screen looks at most messages only as far as their start', async () => {
    const busy = log;
    log = outageLog;
    try {
      const ref = await reference({});
      expect(ref.counts.upstreamErrors / ref.counts.linesRead).toBeGreaterThan(0.8);
      expectSame(ref, await bytePath({}));
      expectSame(ref, await bytePath({}, { simd: false }));
    } finally {
      log = busy;
    }
    const fail0 = 'recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 1.2.3.4, server: a';
    // It does: messages past the `never` rows are nearly all failures there, and the look is brief.
    const screen = new FailureScreen();
    const lines = readFileSync(outageLog, 'latin1').split('\n').filter((l) => l.includes('upstream') && l.includes('#'));
    for (const line of lines.slice(0, 4096)) {
      const buf = Buffer.from(line, 'latin1');
      screen.notAFailure(buf, buf.indexOf(': ') + 2, buf.length);
    }
    expect(screen.looksBriefly).toBe(true);
    // Needle lines past the `never` rows that are mostly no failures (nginx's own warnings about
    // an upstream; the busy host's commonest, client-closed and buffered, are `never` rows): it keeps looking.
    const busyScreen = new FailureScreen();
    const notFailures = [
      'upstream sent more data than specified in "Content-Length" header while reading upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "a"',
      'epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while sending request to upstream, client: 1.2.3.4, server: a',
      'upstream sent duplicate header line: "X-A: 1", previous value: "X-A: 0" while reading response header from upstream, client: 1.2.3.4, server: a',
    ];
    for (let k = 0; k < 4096; k++) {
      const buf = Buffer.from(k % 50 === 0 ? fail0 : notFailures[k % notFailures.length]!, 'latin1');
      expect(busyScreen.notAFailure(buf, 0, buf.length)).toBe(k % 50 !== 0);
    }
    expect(busyScreen.looksBriefly).toBe(false);
    // After a burst of failures in a busy host's log, the first line looked at fully that is no failure ends the brief look.
    const fail = Buffer.from(fail0);
    const noFail = Buffer.from(notFailures[0]!);
    const burst = new FailureScreen();
    for (let k = 0; k < 600; k++) expect(burst.notAFailure(fail, 0, fail.length)).toBe(false);
    expect(burst.looksBriefly).toBe(true);
    const answers = Array.from({ length: 16 }, () => burst.notAFailure(noFail, 0, noFail.length));
    expect(burst.looksBriefly).toBe(false);
    // Up to the line looked at fully, a brief look answers "maybe a failure" (the cut decides); from it on, the full answer.
    expect(answers.filter((a) => a).length).toBeGreaterThan(0);
    expect(burst.notAFailure(noFail, 0, noFail.length)).toBe(true);
  });

  it("the reader thread's scanner counts a `never` row and lets every other needle line through to the cut", () => {
    // screenMessages false (screenWorker.ts): no look past the `never` rows, but those still count.
    const scanner = new NginxByteScanner(new LocalClock('UTC'), new FailureScreen());
    scanner.screenMessages = false;
    const looking = new NginxByteScanner(new LocalClock('UTC'), new FailureScreen());
    const fields = ', client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "a"';
    let second = 0;
    const scan = (s: NginxByteScanner, message: string) => {
      // A new second on every line: the byte scanner, not the SIMD scan's same-header run, decides.
      const buf = Buffer.from(`2024/03/10 00:00:${String(second++ % 60).padStart(2, '0')} [warn] 1001#1000: ${message}`, 'latin1');
      return s.scan(buf, 0, buf.length, true);
    };
    const never = 'an upstream response is buffered to a temporary file /var/cache/nginx/1 while reading upstream' + fields;
    const failure = 'connect() failed (111: Connection refused) while connecting to upstream' + fields;
    const noFailure = 'upstream sent duplicate header line: "X-A: 1", previous value: "X-A: 0" while reading response header from upstream' + fields;
    for (const conn of ['', '*42 ']) {
      expect(scan(scanner, conn + never)).toBe(SCAN_OTHER);
      expect(scan(scanner, conn + failure)).toBe(SCAN_CANDIDATE);
      expect(scan(scanner, conn + noFailure)).toBe(SCAN_CANDIDATE);
      expect(scan(looking, conn + noFailure)).toBe(SCAN_OTHER);
    }
    // A malformed `*CONN ` is the cut's to read: a candidate either way.
    expect(scan(scanner, '*4x2 ' + never)).toBe(SCAN_CANDIDATE);
    expect(scan(looking, '*4x2 ' + never)).toBe(SCAN_CANDIDATE);
  });

  it('string mode (live path: quickScanLine)', async () => {
    expectSame(await reference({}), await stringPath({}));
  });

  it('byte mode with odd chunk sizes and alignments', async () => {
    const ref = await reference({});
    expectSame(ref, await oddChunks({}, [1, 7, 4099, 65_537, 3, 250_001]));
    expectSame(ref, await oddChunks({}, [1024 * 1024 + 1]));
  });

  it('with a --since/--until window (outside-window counts)', async () => {
    const since = Date.UTC(2024, 2, 10, 0, 20, 0);
    const until = Date.UTC(2024, 2, 10, 1, 10, 0);
    const ref = await reference({ since, until });
    expect(ref.counts.outsideWindow).toBeGreaterThan(1000);
    expectSame(ref, await bytePath({ since, until }));
    expectSame(ref, await stringPath({ since, until }));
  });

  it('in another time zone (the stamp cache)', async () => {
    // Same file, read as Berlin local time: the times change, the equivalence must not.
    const extra = { tz: 'Europe/Berlin' };
    const ref = await reference(extra);
    expect(ref.latest).not.toBe((await reference({})).latest);
    expectSame(ref, await bytePath(extra));
  });

  it('shaped lines (Docker, compose, kubectl, journald, syslog), access and undated lines, on every path', async () => {
    const saved = log;
    log = join(dir, 'shaped.log');
    const shapes = [
      (l: string) => `2024-03-10T00:30:00.250000000Z ${l}`,
      (l: string) => `nginx-1  | ${l}`,
      (l: string) => `nginx-1  | 2024-03-10T00:30:01.5Z ${l}`,
      (l: string) => `[pod/web-1/nginx] ${l}`,
      (l: string) => `Mar 10 00:30:00.750000 host nginx[1]: ${l}`,
      (l: string) => `2024-03-10T01:30:00+0100 host nginx[1]: ${l}`,
      (l: string) => `<187>Mar 10 00:30:00 host nginx: ${l}`,
      (l: string) => `<187>1 2024-03-10T00:30:02.125Z host nginx - - - ${l}`,
      (l: string) => JSON.stringify({ __REALTIME_TIMESTAMP: '1710030603000000', MESSAGE: l }),
    ];
    const generated = readFileSync(saved, 'utf8').split('\n').slice(0, 20_000);
    const small = ODD_LINES.filter((l) => l.length < 60_000);
    const extra = [
      '127.0.0.1 - - [10/Mar/2024:00:30:00 +0000] "GET / HTTP/1.1" 502 157 "-" "curl/7.88"',
      'nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)',
      '/docker-entrypoint.sh: Configuration complete; ready for start up',
      // Same 19 bytes, a space and a level, twice: the scan's same-stamp check must not take the second for nginx's.
      `xxxxxxxxxxxxxxxxxxx [error] 1#1: *5 access forbidden by rule`,
      `xxxxxxxxxxxxxxxxxxx [error] 1#1: *5 access forbidden by rule`,
    ];
    writeFileSync(log, [...generated, ...small, ...extra].flatMap((l, i) => [shapes[i % shapes.length]!(l), ...(i % 5 === 0 ? [l] : [])]).join('\n') + '\n');
    try {
      const ref = await reference({});
      expect(ref.counts.upstreamErrors).toBeGreaterThan(500);
      expect(ref.counts.accessLines).toBeGreaterThan(0);
      expect(ref.counts.untimed).toBeGreaterThan(0);
      expect(Object.keys(ref.counts.shapes ?? {}).sort()).toEqual(['compose', 'compose-t', 'docker', 'journal-json', 'journal-short-iso', 'journal-short-precise', 'kubectl', 'syslog-3164', 'syslog-5424']);
      expectSame(ref, await bytePath({}));
      expectSame(ref, await bytePath({}, { simd: false }));
      expectSame(ref, await stringPath({}));
      expectSame(ref, await oddChunks({}, [1, 7, 4099, 65_537, 3, 250_001]));
      const since = Date.UTC(2024, 2, 10, 0, 30, 1);
      expectSame(await reference({ since }), await bytePath({ since }));
    } finally {
      log = saved;
    }
  });

  it('a file of only odd lines, CRLF endings and no final newline', async () => {
    const saved = log;
    log = join(dir, 'odd.log');
    writeFileSync(log, ODD_LINES.join('\r\n'));
    try {
      expectSame(await reference({}), await bytePath({}));
      writeFileSync(log, ODD_LINES.flatMap((l) => [PLAIN, l]).join('\n'));
      expectSame(await reference({}), await bytePath({}));
      expectSame(await reference({ tz: 'Europe/Berlin' }), await bytePath({ tz: 'Europe/Berlin' }));
      writeFileSync(log, ODD_LINES.join('\r\n'));
      expectSame(await reference({}), await stringPath({}));
      expectSame(await reference({}), await oddChunks({}, [5, 13, 1021]));
      expectSame(await reference({}), await bytePath({}, { simd: false }));
    } finally {
      log = saved;
    }
  });
});

describe('the signature table is the one place a failure phrase is added', () => {
  // One phrase without the word `upstream` (a new needle for the scans), one with it, one on an errno.
  const ADDED: Signature[] = [
    { phrase: 'peer vanished mid-flight', where: 'anywhere', kind: 'reset' },
    { phrase: 'upstream exploded', where: 'start', kind: 'premature-close' },
    { phrase: '', where: 'errno', kind: 'refused', errno: [999], upstream: true },
  ];
  const NEW_LINES = [
    `${T} [error] 1#1: *7 api.internal peer vanished mid-flight, client: 1.2.3.4, server: a, request: "GET /x HTTP/1.1", host: "a"`,
    `${T} [error] 1#1: *8 upstream exploded while reading response header from upstream, client: 1.2.3.4, server: a, request: "GET /x HTTP/1.1", upstream: "http://10.0.0.9:80/x", host: "a"`,
    `${T} [error] 1#1: *9 connect() failed (999: Something new) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET /x HTTP/1.1", upstream: "http://10.0.0.9:80/x", host: "a"`,
  ];

  it('a row added at run time is classified by the byte path (SIMD and JS loop), the string path and the reference alike', async () => {
    const saved = log;
    log = join(dir, 'added.log');
    // Each new line after a plain one with the same stamp (the scan's same-stamp run), and repeated to make a burst.
    writeFileSync(log, Array.from({ length: 5 }, () => NEW_LINES.flatMap((l) => [PLAIN, l])).flat().join('\n') + '\n');
    try {
      const signatures = [...SIGNATURES, ...ADDED];
      const ref = await reference({ signatures });
      expect(ref.failures.map((f) => f.kind).sort()).toEqual([...Array(5).fill('premature-close'), ...Array(5).fill('refused'), ...Array(5).fill('reset')]);
      expectSame(ref, await bytePath({ signatures }));
      expectSame(ref, await bytePath({ signatures }, { simd: false }));
      expectSame(ref, await stringPath({ signatures }));
      expectSame(ref, await oddChunks({ signatures }, [1, 7, 4099]));
      // Without the rows they are no failures, on every path: the table alone made the difference.
      const before = await reference({});
      expect(before.counts.upstreamErrors).toBe(0);
      expectSame(before, await bytePath({}));
      expectSame(before, await stringPath({}));
    } finally {
      log = saved;
    }
  });
});
