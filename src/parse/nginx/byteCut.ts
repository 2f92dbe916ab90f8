/**
 * The cut on bytes: what `cutLine` (cut.ts) decides for a CANDIDATE line, read from the line's
 * bytes without decoding it. In an outage's log nearly every line is an upstream failure, and
 * decoding each one to a string (then collecting the strings) was most of a postmortem's time.
 *
 * Same answers as the string cut (test/perf/equivalence.test.ts holds both to the reference
 * parser): every marker it looks for is ASCII, so a byte range here is the character range there,
 * and what is read from a message alone (errno, action, kind) is read once per distinct message by
 * the string code itself, from the decoded message, and remembered by its bytes.
 *
 * A line this cut does not take (`cut` answers false) goes to the string path: a failure that names
 * its upstream only in its message, more field markers than MAX_MARKS, an unusual `*CONN `.
 * Its field markers are found here (fieldMarks.ts), or handed in, found by a reader's WebAssembly scan.
 */
import type { UpstreamErrorKind } from '../../model/logRecord.js';
import { includesIn, type Classifier } from '../classify.js';
import { cutMessage, F_REQUEST, F_UPSTREAM, FIELD_COUNT, isRequestSentAction, LineCut, QUOTED } from './cut.js';
import { startsWithBytes } from './bytes.js';
import { FIELD_KEY_BYTES as KEYS, FieldMarks, TOO_MANY_MARKS } from './fieldMarks.js';

const UPSTREAM_QUOTE = Buffer.from('upstream: "');
const HTTP_SLASH = Buffer.from(' HTTP/');

/** What a message alone decides (cut.ts MessageFacts), remembered by the message's bytes. */
export interface ByteFacts {
  bytes: Buffer;
  /** `bytes` read four at a time (sameBytes). */
  words: DataView;
  errno: number | null;
  needle: boolean;
  requestSent: boolean;
  kindWith: UpstreamErrorKind | null;
  kindWithout: UpstreamErrorKind | null;
}

/** Messages remembered per cut (past this the memo starts again), each at most this long (memory stays bounded whatever the log holds). */
const MEMO_SIZE = 1024;
const MEMO_MESSAGE_BYTES = 1024;
/**
 * Messages remembered under one key. The key is a few of a message's bytes and its length, and
 * different messages share one: nginx's `upstream sent invalid header while reading response
 * header from upstream` and `upstream sent too big header while …` do, and with one message per
 * key each of them pushed the other out (an outage's 400 MB: ~36,000 messages read again through
 * the string code). A message found moves ahead of the one before it, so one that keeps coming
 * stays when messages seen once (`limiting requests, excess: 3.260 by zone …`) take the last place.
 */
const MEMO_WAYS = 4;

export class ByteCut {
  time = 0;
  /** Message: `buf[msgAt, msgEnd)`. */
  msgAt = 0;
  msgEnd = 0;
  kind: UpstreamErrorKind | null = null;
  errno: number | null = null;
  /** The failure came after nginx began sending the request (its action is one of REQUEST_SENT_ACTIONS). */
  requestSent = false;
  /** Start/end byte pairs in cut.ts's field order (F_CLIENT …), -1 when absent. */
  readonly fields = new Int32Array(FIELD_COUNT * 2);
  /** Where markers are found when none are handed in. */
  private readonly found = new FieldMarks();
  /** The `, key: ` markers of the line being cut, from its fields on: `found`, or those handed in. */
  private lineMarks: FieldMarks = this.found;
  private readonly memo = new Map<number, ByteFacts[]>();
  /** The last buffer a line came in, and a DataView of it (a reader hands over many lines in one buffer). */
  private wordsOf: Buffer | null = null;
  private words: DataView = new DataView(new ArrayBuffer(0));
  /** Messages in the memo, all keys together. */
  private memoCount = 0;
  /** Where a message seen for the first time is read by the string code. */
  private readonly strings: LineCut;

  constructor(private readonly classifier: Classifier) {
    this.strings = new LineCut(classifier);
  }

  /**
   * Cuts the CANDIDATE line `buf[start, end)` whose `PID#TID: ` ends at `afterIds` (absolute), at
   * `time`. False: the line is for the string path (nothing here is valid then). `marks`: the
   * line's field markers from `afterIds` on, found already (the same as from its message on: an
   * accepted `*CONN ` holds no comma); null: found here.
   */
  cut(buf: Buffer, start: number, end: number, afterIds: number, time: number, marks: FieldMarks | null = null): boolean {
    let i = afterIds;
    if (i < end && buf[i] === 42 /* * */) {
      // `*CONN ` as parseHead reads it: plain digits here; anything else Number() might take goes to the string path.
      let sp = i + 1;
      while (sp < end && buf[sp] !== 32) sp++;
      if (sp < end) {
        let k = i + 1;
        while (k < sp && buf[k]! >= 48 && buf[k]! <= 57) k++;
        if (k < sp || sp === i + 1 || sp - i - 1 > 15) return false;
        i = sp + 1;
      }
    }
    this.time = time;
    this.msgAt = i;
    const m = (this.lineMarks = marks ?? this.found);
    if (marks === null) this.found.find(buf, i, end);
    if (m.n === TOO_MANY_MARKS) return false;
    const fieldsAt = m.fieldsAt;
    const msgEnd = fieldsAt < 0 ? end : fieldsAt;
    this.msgEnd = msgEnd;
    const facts = this.facts(buf, i, msgEnd);
    this.errno = facts.errno;
    this.requestSent = facts.requestSent;
    const f = this.fields;
    f.fill(-1);
    const mayBeUpstream = facts.needle || includesBytes(buf, UPSTREAM_QUOTE, fieldsAt < 0 ? i : fieldsAt, end);
    if (!mayBeUpstream) {
      this.kind = null;
      return true;
    }
    if (fieldsAt >= 0) this.cutFields(buf, fieldsAt, end);
    const withUpstream = f[2 * F_UPSTREAM + 1]! > f[2 * F_UPSTREAM]!;
    this.kind = withUpstream ? facts.kindWith : facts.kindWithout;
    // A failure without an `upstream:` field names its upstream in its message: the string path reads it there.
    return withUpstream || this.kind === null;
  }

  /** cut.ts messageFacts on bytes: from the memo when this message was seen before. */
  private facts(buf: Buffer, msgAt: number, msgEnd: number): ByteFacts {
    const len = msgEnd - msgAt;
    const key = len === 0 ? 0 : (len * 65599 + buf[msgAt]! * 257 + buf[msgAt + (len >> 1)]! * 31 + buf[msgEnd - 1]!) | 0;
    const known = this.memo.get(key);
    if (known !== undefined) {
      if (buf !== this.wordsOf) {
        this.wordsOf = buf;
        this.words = new DataView(buf.buffer, buf.byteOffset, buf.length);
      }
      for (let w = 0; w < known.length; w++) {
        const f = known[w]!;
        if (!sameBytes(f, buf, this.words, msgAt, msgEnd)) continue;
        if (w > 0) {
          known[w] = known[w - 1]!;
          known[w - 1] = f;
        }
        return f;
      }
    }
    const facts = this.factsOf(buf, msgAt, msgEnd);
    if (len > MEMO_MESSAGE_BYTES) return facts;
    if (this.memoCount >= MEMO_SIZE) {
      this.memo.clear();
      this.memoCount = 0;
    }
    const ways = this.memo.get(key);
    if (ways === undefined) this.memo.set(key, [facts]);
    else if (ways.length < MEMO_WAYS) ways.push(facts);
    else {
      ways[MEMO_WAYS - 1] = facts;
      return facts;
    }
    this.memoCount++;
    return facts;
  }

  /** What the message `buf[msgAt, msgEnd)` decides, read by the string code from the decoded message, as it would read it in the line (not remembered here). */
  factsOf(buf: Buffer, msgAt: number, msgEnd: number): ByteFacts {
    const text = buf.toString('utf8', msgAt, msgEnd);
    const cut = this.strings;
    cutMessage(cut, text, 0, text.length);
    let needle = false;
    for (const n of cut.needles) if (includesIn(text, n, 0, text.length)) needle = true;
    const bytes = Buffer.from(buf.subarray(msgAt, msgEnd));
    const facts: ByteFacts = {
      bytes,
      words: new DataView(bytes.buffer, bytes.byteOffset, bytes.length),
      errno: cut.errno,
      needle,
      requestSent: cut.actionAt >= 0 && isRequestSentAction(text, cut.actionAt, text.length),
      kindWith: this.classifier.classify(text, 0, text.length, cut.errno, cut.actionAt, text.length, true),
      kindWithout: this.classifier.classify(text, 0, text.length, cut.errno, cut.actionAt, text.length, false),
    };
    return facts;
  }

  /** cut.ts cutFields from the line's markers (the first is `, client: ` at `start`). */
  private cutFields(buf: Buffer, start: number, end: number): void {
    const out = this.fields;
    const { at: markAt, key: markKey, n: marks } = this.lineMarks;
    let pos = start;
    let keyIndex = 0;
    let m = 0;
    while (pos < end && keyIndex < KEYS.length) {
      // The marker at `pos`, if one of the keys still to come.
      while (m < marks && markAt[m]! < pos) m++;
      if (m >= marks || markAt[m] !== pos || markKey[m]! < keyIndex) break;
      const found = markKey[m]!;
      keyIndex = found + 1;
      const valueStart = pos + 2 + KEYS[found]!.length;
      let valueEnd = -1;
      let next: number;
      if (QUOTED[found] && valueStart < end && buf[valueStart] === 34 /* " */) {
        // Closing quote: the first `", key: ` for a later key, else the last quote on the line.
        const close = this.firstOfLowestKey(buf, this.firstMarkFrom(valueStart + 1), keyIndex, valueStart + 1, true);
        if (close >= 0) {
          const at = markAt[close]! - 1;
          valueEnd = found === F_REQUEST ? this.requestEnd(buf, valueStart + 1, at, markKey[close]!) : at;
        }
        if (valueEnd < 0) valueEnd = buf[end - 1] === 34 ? end - 1 : end;
        out[2 * found] = valueStart + 1;
        out[2 * found + 1] = Math.max(valueStart + 1, valueEnd);
        next = valueEnd + 1;
      } else {
        const after = this.firstOfLowestKey(buf, this.firstMarkFrom(valueStart), keyIndex, valueStart, false);
        valueEnd = after >= 0 ? markAt[after]! : end;
        out[2 * found] = valueStart;
        out[2 * found + 1] = valueEnd;
        next = valueEnd;
      }
      pos = next;
    }
  }

  /** The first marker at or after `from` (markers lie in order). */
  private firstMarkFrom(from: number): number {
    const { at, n } = this.lineMarks;
    let m = 0;
    while (m < n && at[m]! < from) m++;
    return m;
  }

  /**
   * Of the markers from index `m` on with a key of at least `minKey` (and, `quoted`, a quote just
   * before them) lying at or after `from`: the first one of the lowest key, or -1. What cut.ts
   * finds by trying each later key in turn with indexOf, in one pass over a handful of markers.
   */
  private firstOfLowestKey(buf: Buffer, m: number, minKey: number, from: number, quoted: boolean): number {
    let best = -1;
    let bestKey = KEYS.length;
    const { at: markAt, key: markKey, n } = this.lineMarks;
    for (; m < n; m++) {
      const key = markKey[m]!;
      if (key < minKey || key >= bestKey) continue;
      const at = markAt[m]!;
      if (quoted ? at - 1 < from || buf[at - 1] !== 34 : at < from) continue;
      best = m;
      bestKey = key;
    }
    return best;
  }

  /** Where the first `", key: ` for `key` at or after `from` begins (its quote), or -1. */
  private quoteMarker(buf: Buffer, key: number, from: number): number {
    const { at: markAt, key: markKey, n } = this.lineMarks;
    for (let m = 0; m < n; m++) {
      const at = markAt[m]! - 1;
      if (markKey[m] === key && at >= from && buf[at] === 34) return at;
    }
    return -1;
  }

  /** cut.ts requestEnd: the first candidate end whose value ends in ` HTTP/x.y`, else the last candidate. */
  private requestEnd(buf: Buffer, valueStart: number, first: number, key: number): number {
    let last = first;
    for (let at = first; at >= 0; at = this.quoteMarker(buf, key, at + 1)) {
      if (endsWithHttpVersion(buf, valueStart, at)) return at;
      last = at;
    }
    return last;
  }
}

/** `buf[from, to)` holds `needle` wholly. */
function includesBytes(buf: Buffer, needle: Buffer, from: number, to: number): boolean {
  const first = needle[0]!;
  for (let k = from, last = to - needle.length; k <= last; k++) if (buf[k] === first && startsWithBytes(buf, k, to, needle)) return true;
  return false;
}

/**
 * The remembered message holds exactly the bytes `buf[from, to)` (`words`: a DataView of `buf`).
 * Four bytes to a read, then the last few one by one: every failure of an outage compares its
 * whole message (~70 bytes) so, and byte by byte that took ~115 ns, four at a time ~35-60 ns.
 */
function sameBytes(f: ByteFacts, buf: Buffer, words: DataView, from: number, to: number): boolean {
  const a = f.bytes;
  const n = a.length;
  if (n !== to - from) return false;
  const mine = f.words;
  let k = 0;
  for (; k + 4 <= n; k += 4) if (mine.getUint32(k) !== words.getUint32(from + k)) return false;
  for (; k < n; k++) if (a[k] !== buf[from + k]) return false;
  return true;
}

function isDigitByte(b: number | undefined): boolean {
  return b !== undefined && b >= 48 && b <= 57;
}

/** cut.ts endsWithHttpVersion on bytes: `buf[from, to)` ends in ` HTTP/d` or ` HTTP/d.d`. */
function endsWithHttpVersion(buf: Buffer, from: number, to: number): boolean {
  let v = to - 1;
  if (v >= from + 2 && isDigitByte(buf[v]) && buf[v - 1] === 46 && isDigitByte(buf[v - 2])) v -= 2;
  else if (!(v >= from && isDigitByte(buf[v]))) return false;
  return v - 6 >= from && startsWithBytes(buf, v - 6, v, HTTP_SLASH);
}
