/**
 * The fast paths: what parseNginxLine would decide about a line, without cutting it (results
 * identical; test/perf/equivalence.test.ts compares them with the reference parser). A line can
 * only be an upstream failure if it holds one of the signature table's needles; and one that
 * holds a needle is still no failure when no row of the table could match it (`FailureScreen`,
 * compiled from the table at start-up: nothing here names a failure phrase).
 */
import { LEVELS } from '../../model/logRecord.js';
import type { LocalClock } from '../localTime.js';
import { cutMessage, mentionsUpstream, type LineCut, type ScanSide } from './cut.js';
import { startsWithBytes } from './bytes.js';
import { parseHead } from './header.js';
import { SIGNATURES, type Signature } from './signatures.js';

/** Screen results: a valid line that is certainly not an upstream failure … */
export const SCAN_OTHER = 0;
/** … a line that may be an upstream failure (or is unusual): run the full parse on it … */
const SCAN_FULL = 1;
/** … or not a valid line: the scan's `reason` says why. */
export const SCAN_UNPARSED = 2;
/** NginxByteScanner only: a valid line (its time in the scanner's `scanned.time`) whose message may be an upstream failure: run the full parse on it. */
export const SCAN_CANDIDATE = 3;
export type ScanResult = typeof SCAN_OTHER | typeof SCAN_FULL | typeof SCAN_UNPARSED | typeof SCAN_CANDIDATE;


/**
 * What parseNginxLine would decide about `text`, without cutting its fields: the header is
 * checked by the same code, and a line only counts as OTHER when the classifier says null for it
 * even if it had an upstream field (null with the field implies null without it).
 */
export function quickScanLine(cut: LineCut, text: string, clock: LocalClock): ScanResult {
  const bad = parseHead(text, clock, cut.head);
  if (bad !== null) {
    cut.scan.reason = bad;
    return SCAN_UNPARSED;
  }
  const i = cut.head.msgAt;
  cut.scan.time = cut.head.time;
  let needle = false;
  for (const n of cut.needles) if (text.indexOf(n, i) >= 0) needle = true;
  if (!needle) return SCAN_OTHER;
  const fieldsAt = text.indexOf(', client: ', i);
  const msgEnd = fieldsAt < 0 ? text.length : fieldsAt;
  if (!mentionsUpstream(cut.needles, text, i, msgEnd, fieldsAt)) return SCAN_OTHER;
  cutMessage(cut, text, i, msgEnd);
  return cut.classifier.classify(text, i, msgEnd, cut.errno, cut.actionAt, msgEnd, true) === null ? SCAN_OTHER : SCAN_FULL;
}

const B_CLIENT_FIELD = Buffer.from(', client: ');

/** Where a message at `at` begins past an optional `*CONN ` in plain digits (as ByteCut.cut reads it); -1 when that prefix is malformed. */
function messageStart(buf: Buffer, at: number, end: number): number {
  let i = at;
  if (buf[i] === 42 /* * */) {
    const connFrom = ++i;
    while (i < end && buf[i]! >= 48 && buf[i]! <= 57) i++;
    if (i === connFrom || i - connFrom > 15 || i >= end || buf[i] !== 32) return -1;
    i++;
  }
  return i;
}

/**
 * The screen's look at a message goes no further than its start while fewer than 1 in BRIEF_BELOW
 * of the messages looked at fully turned out no failure (counted over LOOKS_PER_COUNT looks); it
 * still looks fully at one line in SAMPLE_EVERY, to see when that changes. A busy host's needle
 * lines are mostly no failures: it keeps looking there.
 */
const BRIEF_BELOW = 64;
const LOOKS_PER_COUNT = 512;
const SAMPLE_EVERY = 16;
const B_WHILE = Buffer.from(' while ');

/**
 * The signature table as byte tests: `notAFailure` is true only when no row could match a
 * message, whatever the line's fields (rows are tested conservatively: a phrase anywhere in the
 * message, any errno group).
 */
export class FailureScreen {
  /** Leading rows of kind null at the message's start: the line is never a failure. */
  readonly never: readonly Buffer[];
  /** Phrases a failure's message starts with. */
  private readonly starts: readonly Buffer[];
  /** Phrases anywhere in the message (`anywhere` and `action` rows), by their first byte. */
  private readonly inside: ReadonlyArray<readonly Buffer[] | undefined>;
  /** Some row matches on its errno: an errno group makes a candidate. */
  private readonly byErrno: boolean;

  constructor(table: readonly Signature[] = SIGNATURES) {
    const never: Buffer[] = [];
    const starts: Buffer[] = [];
    const inside: Buffer[][] = [];
    let leading = true;
    let byErrno = false;
    for (const s of table) {
      const phrase = Buffer.from(s.phrase);
      if (s.kind === null) {
        // Only a leading row decides before every failure row; a later one is left to the full parse.
        if (leading && s.where === 'start' && s.errno === undefined && !s.upstream && s.also === undefined) never.push(phrase);
        continue;
      }
      leading = false;
      if (s.errno !== undefined) byErrno = true;
      if (s.where === 'errno' || phrase.length === 0) continue;
      if (s.where === 'start') starts.push(phrase);
      else (inside[phrase[0]!] ??= []).push(phrase);
    }
    this.never = never;
    this.starts = starts;
    this.inside = Array.from({ length: 256 }, (_, b) => inside[b]);
    this.byErrno = byErrno;
  }

  /** Full looks (past the `never` rows) since the last count, and how many found no failure. */
  private looked = 0;
  private cleared = 0;
  /** Lately nearly every message past the `never` rows was a failure: look past them at one line in SAMPLE_EVERY only. */
  private brief = false;
  /** Lines looked at briefly since the last full look. */
  private lines = 0;

  /**
   * True when the classifier is certainly null for the line whose message follows `PID#TID: `
   * at `at` (bytes), whatever the line's fields. False is always safe (the line is cut, and the
   * cut decides), and false is what this answers, after the cheap look at the message's start,
   * while nearly every line getting past that look lately turned out a failure (an outage's log):
   * the rest of the look would be work the cut does again.
   */
  notAFailure(buf: Buffer, at: number, end: number, neverChecked = false): boolean {
    const i = messageStart(buf, at, end);
    if (i < 0) return false;
    // `neverChecked`: the caller found the message starts with none of them (a SIMD scan's LINE_HEAD_OK).
    if (!neverChecked && this.startsNeverAt(buf, i, end)) return true;
    if (this.brief && (this.lines = (this.lines + 1) % SAMPLE_EVERY) !== 0) return false;
    // Every LOOKS_PER_COUNT looks, whether to look briefly from then on (`cleared`: the looks that found no failure).
    if (++this.looked === LOOKS_PER_COUNT) this.recount();
    for (const p of this.starts) if (startsWithBytes(buf, i, end, p)) return false;
    // One pass over the message (it ends at the first `, client: `): the phrases that make a
    // failure, and the last ` while ` (cutMessage's split point). No native call per line.
    const inside = this.inside;
    let lastWhile = -1;
    let k = i;
    for (; k < end; k++) {
      const b = buf[k]!;
      if (b === 44 /* , */) {
        if (startsWithBytes(buf, k, end, B_CLIENT_FIELD)) break;
      } else if (b === 32 /* space */) {
        if (buf[k + 1] === 119 /* w */ && startsWithBytes(buf, k, end, B_WHILE)) lastWhile = k;
      }
      const here = inside[b];
      if (here !== undefined) for (const p of here) if (startsWithBytes(buf, k, end, p)) return false;
    }
    // cutMessage: an errno group is a `(N: …)` that ends the message before its last ` while `.
    const headEnd = lastWhile >= 0 ? lastWhile : k;
    if (this.byErrno && headEnd > i && buf[headEnd - 1] === 41 /* ) */) return false;
    // No failure, seen while looking briefly: a busy host's log after a burst of failures. Look fully again at once.
    if (this.brief) this.lookFully();
    this.cleared++;
    return true;
  }

  /** True when the message at `at` (past an optional `*CONN `) starts with one of the `never` rows: certainly no failure. */
  startsNever(buf: Buffer, at: number, end: number): boolean {
    const i = messageStart(buf, at, end);
    return i >= 0 && this.startsNeverAt(buf, i, end);
  }

  private startsNeverAt(buf: Buffer, i: number, end: number): boolean {
    for (const p of this.never) if (startsWithBytes(buf, i, end, p)) return true;
    return false;
  }

  /** After LOOKS_PER_COUNT looks: brief from here when fewer than 1 in BRIEF_BELOW found no failure. */
  private recount(): void {
    this.brief = this.cleared * BRIEF_BELOW < this.looked;
    this.looked = 0;
    this.cleared = 0;
  }

  private lookFully(): void {
    this.brief = false;
    this.looked = 0;
    this.cleared = 0;
  }

  /** notAFailure looks at most messages only as far as their start (see there). */
  get looksBriefly(): boolean {
    return this.brief;
  }
}

const LEVEL_BYTES: readonly Buffer[] = LEVELS.map((l) => Buffer.from(l, 'latin1'));

/**
 * The same decision on raw bytes, for lines the splitter found free of control bytes (LineSplitter's
 * byte mode): a line without a needle, if valid, is OTHER, so all that is left is the header check
 * and the time. Anything unusual in the header (non-ASCII, signs or spaces in PID#TID) answers
 * FULL, and the string path decides. The time is cached per stamp.
 */
export class NginxByteScanner {
  /** Side results of the last scan: the time of an OTHER or CANDIDATE line, the reason of an UNPARSED one. */
  readonly scanned: ScanSide = { time: 0, reason: 'empty', afterIds: 0 };
  /**
   * Ask the FailureScreen about a needle line's message (true), or only whether it starts with one
   * of its `never` rows (false: every other valid needle line is a CANDIDATE), for a caller whose
   * cut decides every candidate, which reads the message once (the reader thread: screenWorker.ts).
   */
  screenMessages = true;
  private readonly lastStamp = Buffer.alloc(19);
  private lastTime = NaN;
  private haveStamp = false;

  constructor(
    private readonly clock: LocalClock,
    private readonly screen: FailureScreen = new FailureScreen(),
  ) {}

  /**
   * `buf[start, end)`: one line without its newline (CR already dropped) and without control
   * bytes. `needle`: the line holds one of the table's needles; it is then OTHER only when the
   * FailureScreen says no row can match, else CANDIDATE (or FULL when its header is unusual).
   */
  scan(buf: Buffer, start: number, end: number, needle: boolean): ScanResult {
    const len = end - start;
    if (len === 0) {
      this.scanned.reason = 'empty';
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
      // Byte by byte: Buffer.copy and a string cost ~0.2 µs each in calls, once per new second.
      for (let k = 0; k < 19; k++) this.lastStamp[k] = buf[start + k]!;
      this.lastTime = this.clock.toEpochBytes(buf, start);
      this.haveStamp = true;
    }
    if (Number.isNaN(this.lastTime)) {
      this.scanned.reason = 'bad-time';
      return SCAN_UNPARSED;
    }
    this.scanned.time = this.lastTime;
    this.scanned.afterIds = i + 2 - start;
    if (needle && !(this.screenMessages ? this.screen.notAFailure(buf, i + 2, end) : this.screen.startsNever(buf, i + 2, end))) return SCAN_CANDIDATE;
    return SCAN_OTHER;
  }

  /**
   * What `scan` answers past the header for a needle line whose header the SIMD scan passed
   * (LINE_HEAD_OK) and whose message, at `at`, starts with none of the `never` rows: true when
   * it is OTHER, false when a CANDIDATE.
   */
  notAFailureAfter(buf: Buffer, at: number, end: number): boolean {
    return this.screenMessages && this.screen.notAFailure(buf, at, end, true);
  }

  private notHeader(buf: Buffer, start: number, end: number): ScanResult {
    // A non-ASCII byte could make the decoded text differ in length: let the string path decide.
    if (end - start < 24) return this.notNginx();
    return hasHighByte(buf, start, start + 24) ? SCAN_FULL : this.notNginx();
  }

  private notNginx(): ScanResult {
    this.scanned.reason = 'not-nginx';
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
