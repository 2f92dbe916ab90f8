/**
 * The shapes an nginx error-log line arrives in besides nginx's own file: a prefix that some
 * collector put in front of it (Docker, compose, kubectl, journald, syslog), sometimes with a
 * better time than nginx's local whole second. One table, pure, used by every path that reads
 * lines (postmortem files and pipes, followed files, the Docker API's log stream).
 *
 * A shape is data: a recogniser (an anchored regular expression, or a JSON reader for journald's
 * json output), where its stamp is and what that stamp is worth. `readShape(line)` answers the
 * first shape that matches, with the nginx line inside and the prefix's time; `bestTime` picks
 * the better of that time and nginx's own. A plain nginx line is not a shape: callers check
 * nginx's header first (it never matches a prefix), so plain logs pay nothing here.
 *
 * Also here, because they decide what an unshaped or stripped line is when it is not an nginx
 * error line: `isAccessLine` (nginx in Docker writes its access log to the same stream) and
 * `isUndatedNginxLine` (nginx's own `nginx: [emerg] …` on stderr, which has no date).
 */

export const SHAPE_IDS = [
  'docker',
  'compose',
  'compose-t',
  'kubectl',
  'kubectl-t',
  'journal-short',
  'journal-short-iso',
  'journal-short-precise',
  'journal-json',
  'syslog-3164',
  'syslog-5424',
] as const;
export type ShapeId = (typeof SHAPE_IDS)[number];

/**
 * What a shape's stamp is worth against nginx's local, zone-less whole second:
 * - `absolute`: names its zone (UTC `Z` or an offset) — it replaces nginx's time;
 * - `fraction`: local and without a year, but with sub-second digits — added to nginx's time
 *   when both name the same second;
 * - `none`: no stamp, or one with neither year nor zone (syslog, journald short) — nginx's time is kept.
 */
type StampWorth = 'absolute' | 'fraction' | 'none';

export interface LineShape {
  id: ShapeId;
  /** How the user produced it, for reports: `read as ${label} lines`. */
  label: string;
  worth: StampWorth;
  /** What happened to the time, for reports. */
  timeNote: string;
}

/** What `readShape` found in one line. */
export interface ShapeHit {
  shape: LineShape;
  /** The line inside the prefix (normally an nginx error-log line). */
  inner: string;
  /** Epoch ms of an `absolute` stamp; NaN otherwise (or when the stamp is nil/unreadable). */
  time: number;
  /** `fraction` stamps: the stamp's second of the minute and its sub-second part in ms; NaN otherwise. */
  second: number;
  fractionMs: number;
}

// ---- stamps ---------------------------------------------------------------------------------

/** RFC 3339 with any number of fraction digits (Docker: 9, RFC 5424: up to 6) and `Z` or an offset. */
const RFC3339 = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d)`;
/** `Dec 02 04:21:36` (journald) or `Dec  2 04:21:36` (RFC 3164). */
const BSD = String.raw`[A-Z][a-z]{2} [ 0-3]\d \d\d:\d\d:\d\d`;
/** `host ident[pid]: ` / `host ident: ` after a journald or RFC 3164 stamp. */
const HOST_TAG = String.raw` \S+ [^\s:\[]+(?:\[\d+\])?: `;
/**
 * A compose container prefix, `service-N` (v2) or `project_service_N` (v1), padded, maybe coloured
 * when compose wrote to a terminal: `nginx-1  | `. The index keeps `word | text` lines out.
 */
const ANSI = String.raw`(?:\x1b\[[0-9;]*m)*`;
const COMPOSE = String.raw`${ANSI}[A-Za-z0-9][\w.-]*[-_]\d+ *${ANSI}\| ${ANSI}`;
/** `[pod/web-7d9c5b-x2kq/nginx] ` (kubectl logs --prefix). */
const KUBECTL = String.raw`\[[a-z]+\/[^\s\]]+\] `;

/** Epoch ms of an RFC 3339 stamp (ms precision; more digits are cut, not rounded), NaN if invalid. */
export function rfc3339ToEpoch(s: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|([+-])(\d\d):?(\d\d))$/.exec(s);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, sec, frac, , sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(Number(y), month, 0)).getUTCDate()) return NaN;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) return NaN;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000 : 0;
  return Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(sec), ms) - offset;
}

// ---- the table ------------------------------------------------------------------------------

interface RegexRule extends LineShape {
  /** Anchored; the match's end is where the inner line starts. */
  re: RegExp;
  /** Capture group of the stamp (absolute: RFC 3339; fraction: `HH:MM:SS.ffffff` at its end). */
  stampGroup: number | null;
  /** Cheap first test on the line's first character (most lines of a shaped log reach the regex once). */
  first: (c: number) => boolean;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;
const isLt = (c: number) => c === 60;
const isBracket = (c: number) => c === 91;
const composeFirst = (c: number) => c === 27 || isDigit(c) || isUpper(c) || (c >= 97 && c <= 122);

const DOCKER_NOTE = "nginx time replaced by Docker's UTC stamp";
const KEPT = "nginx's own time kept";

/**
 * Order matters where two could match: compose -t before compose, kubectl -t before kubectl,
 * journald short-iso (numeric offset, host, tag) before a bare Docker stamp (always `Z`),
 * short-precise (fraction) before short.
 */
const RULES: readonly RegexRule[] = [
  {
    id: 'journal-short-iso',
    label: 'journalctl -o short-iso',
    worth: 'absolute',
    timeNote: "nginx time replaced by journald's stamp (it names its zone)",
    re: new RegExp(String.raw`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?[+-]\d\d:?\d\d)${HOST_TAG}`),
    stampGroup: 1,
    first: isDigit,
  },
  {
    id: 'docker',
    label: 'docker logs --timestamps (or kubectl logs --timestamps)',
    worth: 'absolute',
    timeNote: DOCKER_NOTE,
    re: new RegExp(`^(${RFC3339}) `),
    stampGroup: 1,
    first: isDigit,
  },
  {
    id: 'journal-short-precise',
    label: 'journalctl -o short-precise',
    worth: 'fraction',
    timeNote: "nginx time with journald's microseconds",
    re: new RegExp(String.raw`^[A-Z][a-z]{2} [ 0-3]\d (\d\d:\d\d:\d\d\.\d{1,9})${HOST_TAG}`),
    stampGroup: 1,
    first: isUpper,
  },
  {
    id: 'journal-short',
    label: 'journalctl -o short',
    worth: 'none',
    timeNote: `${KEPT} (journald's stamp has no year or zone)`,
    re: new RegExp(`^${BSD}${HOST_TAG}`),
    stampGroup: null,
    first: isUpper,
  },
  {
    id: 'syslog-5424',
    label: 'syslog RFC 5424',
    worth: 'absolute',
    timeNote: 'nginx time replaced by the syslog stamp (it names its zone)',
    // <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG, maybe after a BOM]
    re: /^<\d{1,3}>1 (\S+) \S+ \S+ \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: \uFEFF?|$)/,
    stampGroup: 1,
    first: isLt,
  },
  {
    id: 'syslog-3164',
    label: "syslog RFC 3164 (as nginx's error_log syslog: sends it)",
    worth: 'none',
    timeNote: `${KEPT} (the syslog stamp has no year or zone)`,
    re: new RegExp(`^<\\d{1,3}>${BSD}${HOST_TAG}`),
    stampGroup: null,
    first: isLt,
  },
  {
    id: 'kubectl-t',
    label: 'kubectl logs --prefix --timestamps',
    worth: 'absolute',
    timeNote: "nginx time replaced by the kubelet's UTC stamp",
    re: new RegExp(`^${KUBECTL}(${RFC3339}) `),
    stampGroup: 1,
    first: isBracket,
  },
  {
    id: 'kubectl',
    label: 'kubectl logs --prefix',
    worth: 'none',
    timeNote: `${KEPT} (the prefix has none)`,
    re: new RegExp(`^${KUBECTL}`),
    stampGroup: null,
    first: isBracket,
  },
  {
    id: 'compose-t',
    label: 'docker compose logs -t',
    worth: 'absolute',
    timeNote: DOCKER_NOTE,
    re: new RegExp(`^${COMPOSE}(${RFC3339}) `),
    stampGroup: 1,
    first: composeFirst,
  },
  {
    id: 'compose',
    label: 'docker compose logs',
    worth: 'none',
    timeNote: `${KEPT} (the prefix has none)`,
    re: new RegExp(`^${COMPOSE}`),
    stampGroup: null,
    first: composeFirst,
  },
];

const JOURNAL_JSON: LineShape = {
  id: 'journal-json',
  label: 'journalctl -o json',
  worth: 'absolute',
  timeNote: "nginx time replaced by journald's __REALTIME_TIMESTAMP (UTC, µs)",
};

/** Every shape, in the order they are tried (journald json first: it is the only one that starts with `{`). */
export const LINE_SHAPES: readonly LineShape[] = [JOURNAL_JSON, ...RULES.map(({ id, label, worth, timeNote }) => ({ id, label, worth, timeNote }))];

const BY_ID = new Map<ShapeId, LineShape>(LINE_SHAPES.map((s) => [s.id, s]));

/** Longer lines are not looked at (nginx caps a line at a few KB; journald json adds its fields). */
const MAX_SHAPED_CHARS = 1024 * 1024;

/**
 * The shape of `line` (CR already dropped), or null when it has none of them (a plain nginx line,
 * or something else). A new object per hit: this runs only for lines without nginx's header.
 */
export function readShape(line: string): ShapeHit | null {
  if (line.length === 0 || line.length > MAX_SHAPED_CHARS) return null;
  const c = line.charCodeAt(0);
  if (c === 123 /* { */) return readJournalJson(line);
  for (const rule of RULES) {
    if (!rule.first(c)) continue;
    const m = rule.re.exec(line);
    if (!m) continue;
    const hit: ShapeHit = { shape: BY_ID.get(rule.id)!, inner: line.slice(m[0].length), time: NaN, second: NaN, fractionMs: NaN };
    const stamp = rule.stampGroup === null ? undefined : m[rule.stampGroup];
    if (stamp !== undefined) {
      if (rule.worth === 'absolute') hit.time = rfc3339ToEpoch(stamp);
      else if (rule.worth === 'fraction') {
        // `HH:MM:SS.ffffff`
        hit.second = Number(stamp.slice(6, 8));
        hit.fractionMs = Number(`0.${stamp.slice(9)}`) * 1000;
      }
    }
    return hit;
  }
  return null;
}

/**
 * `journalctl -o json`: one object per line; MESSAGE is a string, or an array of bytes when it
 * was not valid UTF-8; __REALTIME_TIMESTAMP is epoch µs as a decimal string.
 */
function readJournalJson(line: string): ShapeHit | null {
  if (!line.includes('"MESSAGE"')) return null;
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
  const rec = o as Record<string, unknown>;
  const msg = rec.MESSAGE;
  let inner: string;
  if (typeof msg === 'string') inner = msg;
  else if (Array.isArray(msg) && msg.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) < 256)) inner = Buffer.from(msg as number[]).toString('utf8');
  else return null;
  if (inner.endsWith('\n')) inner = inner.slice(0, -1);
  if (inner.endsWith('\r')) inner = inner.slice(0, -1);
  const us = rec.__REALTIME_TIMESTAMP;
  const time = typeof us === 'string' && /^\d{1,19}$/.test(us) ? Math.floor(Number(us) / 1000) : NaN;
  return { shape: JOURNAL_JSON, inner, time, second: NaN, fractionMs: NaN };
}

/**
 * The line's time: the shape's own when it names its zone, nginx's (`nginxTime`, epoch ms from
 * its local stamp, NaN when the inner line has none) otherwise, plus a zone-less stamp's
 * sub-second part when both name the same second.
 */
export function bestTime(hit: ShapeHit, nginxTime: number): number {
  if (!Number.isNaN(hit.time)) return hit.time;
  if (!Number.isNaN(hit.fractionMs) && !Number.isNaN(nginxTime) && Math.floor(nginxTime / 1000) % 60 === hit.second) return nginxTime + Math.floor(hit.fractionMs);
  return nginxTime;
}

// ---- what a line that is not an nginx error line is --------------------------------------------

/**
 * nginx's `combined`/`main` access-log line (and anything that starts like it):
 * `127.0.0.1 - - [02/Dec/2026:04:21:36 +0000] "GET / HTTP/1.1" 502 157 …`.
 */
const ACCESS = /^\S+ \S+ \S+ \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "/;

export function isAccessLine(text: string): boolean {
  return ACCESS.test(text);
}

/** nginx's own message on stderr, written before (or instead of) its error log: `nginx: [emerg] bind() …`. */
const UNDATED_NGINX = /^nginx: \[(?:emerg|alert|crit|error|warn|notice|info|debug)\] /;

export function isUndatedNginxLine(text: string): boolean {
  return UNDATED_NGINX.test(text);
}
