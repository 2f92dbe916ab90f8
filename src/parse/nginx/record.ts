/**
 * One nginx error-log line → a LogRecord, or an UnparsedLine with the reason: the line cut
 * (cut.ts) turned into values. The engine itself never makes records (it reads the cut); records
 * are for tests, the drill and anything that wants every field.
 */
import type { Level, LogRecord, ParsedLine, RequestLine, UnparsedLine } from '../../model/logRecord.js';
import type { LocalClock } from '../localTime.js';
import { cutLine, F_CLIENT, F_HOST, F_REFERRER, F_REQUEST, F_SERVER, F_UPSTREAM, LineCut } from './cut.js';
import { parseUpstreamUrl } from './upstreamUrl.js';

const EXCERPT_CHARS = 200;

function unparsed(source: string, line: number, reason: UnparsedLine['reason'], text: string): ParsedLine {
  return { ok: false, unparsed: { source, line, reason, excerpt: text.slice(0, EXCERPT_CHARS) } };
}

/** parseNginxLine's own cut when its caller gives none. */
const OWN_CUT = new LineCut();

export function parseNginxLine(text: string, source: string, lineNo: number, clock: LocalClock, cut: LineCut = OWN_CUT): ParsedLine {
  const bad = cutLine(cut, text, clock);
  if (bad !== null) return unparsed(source, lineNo, bad, text);
  const { level, pid, tid, conn, stamp, time } = cut.head;
  const { msgAt, msgEnd, strerrorAt, actionAt } = cut;
  const request = cut.field(text, F_REQUEST);
  const upstream = cut.field(text, F_UPSTREAM);
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
    errno: cut.errno,
    strerror: strerrorAt < 0 ? null : text.slice(strerrorAt, cut.strerrorEnd),
    action: actionAt < 0 ? null : text.slice(actionAt, msgEnd),
    kind: cut.kind,
    client: cut.field(text, F_CLIENT),
    server: cut.field(text, F_SERVER),
    request: request ? parseRequestLine(request) : null,
    upstream: upstream ? parseUpstreamUrl(upstream) : null,
    host: cut.field(text, F_HOST),
    referrer: cut.field(text, F_REFERRER),
    raw: text,
  };
  return { ok: true, record };
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
