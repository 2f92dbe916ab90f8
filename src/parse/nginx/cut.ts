/**
 * Cutting a valid line into ranges: the message, its errno group and `while …` action, and the
 * `, client: …, server: …` fields. Positions, not substrings, so a line costs no allocation beyond
 * its header until a consumer asks for a value. The ranges go into a `LineCut` the caller owns
 * (the engine keeps one; nothing here is module state).
 *
 * Format (ngx_log_error_core + ngx_http_log_error):
 *   YYYY/MM/DD HH:MM:SS [level] PID#TID: [*CONN ]MSG[ (errno: strerror)][ while ACTION],
 *   client: IP, server: NAME[, request: "…"][, subrequest: "…"][, upstream: "…"][, host: "…"][, referrer: "…"]
 */
import { REQUEST_SENT_ACTIONS, type UnparsedLine, type UpstreamErrorKind } from '../../model/logRecord.js';
import { Classifier, equalsIn, includesIn } from '../classify.js';
import type { LocalClock } from '../localTime.js';
import { isDigit, intAt, newHead, parseHead, type Head } from './header.js';
import { needlesOf } from './signatures.js';

// Field markers in the order nginx writes them; each may be absent except client/server on request lines.
export const FIELD_KEYS = ['client', 'server', 'request', 'subrequest', 'upstream', 'host', 'referrer'] as const;
export const FIELD_COUNT = FIELD_KEYS.length;
/** Per FIELD_KEYS entry: is its value quoted (everything but client and server)? */
export const QUOTED: readonly boolean[] = FIELD_KEYS.map((k) => k !== 'client' && k !== 'server');

/** Field slots in `LineCut.fields`: value i is `text[fields[2i], fields[2i+1])`, absent when -1. */
export const F_CLIENT = 0;
export const F_SERVER = 1;
export const F_REQUEST = 2;
export const F_UPSTREAM = 4;
export const F_HOST = 5;
export const F_REFERRER = 6;

/**
 * Where the parts of the last line `cutLine` accepted lie, and its header. One per consumer,
 * refilled for every line; `classifier` is the signature table it classifies with.
 */
export class LineCut {
  readonly head: Head = newHead();
  time = 0;
  /** Message: `text[msgAt, msgEnd)`, ending at the first `, client: ` (or the end of the line). */
  msgAt = 0;
  msgEnd = 0;
  errno: number | null = null;
  /** strerror: `text[strerrorAt, strerrorEnd)`, -1 when there is no errno group. */
  strerrorAt = -1;
  strerrorEnd = -1;
  /** The `while …` action: `text[actionAt, msgEnd)`, -1 when there is none. */
  actionAt = -1;
  /** The line may be about an upstream: only then are its fields cut (else every slot is -1). */
  mayBeUpstream = false;
  kind: UpstreamErrorKind | null = null;
  /** Start/end pairs in FIELD_KEYS order. */
  readonly fields = new Int32Array(FIELD_KEYS.length * 2);
  /** quickScanLine's side results (screen.ts): the time of an OTHER line, the reason of an UNPARSED one. */
  readonly scan: ScanSide = { time: 0, reason: 'empty', afterIds: 0 };
  /** The table's needles: a message holding none of them (and no `upstream:` field) is no failure. */
  readonly needles: readonly string[];
  /** What messages seen before gave (see messageFacts), by a key made of a few of their characters. */
  readonly memo = new Map<number, MessageFacts>();

  constructor(readonly classifier: Classifier = DEFAULT_CLASSIFIER) {
    this.needles = needlesOf(classifier.table);
  }

  /** The value in field slot `slot`, or null when the line has no such field. */
  field(text: string, slot: number): string | null {
    const from = this.fields[2 * slot]!;
    return from < 0 ? null : text.slice(from, this.fields[2 * slot + 1]!);
  }
}

const DEFAULT_CLASSIFIER = new Classifier();

/**
 * What cutLine reads from a message alone (errno group and action as offsets from its start,
 * whether it holds a needle, and its kind with and without an `upstream:` field, undefined until
 * asked). An outage's log repeats a few dozen messages a million times: each is read once, then
 * found again by one comparison (test/perf/equivalence.test.ts checks the results are the same).
 */
interface MessageFacts {
  msg: string;
  errno: number | null;
  strerrorAt: number;
  strerrorEnd: number;
  actionAt: number;
  needle: boolean;
  kindWith: UpstreamErrorKind | null | undefined;
  kindWithout: UpstreamErrorKind | null | undefined;
}

/** Messages remembered per LineCut (past this the memo starts again), each at most this long. */
const MEMO_SIZE = 1024;
const MEMO_MESSAGE_CHARS = 1024;

/** A screen's side results, beside its answer (no object per line). */
export interface ScanSide {
  time: number;
  reason: UnparsedLine['reason'];
  /** NginxByteScanner's CANDIDATE: where `PID#TID: ` ends, from the line's start (its header is ASCII: the same in the decoded text). */
  afterIds: number;
}

/**
 * Checks `text` as parseNginxLine does and fills `cut`: the reason it is not a valid line, or
 * null.
 */
export function cutLine(cut: LineCut, text: string, clock: LocalClock): UnparsedLine['reason'] | null {
  const bad = parseHead(text, clock, cut.head);
  if (bad !== null) return bad;
  cutBody(cut, text, cut.head.msgAt, cut.head.time);
  return null;
}

/** The message from `i` on: its ranges, the fields of a line that may be about an upstream, the kind. */
function cutBody(cut: LineCut, text: string, i: number, time: number): void {
  const fieldsAt = text.indexOf(', client: ', i);
  const msgEnd = fieldsAt < 0 ? text.length : fieldsAt;
  cut.time = time;
  cut.msgAt = i;
  cut.msgEnd = msgEnd;
  const facts = messageFacts(cut, text, i, msgEnd);
  // Field extraction only where it can matter: an upstream failure, or a line naming an upstream.
  const mayBeUpstream = facts.needle || text.includes('upstream: "', fieldsAt < 0 ? i : fieldsAt);
  cut.mayBeUpstream = mayBeUpstream;
  const f = cut.fields;
  if (fieldsAt >= 0 && mayBeUpstream) cutFields(text, fieldsAt, f);
  else f.fill(-1);
  if (!mayBeUpstream) cut.kind = null;
  else if (f[2 * F_UPSTREAM + 1]! > f[2 * F_UPSTREAM]!) cut.kind = facts.kindWith ??= cut.classifier.classify(text, i, msgEnd, cut.errno, cut.actionAt, msgEnd, true);
  else cut.kind = facts.kindWithout ??= cut.classifier.classify(text, i, msgEnd, cut.errno, cut.actionAt, msgEnd, false);
}

/** cutMessage and the needle test for `text[msgAt, msgEnd)`, from the memo when the message was seen before; fills `cut`. */
function messageFacts(cut: LineCut, text: string, msgAt: number, msgEnd: number): MessageFacts {
  const len = msgEnd - msgAt;
  const key = len === 0 ? 0 : (len * 65599 + text.charCodeAt(msgAt) * 257 + text.charCodeAt(msgAt + (len >> 1)) * 31 + text.charCodeAt(msgEnd - 1)) | 0;
  let facts = cut.memo.get(key);
  if (facts !== undefined && facts.msg.length === len && text.startsWith(facts.msg, msgAt)) {
    cut.errno = facts.errno;
    cut.strerrorAt = facts.strerrorAt < 0 ? -1 : msgAt + facts.strerrorAt;
    cut.strerrorEnd = facts.strerrorEnd < 0 ? -1 : msgAt + facts.strerrorEnd;
    cut.actionAt = facts.actionAt < 0 ? -1 : msgAt + facts.actionAt;
    return facts;
  }
  cutMessage(cut, text, msgAt, msgEnd);
  let needle = false;
  for (const n of cut.needles) if (includesIn(text, n, msgAt, msgEnd)) needle = true;
  facts = {
    msg: text.slice(msgAt, msgEnd),
    errno: cut.errno,
    strerrorAt: cut.strerrorAt < 0 ? -1 : cut.strerrorAt - msgAt,
    strerrorEnd: cut.strerrorEnd < 0 ? -1 : cut.strerrorEnd - msgAt,
    actionAt: cut.actionAt < 0 ? -1 : cut.actionAt - msgAt,
    needle,
    kindWith: undefined,
    kindWithout: undefined,
  };
  // A long message (an attacker's header line) is not remembered: the memo's memory stays bounded.
  if (len > MEMO_MESSAGE_CHARS) return facts;
  if (cut.memo.size >= MEMO_SIZE) cut.memo.clear();
  cut.memo.set(key, facts);
  return facts;
}

/** Can this line be an upstream failure at all (so its fields are worth cutting)? The message is `text[msgAt, msgEnd)`. */
export function mentionsUpstream(needles: readonly string[], text: string, msgAt: number, msgEnd: number, fieldsAt: number): boolean {
  for (const n of needles) if (includesIn(text, n, msgAt, msgEnd)) return true;
  return text.includes('upstream: "', fieldsAt < 0 ? msgAt : fieldsAt);
}

const SENT_ACTIONS: readonly string[] = [...REQUEST_SENT_ACTIONS];

/** The action `text[from, to)` is one after which nginx had begun sending the request (it does not retry a POST then). */
export function isRequestSentAction(text: string, from: number, to: number): boolean {
  for (const a of SENT_ACTIONS) if (equalsIn(text, a, from, to)) return true;
  return false;
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
 * action, as ranges into `cut`. The errno group is the last `(N: text)` before the last ` while `.
 */
export function cutMessage(cut: LineCut, text: string, msgAt: number, msgEnd: number): void {
  const whileAt = lastIndexIn(text, ' while ', msgAt, msgEnd);
  cut.actionAt = whileAt >= 0 ? whileAt + 7 : -1;
  cut.errno = null;
  cut.strerrorAt = -1;
  cut.strerrorEnd = -1;
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
    cut.errno = n;
    cut.strerrorAt = c + 2;
    cut.strerrorEnd = headEnd - 1;
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
