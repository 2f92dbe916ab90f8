/**
 * The reference nginx error-line parser: written to be read, not to be fast, and sharing no code
 * with src/parse/nginx/ (header, cut, classify, screens). The equivalence tests hold every fast
 * path to what this says. It reads the same signature table (the table is the rule, this is one
 * reading of it) and uses the same time zone arithmetic (LocalClock) and URL split (parseUpstreamUrl).
 *
 * A line is `STAMP [LEVEL] PID#TID: [*CONN ]MESSAGE[, client: …, server: …, …]`, where MESSAGE is
 * `TEXT[ (ERRNO: STRERROR)][ while ACTION]`.
 */
import { LEVELS, type Level, type LogRecord, type ParsedLine, type RequestLine, type UnparsedLine, type UpstreamErrorKind } from '../../src/model/logRecord.js';
import type { LocalClock } from '../../src/parse/localTime.js';
import { parseUpstreamUrl } from '../../src/parse/nginx/upstreamUrl.js';
import type { Signature } from '../../src/parse/nginx/signatures.js';

const TOO_LONG = 1024 * 1024;
const STAMP = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[/;
/** `[level]`, one character (normally a space), then `PID#TID: ` where PID and TID are whatever Number() reads as an integer. */
const LEVEL_AND_IDS = /^.{19} \[([^\]]{0,9})\].([^#]*)#(.*?): /s;
const CONTROL = /[\x00-\x06\x08\x0e-\x1a]/;
const FIELDS = ['client', 'server', 'request', 'subrequest', 'upstream', 'host', 'referrer'] as const;
type Field = (typeof FIELDS)[number];

function bad(source: string, line: number, reason: UnparsedLine['reason'], text: string): ParsedLine {
  return { ok: false, unparsed: { source, line, reason, excerpt: text.slice(0, 200) } };
}

function integer(s: string): number | null {
  const n = Number(s);
  return Number.isInteger(n) ? n : null;
}

export function referenceParse(text: string, source: string, lineNo: number, clock: LocalClock, table: readonly Signature[]): ParsedLine {
  if (text === '') return bad(source, lineNo, 'empty', text);
  if (text.length > TOO_LONG) return bad(source, lineNo, 'too-long', text);
  const binary = CONTROL.test(text.slice(0, 4096));
  if (text.length < 24 || !STAMP.test(text)) return bad(source, lineNo, binary ? 'binary' : 'not-nginx', text);
  const head = LEVEL_AND_IDS.exec(text);
  if (!head || !(LEVELS as readonly string[]).includes(head[1]!)) return bad(source, lineNo, 'not-nginx', text);
  const [whole, level, pidText, tidText] = head as unknown as [string, string, string, string];
  const pid = integer(pidText);
  const tid = integer(tidText);
  if (`${pidText}#${tidText}`.length > 24 || pid === null || tid === null) return bad(source, lineNo, 'not-nginx', text);

  let rest = text.slice(whole.length);
  let conn: number | null = null;
  const star = /^\*([^ ]*) /s.exec(rest);
  if (star && integer(star[1]!) !== null) {
    conn = integer(star[1]!);
    rest = rest.slice(star[0].length);
  }
  const stamp = text.slice(0, 19);
  const time = clock.toEpoch(stamp);
  if (Number.isNaN(time)) return bad(source, lineNo, 'bad-time', text);
  // A line with nginx's header is nginx's, control bytes in its message or fields or not.

  // The message ends where the fields begin.
  const fieldsAt = rest.indexOf(', client: ');
  const message = fieldsAt < 0 ? rest : rest.slice(0, fieldsAt);
  const fieldsText = fieldsAt < 0 ? '' : rest.slice(fieldsAt);
  const whileAt = message.lastIndexOf(' while ');
  const action = whileAt < 0 ? null : message.slice(whileAt + ' while '.length);
  const beforeAction = whileAt < 0 ? message : message.slice(0, whileAt);
  const { errno, strerror } = errnoGroup(beforeAction);

  // Fields are read only on a line that may concern an upstream (as the parser does: they are not needed otherwise).
  const needles = needlesIn(table);
  const mayBeUpstream = needles.some((n) => message.includes(n)) || (fieldsAt < 0 ? rest : fieldsText).includes('upstream: "');
  const fields = mayBeUpstream && fieldsAt >= 0 ? readFields(fieldsText) : {};
  const kind = mayBeUpstream ? classify(table, message, beforeAction, action, errno, (fields.upstream ?? '') !== '') : null;
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
    client: fields.client ?? null,
    server: fields.server ?? null,
    request: fields.request ? requestLine(fields.request) : null,
    upstream: fields.upstream ? parseUpstreamUrl(fields.upstream) : null,
    host: fields.host ?? null,
    referrer: fields.referrer ?? null,
    raw: text,
  };
  return { ok: true, record };
}

/** `… (111: Connection refused)` at the end: the last ` (`, its first `: `, a whole number below 1000 before it. */
function errnoGroup(text: string): { errno: number | null; strerror: string | null } {
  const none = { errno: null, strerror: null };
  if (!text.endsWith(')')) return none;
  const open = text.lastIndexOf(' (');
  if (open < 0) return none;
  const m = /^(.+?): (.*)$/s.exec(text.slice(open + 2, -1));
  const n = m ? integer(m[1]!) : null;
  return n !== null && n >= 0 && n < 1000 ? { errno: n, strerror: m![2]! } : none;
}

/** Every failure holds one of these: `upstream`, and each phrase that needs no upstream and lacks that word. */
function needlesIn(table: readonly Signature[]): string[] {
  const phrases = table.filter((s) => s.kind !== null && !s.upstream && !s.phrase.includes('upstream')).map((s) => s.phrase);
  return ['upstream', ...phrases];
}

/** The first row of the table that matches. */
function classify(table: readonly Signature[], message: string, beforeAction: string, action: string | null, errno: number | null, upstreamField: boolean): UpstreamErrorKind | null {
  const aboutUpstream = upstreamField || (action ?? '').includes('upstream');
  for (const row of table) {
    if (row.errno && (errno === null || !row.errno.includes(errno))) continue;
    if (row.upstream && !aboutUpstream) continue;
    const where = { start: message.startsWith(row.phrase), anywhere: message.includes(row.phrase), action: action === row.phrase, errno: true };
    if (!where[row.where]) continue;
    if (row.also !== undefined && !beforeAction.includes(row.also)) continue;
    return row.kind;
  }
  return null;
}

/**
 * `, client: A, server: B, request: "…", upstream: "…", host: "…"`: keys in this order, each
 * optional. A quoted value ends at the first `", KEY: ` of a later key (the nearest such key in
 * the order, not in the text), else at the line's last quote; the request, which a client writes,
 * ends at the first such marker that follows ` HTTP/x.y` (nginx accepts no request line without it
 * last), else at the last one. A bare value ends at the first `, KEY: ` of a later key.
 */
function readFields(text: string): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  let pos = 0;
  let next = 0;
  while (pos < text.length && next < FIELDS.length) {
    const k = FIELDS.slice(next).findIndex((key) => text.startsWith(`, ${key}: `, pos));
    if (k < 0) break;
    const key = FIELDS[next + k]!;
    next += k + 1;
    const later = FIELDS.slice(next);
    const start = pos + `, ${key}: `.length;
    const quoted = key !== 'client' && key !== 'server' && text[start] === '"';
    if (quoted) {
      let end = -1;
      for (const l of later) {
        const marker = `", ${l}: `;
        const first = text.indexOf(marker, start + 1);
        if (first < 0) continue;
        end = first;
        if (key === 'request') {
          const ends = [];
          for (let at = first; at >= 0; at = text.indexOf(marker, at + 1)) ends.push(at);
          end = ends.find((at) => / HTTP\/\d(\.\d)?$/.test(text.slice(start + 1, at))) ?? ends[ends.length - 1]!;
        }
        break;
      }
      if (end < 0) end = text.endsWith('"') ? text.length - 1 : text.length;
      out[key] = end > start + 1 ? text.slice(start + 1, end) : '';
      pos = end + 1;
    } else {
      const ends = later.map((l) => text.indexOf(`, ${l}: `, start)).filter((at) => at >= 0);
      const end = ends.length > 0 ? ends[0]! : text.length;
      out[key] = text.slice(start, end);
      pos = end;
    }
  }
  return out;
}

/** `GET /path HTTP/1.1`: a method of capitals (and `_`, `-`), the path, the protocol after the last space. */
function requestLine(request: string): RequestLine | null {
  const m = /^([^ ]+) (.*)$/s.exec(request);
  if (!m || !/^[A-Z][A-Z_-]{0,19}$/.test(m[1]!)) return null;
  const rest = m[2]!;
  const last = rest.lastIndexOf(' ');
  return last < 0 ? { method: m[1]!, path: rest, protocol: '' } : { method: m[1]!, path: rest.slice(0, last), protocol: rest.slice(last + 1) };
}
