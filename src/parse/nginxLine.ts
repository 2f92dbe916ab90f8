/**
 * Where a log line enters the engine: one nginx error-log line → a LogRecord, or an UnparsedLine
 * with the reason. Pure and allocation-light: the header is checked by character position, fields
 * are cut with indexOf, and lines that cannot be upstream failures skip field extraction.
 *
 * Format (ngx_log_error_core + ngx_http_log_error):
 *   YYYY/MM/DD HH:MM:SS [level] PID#TID: [*CONN ]MSG[ (errno: strerror)][ while ACTION],
 *   client: IP, server: NAME[, request: "…"][, subrequest: "…"][, upstream: "…"][, host: "…"][, referrer: "…"]
 */
import { LEVELS, type Level, type LogRecord, type ParsedLine, type RequestLine, type UnparsedLine, type UpstreamAddress, type UpstreamErrorKind } from '../model/logRecord.js';
import type { LocalClock } from './localTime.js';
import { classifyUpstreamFailure, includesIn } from './classify.js';

/** Longer lines are counted as `too-long` and not parsed: nginx itself caps a line at 2 KB plus the request. */
export const MAX_LINE_CHARS = 1024 * 1024;
const EXCERPT_CHARS = 200;

const LEVEL_SET: ReadonlySet<string> = new Set(LEVELS);

// Field markers in the order nginx writes them; each may be absent except client/server on request lines.
const FIELD_KEYS = ['client', 'server', 'request', 'subrequest', 'upstream', 'host', 'referrer'] as const;
/** Per FIELD_KEYS entry: is its value quoted (everything but client and server)? */
const QUOTED: readonly boolean[] = FIELD_KEYS.map((k) => k !== 'client' && k !== 'server');

function unparsed(source: string, line: number, reason: UnparsedLine['reason'], text: string): ParsedLine {
  return { ok: false, unparsed: { source, line, reason, excerpt: text.slice(0, EXCERPT_CHARS) } };
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** `YYYY/MM/DD HH:MM:SS [` at the start, checked by position (cheaper than a regex per line). */
export function hasNginxHeader(text: string): boolean {
  if (text.length < 24) return false;
  return (
    isDigit(text.charCodeAt(0)) &&
    isDigit(text.charCodeAt(1)) &&
    isDigit(text.charCodeAt(2)) &&
    isDigit(text.charCodeAt(3)) &&
    text.charCodeAt(4) === 47 &&
    isDigit(text.charCodeAt(5)) &&
    isDigit(text.charCodeAt(6)) &&
    text.charCodeAt(7) === 47 &&
    isDigit(text.charCodeAt(8)) &&
    isDigit(text.charCodeAt(9)) &&
    text.charCodeAt(10) === 32 &&
    isDigit(text.charCodeAt(11)) &&
    isDigit(text.charCodeAt(12)) &&
    text.charCodeAt(13) === 58 &&
    isDigit(text.charCodeAt(14)) &&
    isDigit(text.charCodeAt(15)) &&
    text.charCodeAt(16) === 58 &&
    isDigit(text.charCodeAt(17)) &&
    isDigit(text.charCodeAt(18)) &&
    text.charCodeAt(19) === 32 &&
    text.charCodeAt(20) === 91
  );
}

/**
 * Number(text.slice(from, to)) when that is an integer, else NaN, without the slice for the
 * usual case of 1-15 plain digits (exact in a double); anything else goes through Number().
 */
function intAt(text: string, from: number, to: number): number {
  const n = to - from;
  if (n > 0 && n <= 15) {
    let v = 0;
    let k = from;
    for (; k < to; k++) {
      const c = text.charCodeAt(k);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (k === to) return v;
  }
  const v = Number(text.slice(from, to));
  return Number.isInteger(v) ? v : NaN;
}

// NUL and most C0 bytes mean a binary file, not text nginx wrote. ESC and invalid UTF-8 (decoded
// as U+FFFD) are allowed: nginx copies request bytes into the line, and such a line may still be
// a real upstream failure that must be counted (it is sanitised where it is drawn).
function looksBinary(text: string): boolean {
  for (let i = 0; i < text.length && i < 4096; i++) {
    const c = text.charCodeAt(i);
    // BEL (7) is allowed: it ends OSC 8 hyperlinks a client can put in its Referer.
    if (c < 7 || c === 8 || (c > 13 && c < 27)) return true;
  }
  return false;
}

/** What the header of a valid line holds; filled by `parseHead` (one shared scratch object, no per-line allocation). */
interface Head {
  level: string;
  pid: number;
  tid: number;
  conn: number | null;
  /** Where the message starts. */
  msgAt: number;
  stamp: string;
  time: number;
}
const HEAD: Head = { level: '', pid: 0, tid: 0, conn: null, msgAt: 0, stamp: '', time: 0 };

/**
 * Everything before the message: the reason a line is not a valid nginx line, or null with
 * HEAD filled. Shared by `parseNginxLine` and `quickScanLine` so both decide validity identically.
 */
function parseHead(text: string, clock: LocalClock, knownClean = false): UnparsedLine['reason'] | null {
  if (text.length === 0) return 'empty';
  if (text.length > MAX_LINE_CHARS) return 'too-long';
  if (!hasNginxHeader(text)) return looksBinary(text) ? 'binary' : 'not-nginx';

  const levelEnd = text.indexOf(']', 21);
  if (levelEnd < 0 || levelEnd > 30) return 'not-nginx';
  const level = text.slice(21, levelEnd);
  if (!LEVEL_SET.has(level)) return 'not-nginx';

  // " PID#TID: "
  let i = levelEnd + 2;
  const hash = text.indexOf('#', i);
  const colon = hash < 0 ? -1 : text.indexOf(': ', hash);
  if (hash < 0 || colon < 0 || colon - i > 24) return 'not-nginx';
  const pid = intAt(text, i, hash);
  const tid = intAt(text, hash + 1, colon);
  if (Number.isNaN(pid) || Number.isNaN(tid)) return 'not-nginx';
  i = colon + 2;

  let conn: number | null = null;
  if (text.charCodeAt(i) === 42 /* * */) {
    const sp = text.indexOf(' ', i);
    if (sp > 0) {
      const n = intAt(text, i + 1, sp);
      if (!Number.isNaN(n)) {
        conn = n;
        i = sp + 1;
      }
    }
  }

  const stamp = text.slice(0, 19);
  const time = clock.toEpoch(stamp);
  if (Number.isNaN(time)) return 'bad-time';
  if (!knownClean && looksBinary(text)) return 'binary';
  HEAD.level = level;
  HEAD.pid = pid;
  HEAD.tid = tid;
  HEAD.conn = conn;
  HEAD.msgAt = i;
  HEAD.stamp = stamp;
  HEAD.time = time;
  return null;
}

// ---- cutting a valid line into ranges -------------------------------------------------------

/** Field slots in `LineCut.fields`: value i is `text[fields[2i], fields[2i+1])`, absent when -1. */
export const F_CLIENT = 0;
export const F_SERVER = 1;
export const F_REQUEST = 2;
export const F_UPSTREAM = 4;
export const F_HOST = 5;
const F_REFERRER = 6;

/**
 * Where the parts of the last line `cutLine` accepted lie: positions, not substrings, so a line
 * costs no allocation beyond its header until a consumer asks for a value. One shared object.
 */
export interface LineCut {
  time: number;
  /** Message: `text[msgAt, msgEnd)`, ending at the first `, client: ` (or the end of the line). */
  msgAt: number;
  msgEnd: number;
  errno: number | null;
  /** strerror: `text[strerrorAt, strerrorEnd)`, -1 when there is no errno group. */
  strerrorAt: number;
  strerrorEnd: number;
  /** The `while …` action: `text[actionAt, msgEnd)`, -1 when there is none. */
  actionAt: number;
  /** The line may be about an upstream: only then are its fields cut (else every slot is -1). */
  mayBeUpstream: boolean;
  kind: UpstreamErrorKind | null;
  /** Start/end pairs in FIELD_KEYS order. */
  readonly fields: Int32Array;
}

export const CUT: LineCut = {
  time: 0,
  msgAt: 0,
  msgEnd: 0,
  errno: null,
  strerrorAt: -1,
  strerrorEnd: -1,
  actionAt: -1,
  mayBeUpstream: false,
  kind: null,
  fields: new Int32Array(FIELD_KEYS.length * 2),
};

/**
 * Checks `text` as parseNginxLine does and fills CUT (and HEAD): the reason it is not a valid
 * line, or null. `knownClean`: the caller found no control byte in the line's bytes (the binary
 * check is skipped; same result).
 */
export function cutLine(text: string, clock: LocalClock, knownClean = false): UnparsedLine['reason'] | null {
  const bad = parseHead(text, clock, knownClean);
  if (bad !== null) return bad;
  const i = HEAD.msgAt;
  const fieldsAt = text.indexOf(', client: ', i);
  const msgEnd = fieldsAt < 0 ? text.length : fieldsAt;
  CUT.time = HEAD.time;
  CUT.msgAt = i;
  CUT.msgEnd = msgEnd;
  cutMessage(text, i, msgEnd);
  // Field extraction only where it can matter: an upstream failure, or a line naming an upstream.
  const mayBeUpstream = mentionsUpstream(text, i, msgEnd, fieldsAt);
  CUT.mayBeUpstream = mayBeUpstream;
  const f = CUT.fields;
  if (fieldsAt >= 0 && mayBeUpstream) cutFields(text, fieldsAt, f);
  else f.fill(-1);
  const hasUpstream = f[2 * F_UPSTREAM + 1]! > f[2 * F_UPSTREAM]!;
  CUT.kind = mayBeUpstream ? classifyUpstreamFailure(text, i, msgEnd, CUT.errno, CUT.actionAt, msgEnd, hasUpstream) : null;
  return null;
}

/** The value in field slot `slot` of the last cut line, or null when the line has no such field. */
function cutField(text: string, slot: number): string | null {
  const from = CUT.fields[2 * slot]!;
  return from < 0 ? null : text.slice(from, CUT.fields[2 * slot + 1]!);
}

/** `knownClean`: the caller found no control byte in the line's bytes (the binary check is skipped; same result). */
export function parseNginxLine(text: string, source: string, lineNo: number, clock: LocalClock, knownClean = false): ParsedLine {
  const bad = cutLine(text, clock, knownClean);
  if (bad !== null) return unparsed(source, lineNo, bad, text);
  const { level, pid, tid, conn, stamp, time } = HEAD;
  const { msgAt, msgEnd, strerrorAt, actionAt } = CUT;
  const request = cutField(text, F_REQUEST);
  const upstream = cutField(text, F_UPSTREAM);
  const record: LogRecord = {
    source,
    line: lineNo,
    time,
    localTime: stamp,
    level: level as Level,
    pid,
    tid,
    conn,
    message: text.slice(msgAt, msgEnd),
    errno: CUT.errno,
    strerror: strerrorAt < 0 ? null : text.slice(strerrorAt, CUT.strerrorEnd),
    action: actionAt < 0 ? null : text.slice(actionAt, msgEnd),
    kind: CUT.kind,
    client: cutField(text, F_CLIENT),
    server: cutField(text, F_SERVER),
    request: request ? parseRequestLine(request) : null,
    upstream: upstream ? parseUpstreamUrl(upstream) : null,
    host: cutField(text, F_HOST),
    referrer: cutField(text, F_REFERRER),
    raw: text,
  };
  return { ok: true, record };
}

// ---- fast paths (results identical to parseNginxLine; test/perf/equivalence.test.ts) ----------

/** `quickScanLine` / `NginxByteScanner.scan` results: a valid line that is certainly not an upstream failure … */
export const SCAN_OTHER = 0;
/** … a line that may be an upstream failure (or is unusual): run parseNginxLine on it … */
const SCAN_FULL = 1;
/** … or not a valid line: `scanReason` says why. */
export const SCAN_UNPARSED = 2;
/** NginxByteScanner only: a valid line (its time in `scanned.time`) whose message may be an upstream failure: run parseNginxLine on it. */
export const SCAN_CANDIDATE = 3;
export type ScanResult = typeof SCAN_OTHER | typeof SCAN_FULL | typeof SCAN_UNPARSED | typeof SCAN_CANDIDATE;

/**
 * A run-time resolver failure (`api.internal could not be resolved (3: Host not found)`) names no
 * upstream and has no `upstream:` field: nginx has no peer yet. It is an upstream failure all the same.
 */
export const RESOLVE_FAILURE = 'could not be resolved';

/** Can this line be an upstream failure at all (so its fields are worth cutting)? The message is `text[msgAt, msgEnd)`. */
function mentionsUpstream(text: string, msgAt: number, msgEnd: number, fieldsAt: number): boolean {
  return includesIn(text, 'upstream', msgAt, msgEnd) || includesIn(text, RESOLVE_FAILURE, msgAt, msgEnd) || text.includes('upstream: "', fieldsAt < 0 ? msgAt : fieldsAt);
}

/** Side results of the last scan (no object per line): the time of an OTHER line, the reason of an UNPARSED one. */
export const scanned: { time: number; reason: UnparsedLine['reason'] } = { time: 0, reason: 'empty' };

/**
 * What parseNginxLine would decide about `text`, without cutting its fields: the header is
 * checked by the same code, and a line only counts as OTHER when classifyUpstreamFailure is
 * null for it even if it had an upstream field (null with the field implies null without it).
 */
export function quickScanLine(text: string, clock: LocalClock): ScanResult {
  const bad = parseHead(text, clock);
  if (bad !== null) {
    scanned.reason = bad;
    return SCAN_UNPARSED;
  }
  const i = HEAD.msgAt;
  scanned.time = HEAD.time;
  if (text.indexOf('upstream', i) < 0 && text.indexOf(RESOLVE_FAILURE, i) < 0) return SCAN_OTHER;
  // The client leaving: classifyUpstreamFailure's first answer (null), whatever else the line says.
  if (text.startsWith('client prematurely closed', i) || text.startsWith('client timed out', i)) return SCAN_OTHER;
  const fieldsAt = text.indexOf(', client: ', i);
  const msgEnd = fieldsAt < 0 ? text.length : fieldsAt;
  if (!mentionsUpstream(text, i, msgEnd, fieldsAt)) return SCAN_OTHER;
  cutMessage(text, i, msgEnd);
  return classifyUpstreamFailure(text, i, msgEnd, CUT.errno, CUT.actionAt, msgEnd, true) === null ? SCAN_OTHER : SCAN_FULL;
}

const LEVEL_BYTES: readonly Buffer[] = LEVELS.map((l) => Buffer.from(l, 'latin1'));
const CLIENT_CLOSED = Buffer.from('client prematurely closed');
const CLIENT_TIMED_OUT = Buffer.from('client timed out');
const B_CLIENT_FIELD = Buffer.from(', client: ');
const B_WHILE = Buffer.from(' while ');
const B_UPSTREAM_SP = Buffer.from('upstream ');
const B_NO_LIVE = Buffer.from('no live upstreams');
const B_CONNECT_UNIX = Buffer.from('connect() to unix:');
const B_HOST_NOT_FOUND = Buffer.from('host not found in upstream');
const B_NOT_RESOLVED = Buffer.from('could not be resolved');
const B_SSL_HANDSHAKING = Buffer.from('SSL handshaking');

/**
 * True when classifyUpstreamFailure is certainly null for the line whose message follows
 * `PID#TID: ` at `at` (bytes), whatever the line's fields: the cases it recognises are tested
 * conservatively (any `upstream …` or `no live upstreams` head, a resolver phrase, an SSL
 * handshake, a unix socket, or an errno group before ` while ` all answer false).
 */
function notAFailure(buf: Buffer, at: number, end: number): boolean {
  let i = at;
  if (buf[i] === 42 /* * */) {
    const connFrom = ++i;
    while (i < end && buf[i]! >= 48 && buf[i]! <= 57) i++;
    if (i === connFrom || i - connFrom > 15 || i >= end || buf[i] !== 32) return false;
    i++;
  }
  if (startsWithBytes(buf, i, end, CLIENT_CLOSED) || startsWithBytes(buf, i, end, CLIENT_TIMED_OUT)) return true;
  if (startsWithBytes(buf, i, end, B_UPSTREAM_SP) || startsWithBytes(buf, i, end, B_NO_LIVE) || startsWithBytes(buf, i, end, B_CONNECT_UNIX)) return false;
  // One pass over the message (it ends at the first `, client: `): the phrases that make a
  // failure, and the last ` while ` (splitMessage's split point). No native call per line.
  let lastWhile = -1;
  let k = i;
  for (; k < end; k++) {
    const b = buf[k]!;
    if (b === 44 /* , */) {
      if (startsWithBytes(buf, k, end, B_CLIENT_FIELD)) break;
    } else if (b === 32 /* space */) {
      if (buf[k + 1] === 119 /* w */ && startsWithBytes(buf, k, end, B_WHILE)) lastWhile = k;
    } else if (b === 104 /* h */) {
      if (startsWithBytes(buf, k, end, B_HOST_NOT_FOUND)) return false;
    } else if (b === 99 /* c */) {
      if (startsWithBytes(buf, k, end, B_NOT_RESOLVED)) return false;
    } else if (b === 83 /* S */) {
      if (startsWithBytes(buf, k, end, B_SSL_HANDSHAKING)) return false;
    }
  }
  // splitMessage: an errno group is a `(N: …)` that ends the message before its last ` while `.
  const headEnd = lastWhile >= 0 ? lastWhile : k;
  return !(headEnd > i && buf[headEnd - 1] === 41 /* ) */);
}

function startsWithBytes(buf: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (end - at < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (buf[at + k] !== prefix[k]) return false;
  return true;
}

/**
 * The same decision on raw bytes, for lines the splitter found free of control bytes and of the
 * bytes `upstream` (LineSplitter's byte mode): such a line, if valid, is OTHER, so all that is
 * left is the header check and the time. Anything unusual in the header (non-ASCII, signs or
 * spaces in PID#TID) answers FULL, and the string path decides. The time is cached per stamp.
 */
export class NginxByteScanner {
  private readonly lastStamp = Buffer.alloc(19);
  private lastTime = NaN;
  private haveStamp = false;

  constructor(private readonly clock: LocalClock) {}

  /**
   * `buf[start, end)`: one line without its newline (CR already dropped) and without control
   * bytes. `needle`: the line contains `upstream` or RESOLVE_FAILURE; it can then only be OTHER when it is a
   * client leaving (classifyUpstreamFailure's first rule), everything else is CANDIDATE (or FULL when its header is unusual).
   */
  scan(buf: Buffer, start: number, end: number, needle: boolean): ScanResult {
    const len = end - start;
    if (len === 0) {
      scanned.reason = 'empty';
      return SCAN_UNPARSED;
    }
    if (len > 65536) return SCAN_FULL;
    // The stamp of the last valid header again (most lines): its 19 bytes are known good.
    const sameAsLast = this.haveStamp && len >= 24 && sameStamp(buf, start, this.lastStamp);
    // hasNginxHeader: `YYYY/MM/DD HH:MM:SS [` (24+ characters: the rest is checked below).
    if (
      !sameAsLast &&
      (len < 24 ||
        buf[start + 4] !== 47 ||
        buf[start + 7] !== 47 ||
        buf[start + 10] !== 32 ||
        buf[start + 13] !== 58 ||
        buf[start + 16] !== 58 ||
        !digits(buf, start, 0, 4) ||
        !digits(buf, start, 5, 7) ||
        !digits(buf, start, 8, 10) ||
        !digits(buf, start, 11, 13) ||
        !digits(buf, start, 14, 16) ||
        !digits(buf, start, 17, 19))
    ) {
      return this.notHeader(buf, start, end);
    }
    if (buf[start + 19] !== 32 || buf[start + 20] !== 91) return this.notHeader(buf, start, end);
    // `[level]`
    let p = start + 21;
    const lim = Math.min(end, start + 31);
    while (p < lim && buf[p] !== 93) {
      if (buf[p]! >= 128) return SCAN_FULL;
      p++;
    }
    if (p >= lim) return this.notNginxIfAscii(buf, start, end);
    if (!isLevel(buf, start + 21, p)) return this.notNginxIfAscii(buf, start, end);
    // ` PID#TID: ` as plain digits; anything else goes to the string path (Number() has many cases).
    let i = p + 2;
    const from = i;
    while (i < end && buf[i]! >= 48 && buf[i]! <= 57) i++;
    if (i === from || i >= end || buf[i] !== 35) return SCAN_FULL;
    i++;
    const tidFrom = i;
    while (i < end && buf[i]! >= 48 && buf[i]! <= 57) i++;
    if (i === tidFrom || i + 1 >= end || buf[i] !== 58 || buf[i + 1] !== 32 || i - from > 24) return SCAN_FULL;
    // The time: same stamp as the last line → same result. (parseHead checks it before the
    // message too, so a bad time is `bad-time` whatever the message.)
    if (!sameAsLast) {
      buf.copy(this.lastStamp, 0, start, start + 19);
      this.lastTime = this.clock.toEpoch(buf.toString('latin1', start, start + 19));
      this.haveStamp = true;
    }
    if (Number.isNaN(this.lastTime)) {
      scanned.reason = 'bad-time';
      return SCAN_UNPARSED;
    }
    scanned.time = this.lastTime;
    if (needle && !notAFailure(buf, i + 2, end)) return SCAN_CANDIDATE;
    return SCAN_OTHER;
  }

  private notHeader(buf: Buffer, start: number, end: number): ScanResult {
    // A non-ASCII byte could make the decoded text differ in length: let the string path decide.
    if (end - start < 24) return this.notNginx();
    return hasHighByte(buf, start, start + 24) ? SCAN_FULL : this.notNginx();
  }

  private notNginx(): ScanResult {
    scanned.reason = 'not-nginx';
    return SCAN_UNPARSED;
  }

  private notNginxIfAscii(buf: Buffer, start: number, end: number): ScanResult {
    return hasHighByte(buf, start, Math.min(end, start + 40)) ? SCAN_FULL : this.notNginx();
  }
}

function digits(buf: Buffer, start: number, from: number, to: number): boolean {
  for (let k = start + from; k < start + to; k++) {
    const c = buf[k]!;
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function hasHighByte(buf: Buffer, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (buf[k]! >= 128) return true;
  return false;
}

function isLevel(buf: Buffer, from: number, to: number): boolean {
  const n = to - from;
  for (const l of LEVEL_BYTES) {
    if (l.length !== n) continue;
    let k = 0;
    while (k < n && buf[from + k] === l[k]) k++;
    if (k === n) return true;
  }
  return false;
}

function sameStamp(buf: Buffer, start: number, last: Buffer): boolean {
  for (let k = 18; k >= 0; k--) if (buf[start + k] !== last[k]) return false;
  return true;
}

/** `occurrence of `s` lying wholly inside `text[from, to)`, the last one, or -1. */
function lastIndexIn(text: string, s: string, from: number, to: number): number {
  const last = to - s.length;
  if (last < from) return -1;
  const at = text.lastIndexOf(s, last);
  return at >= from ? at : -1;
}

/**
 * `connect() failed (111: Connection refused) while connecting to upstream` → errno, strerror,
 * action, as ranges into CUT. The errno group is the last `(N: text)` before the last ` while `.
 */
function cutMessage(text: string, msgAt: number, msgEnd: number): void {
  const whileAt = lastIndexIn(text, ' while ', msgAt, msgEnd);
  CUT.actionAt = whileAt >= 0 ? whileAt + 7 : -1;
  CUT.errno = null;
  CUT.strerrorAt = -1;
  CUT.strerrorEnd = -1;
  const headEnd = whileAt >= 0 ? whileAt : msgEnd;
  if (headEnd <= msgAt || text.charCodeAt(headEnd - 1) !== 41 /* ) */) return;
  const open = lastIndexIn(text, ' (', msgAt, headEnd);
  if (open < 0) return;
  // `N: text` between `(` and `)`: its first `: `, after at least one character.
  const innerAt = open + 2;
  const c = text.indexOf(': ', innerAt);
  if (c <= innerAt || c + 2 > headEnd - 1) return;
  const n = intAt(text, innerAt, c);
  if (Number.isInteger(n) && n >= 0 && n < 1000) {
    CUT.errno = n;
    CUT.strerrorAt = c + 2;
    CUT.strerrorEnd = headEnd - 1;
  }
}

/**
 * Cuts `, client: …, server: …, request: "…", …` into fields. Quoted values end at a quote that is
 * followed by the next field marker (or the end of the line), so a quote inside an attacker's
 * request line or referrer does not shift the fields after it.
 */
const FIELD_MARKERS: readonly string[] = FIELD_KEYS.map((k) => `, ${k}: `);
const QUOTE_MARKERS: readonly string[] = FIELD_KEYS.map((k) => `", ${k}: `);
const REQUEST = FIELD_KEYS.indexOf('request');

/**
 * The request line is the client's text, so it may itself hold `", upstream: "http://…`. nginx
 * accepts a request line only if the HTTP version is its last token, so the real end is the first
 * candidate whose value ends in ` HTTP/x.y`; without one (HTTP/0.9), the last candidate, since the
 * real field follows the request.
 */
function requestEnd(text: string, valueStart: number, first: number, marker: string): number {
  let last = first;
  for (let at = first; at >= 0; at = text.indexOf(marker, at + 1)) {
    if (endsWithHttpVersion(text, valueStart, at)) return at;
    last = at;
  }
  return last;
}

/** `text[from, to)` ends in ` HTTP/d` or ` HTTP/d.d` (what / HTTP\/\d(\.\d)?$/ tests, without a slice per line). */
function endsWithHttpVersion(text: string, from: number, to: number): boolean {
  let v = to - 1;
  if (v >= from + 2 && isDigit(text.charCodeAt(v)) && text.charCodeAt(v - 1) === 46 /* . */ && isDigit(text.charCodeAt(v - 2))) v -= 2;
  else if (!(v >= from && isDigit(text.charCodeAt(v)))) return false;
  // v is the major digit: ` HTTP/` ends just before it.
  return v - 6 >= from && text.startsWith(' HTTP/', v - 6);
}

/** Fills `out` with each field's start/end (-1 for a field the line does not have). */
function cutFields(text: string, start: number, out: Int32Array): void {
  out.fill(-1);
  let pos = start;
  let keyIndex = 0;
  while (pos < text.length && keyIndex < FIELD_KEYS.length) {
    // Find which key comes next at `pos` (", key: ").
    let found = -1;
    for (let k = keyIndex; k < FIELD_KEYS.length; k++) {
      if (text.startsWith(FIELD_MARKERS[k]!, pos)) {
        found = k;
        keyIndex = k + 1;
        break;
      }
    }
    if (found < 0) break;
    const valueStart = pos + FIELD_MARKERS[found]!.length;
    let valueEnd = -1;
    let next: number;
    if (QUOTED[found] && text.charCodeAt(valueStart) === 34 /* " */) {
      // Closing quote: the first `", key: ` for a later key, else the last quote on the line.
      for (let k = keyIndex; k < FIELD_KEYS.length && valueEnd < 0; k++) {
        const at = text.indexOf(QUOTE_MARKERS[k]!, valueStart + 1);
        if (at >= 0) valueEnd = found === REQUEST ? requestEnd(text, valueStart + 1, at, QUOTE_MARKERS[k]!) : at;
      }
      if (valueEnd < 0) valueEnd = text.endsWith('"') ? text.length - 1 : text.length;
      out[2 * found] = valueStart + 1;
      // A lone `"` at the very end is an empty value (what slice gives for an end before the start).
      out[2 * found + 1] = Math.max(valueStart + 1, valueEnd);
      next = valueEnd + 1;
    } else {
      for (let k = keyIndex; k < FIELD_KEYS.length && valueEnd < 0; k++) {
        const at = text.indexOf(FIELD_MARKERS[k]!, valueStart);
        if (at >= 0) valueEnd = at;
      }
      if (valueEnd < 0) valueEnd = text.length;
      out[2 * found] = valueStart;
      out[2 * found + 1] = valueEnd;
      next = valueEnd;
    }
    pos = next;
  }
}

function parseRequestLine(request: string): RequestLine | null {
  const sp1 = request.indexOf(' ');
  if (sp1 <= 0) return null;
  const sp2 = request.lastIndexOf(' ');
  const method = request.slice(0, sp1);
  if (!/^[A-Z][A-Z_-]{0,19}$/.test(method)) return null;
  if (sp2 === sp1) return { method, path: request.slice(sp1 + 1), protocol: '' };
  return { method, path: request.slice(sp1 + 1, sp2), protocol: request.slice(sp2 + 1) };
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, grpc: 80, grpcs: 443, fastcgi: 9000, uwsgi: 3031, scgi: 4000, memcached: 11211 };

/** `http://172.18.0.5:3000/api`, `fastcgi://127.0.0.1:9000`, `http://unix:/run/app.sock:/x`, `http://backend/api`. */
export function parseUpstreamUrl(url: string): UpstreamAddress {
  const schemeEnd = url.indexOf('://');
  const scheme = schemeEnd > 0 ? url.slice(0, schemeEnd) : '';
  const rest = schemeEnd > 0 ? url.slice(schemeEnd + 3) : url;
  if (rest.startsWith('unix:')) {
    // nginx writes unix upstreams as `unix:/path/to.sock:/uri`
    // (`fastcgi://unix:/run/php.sock:` when the uri is empty)
    // Once connected, nginx 1.22 writes the same upstream without the `:` (seen for real:
    // `http://unix:/run/php-fpm.sock/api/x` on a read timeout): the socket file's name ends it then.
    const uriAt = rest.indexOf(':/', 5);
    if (uriAt < 0) {
      const sock = /^unix:[^:]*?\.sock(?:et)?(?=\/)/.exec(rest);
      if (sock) return { url, scheme, host: sock[0], port: null, path: rest.slice(sock[0].length) };
    }
    const host = uriAt > 0 ? rest.slice(0, uriAt) : rest.replace(/:$/, '');
    return { url, scheme, host, port: null, path: uriAt > 0 ? rest.slice(uriAt + 1) : '' };
  }
  const slash = rest.indexOf('/');
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash) : '';
  let host = authority;
  let port: number | null = null;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    host = authority.slice(0, close + 1);
    const p = authority.slice(close + 2);
    if (p) port = Number(p);
  } else {
    const c = authority.lastIndexOf(':');
    if (c > 0) {
      host = authority.slice(0, c);
      port = Number(authority.slice(c + 1));
    }
  }
  if (port !== null && !(Number.isInteger(port) && port > 0 && port < 65536)) port = null;
  // A bare name without a port is an upstream group (`http://backend/…`): no default port then.
  const isAddress = /^[\d.]+$/.test(host) || host.startsWith('[');
  if (port === null && isAddress) port = DEFAULT_PORTS[scheme] ?? null;
  return { url, scheme, host, port, path };
}

/** Grouping key of an upstream: `host:port`, the unix socket, or the group name. */
export function upstreamKey(u: UpstreamAddress): string {
  return u.port === null ? u.host : `${u.host}:${u.port}`;
}
