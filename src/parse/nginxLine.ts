/**
 * Where a log line enters the engine: one nginx error-log line → a LogRecord, or an UnparsedLine
 * with the reason. Pure and allocation-light: the header is checked by character position, fields
 * are cut with indexOf, and lines that cannot be upstream failures skip field extraction.
 *
 * Format (ngx_log_error_core + ngx_http_log_error):
 *   YYYY/MM/DD HH:MM:SS [level] PID#TID: [*CONN ]MSG[ (errno: strerror)][ while ACTION],
 *   client: IP, server: NAME[, request: "…"][, subrequest: "…"][, upstream: "…"][, host: "…"][, referrer: "…"]
 */
import { LEVELS, type Level, type LogRecord, type ParsedLine, type RequestLine, type UnparsedLine, type UpstreamAddress } from '../model/logRecord.js';
import type { LocalClock } from './localTime.js';
import { classifyUpstreamFailure } from './classify.js';

/** Longer lines are counted as `too-long` and not parsed: nginx itself caps a line at 2 KB plus the request. */
export const MAX_LINE_CHARS = 1024 * 1024;
const EXCERPT_CHARS = 200;

const LEVEL_SET: ReadonlySet<string> = new Set(LEVELS);

// Field markers in the order nginx writes them; each may be absent except client/server on request lines.
const FIELD_KEYS = ['client', 'server', 'request', 'subrequest', 'upstream', 'host', 'referrer'] as const;
type FieldKey = (typeof FIELD_KEYS)[number];
const QUOTED: ReadonlySet<FieldKey> = new Set(['request', 'subrequest', 'upstream', 'host', 'referrer']);

function unparsed(source: string, line: number, reason: UnparsedLine['reason'], text: string): ParsedLine {
  return { ok: false, unparsed: { source, line, reason, excerpt: text.slice(0, EXCERPT_CHARS) } };
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** `YYYY/MM/DD HH:MM:SS [` at the start, checked by position (cheaper than a regex per line). */
export function hasNginxHeader(text: string): boolean {
  if (text.length < 24) return false;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (!isDigit(text.charCodeAt(i))) return false;
  return (
    text[4] === '/' && text[7] === '/' && text[10] === ' ' && text[13] === ':' && text[16] === ':' && text[19] === ' ' && text[20] === '['
  );
}

// NUL and most C0 bytes mean a binary file, not text nginx wrote. ESC and invalid UTF-8 (decoded
// as U+FFFD) are allowed: nginx copies request bytes into the line, and such a line may still be
// a real upstream failure that must be counted (it is sanitised where it is drawn).
function looksBinary(text: string): boolean {
  for (let i = 0; i < text.length && i < 4096; i++) {
    const c = text.charCodeAt(i);
    if (c < 9 || (c > 13 && c < 27)) return true;
  }
  return false;
}

export function parseNginxLine(text: string, source: string, lineNo: number, clock: LocalClock): ParsedLine {
  if (text.length === 0) return unparsed(source, lineNo, 'empty', text);
  if (text.length > MAX_LINE_CHARS) return unparsed(source, lineNo, 'too-long', text);
  if (!hasNginxHeader(text)) return unparsed(source, lineNo, looksBinary(text) ? 'binary' : 'not-nginx', text);

  const levelEnd = text.indexOf(']', 21);
  if (levelEnd < 0 || levelEnd > 30) return unparsed(source, lineNo, 'not-nginx', text);
  const level = text.slice(21, levelEnd);
  if (!LEVEL_SET.has(level)) return unparsed(source, lineNo, 'not-nginx', text);

  // " PID#TID: "
  let i = levelEnd + 2;
  const hash = text.indexOf('#', i);
  const colon = hash < 0 ? -1 : text.indexOf(': ', hash);
  if (hash < 0 || colon < 0 || colon - i > 24) return unparsed(source, lineNo, 'not-nginx', text);
  const pid = Number(text.slice(i, hash));
  const tid = Number(text.slice(hash + 1, colon));
  if (!Number.isInteger(pid) || !Number.isInteger(tid)) return unparsed(source, lineNo, 'not-nginx', text);
  i = colon + 2;

  let conn: number | null = null;
  if (text.charCodeAt(i) === 42 /* * */) {
    const sp = text.indexOf(' ', i);
    const n = Number(text.slice(i + 1, sp < 0 ? undefined : sp));
    if (sp > 0 && Number.isInteger(n)) {
      conn = n;
      i = sp + 1;
    }
  }

  const stamp = text.slice(0, 19);
  const time = clock.toEpoch(stamp);
  if (Number.isNaN(time)) return unparsed(source, lineNo, 'bad-time', text);
  if (looksBinary(text)) return unparsed(source, lineNo, 'binary', text);

  const fieldsAt = text.indexOf(', client: ', i);
  const message = fieldsAt < 0 ? text.slice(i) : text.slice(i, fieldsAt);
  const { errno, strerror, action } = splitMessage(message);
  // Field extraction only where it can matter: an upstream failure, or a line naming an upstream.
  const mayBeUpstream = message.includes('upstream') || text.includes('upstream: "', fieldsAt < 0 ? i : fieldsAt);
  const fields = fieldsAt >= 0 && mayBeUpstream ? parseFields(text, fieldsAt) : null;
  const upstream = fields?.upstream ? parseUpstreamUrl(fields.upstream) : null;
  const kind = mayBeUpstream ? classifyUpstreamFailure(message, errno, action, upstream !== null) : null;

  const record: LogRecord = {
    source,
    line: lineNo,
    time,
    localTime: stamp,
    level: level as Level,
    pid,
    tid,
    conn,
    message,
    errno,
    strerror,
    action,
    kind,
    client: fields?.client ?? null,
    server: fields?.server ?? null,
    request: fields?.request ? parseRequestLine(fields.request) : null,
    upstream,
    host: fields?.host ?? null,
    referrer: fields?.referrer ?? null,
    raw: text,
  };
  return { ok: true, record };
}

/** `connect() failed (111: Connection refused) while connecting to upstream` → errno, strerror, action. */
export function splitMessage(message: string): { errno: number | null; strerror: string | null; action: string | null } {
  const whileAt = message.lastIndexOf(' while ');
  const action = whileAt >= 0 ? message.slice(whileAt + 7) : null;
  const head = whileAt >= 0 ? message.slice(0, whileAt) : message;
  // The errno group is the last "(N: text)" before any "while".
  const open = head.lastIndexOf(' (');
  if (open >= 0 && head.endsWith(')')) {
    const inner = head.slice(open + 2, -1);
    const c = inner.indexOf(': ');
    const n = c > 0 ? Number(inner.slice(0, c)) : NaN;
    if (Number.isInteger(n) && n >= 0 && n < 1000) return { errno: n, strerror: inner.slice(c + 2), action };
  }
  return { errno: null, strerror: null, action };
}

/**
 * Cuts `, client: …, server: …, request: "…", …` into fields. Quoted values end at a quote that is
 * followed by the next field marker (or the end of the line), so a quote inside an attacker's
 * request line or referrer does not shift the fields after it.
 */
function parseFields(text: string, start: number): Partial<Record<FieldKey, string>> {
  const out: Partial<Record<FieldKey, string>> = {};
  let pos = start;
  let keyIndex = 0;
  while (pos < text.length && keyIndex < FIELD_KEYS.length) {
    // Find which key comes next at `pos` (", key: ").
    let found: FieldKey | null = null;
    for (let k = keyIndex; k < FIELD_KEYS.length; k++) {
      const key = FIELD_KEYS[k]!;
      if (text.startsWith(`, ${key}: `, pos)) {
        found = key;
        keyIndex = k + 1;
        break;
      }
    }
    if (!found) break;
    const valueStart = pos + found.length + 4;
    let valueEnd = -1;
    let next = text.length;
    if (QUOTED.has(found) && text.charCodeAt(valueStart) === 34 /* " */) {
      // Closing quote: the first `", key: ` for a later key, else the last quote on the line.
      for (let k = keyIndex; k < FIELD_KEYS.length && valueEnd < 0; k++) {
        const at = text.indexOf(`", ${FIELD_KEYS[k]}: `, valueStart + 1);
        if (at >= 0) valueEnd = at;
      }
      if (valueEnd < 0) valueEnd = text.endsWith('"') ? text.length - 1 : text.length;
      out[found] = text.slice(valueStart + 1, valueEnd);
      next = valueEnd + 1;
    } else {
      for (let k = keyIndex; k < FIELD_KEYS.length && valueEnd < 0; k++) {
        const at = text.indexOf(`, ${FIELD_KEYS[k]}: `, valueStart);
        if (at >= 0) valueEnd = at;
      }
      if (valueEnd < 0) valueEnd = text.length;
      out[found] = text.slice(valueStart, valueEnd);
      next = valueEnd;
    }
    pos = next;
  }
  return out;
}

export function parseRequestLine(request: string): RequestLine | null {
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
    const uriAt = rest.indexOf(':/', 5);
    const host = uriAt > 0 ? rest.slice(0, uriAt) : rest;
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
