/**
 * The header of an nginx error-log line, `YYYY/MM/DD HH:MM:SS [level] PID#TID: [*CONN ]`, checked
 * by character position (cheaper than a regex per line), and the reasons a line is not valid.
 */
import { LEVELS, type UnparsedLine } from '../../model/logRecord.js';
import type { LocalClock } from '../localTime.js';

/** Longer lines are counted as `too-long` and not parsed: nginx itself caps a line at 2 KB plus the request. */
export const MAX_LINE_CHARS = 1024 * 1024;


export function isDigit(code: number): boolean {
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
export function intAt(text: string, from: number, to: number): number {
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

/**
 * NUL and most C0 bytes in a line that is nobody's (no nginx header, no collector's prefix around
 * one: scan/foreignLine.ts decides) mean a binary file, not text nginx wrote. A line with the
 * header is nginx's whatever its message holds: nginx copies request bytes (a Referer, a Host)
 * into it, so a client can put control bytes there, and a failure holding them must still be
 * counted (it is sanitised where it is drawn), or one client could hide an outage.
 */
export function looksBinary(text: string): boolean {
  for (let i = 0; i < text.length && i < 4096; i++) {
    const c = text.charCodeAt(i);
    // BEL (7) is allowed: it ends OSC 8 hyperlinks a client can put in its Referer.
    if (c < 7 || c === 8 || (c > 13 && c < 27)) return true;
  }
  return false;
}

/** What the header of a valid line holds; filled by `parseHead` into an object its caller owns. */
export interface Head {
  level: string;
  pid: number;
  tid: number;
  conn: number | null;
  /** Where the message starts. */
  msgAt: number;
  stamp: string;
  time: number;
  /** The clock `time` was read with: the next line with the same stamp reuses both (most lines of a busy log). */
  clock: LocalClock | null;
}

export function newHead(): Head {
  return { level: '', pid: 0, tid: 0, conn: null, msgAt: 0, stamp: '', time: 0, clock: null };
}

/** The level whose name is `text[21, end)`, or null (no slice per line). */
function levelAt(text: string, end: number): string | null {
  const n = end - 21;
  for (const l of LEVELS) if (l.length === n && text.startsWith(l, 21)) return l;
  return null;
}

/**
 * Everything before the message: the reason a line is not a valid nginx line, or null with
 * `head` filled. Shared by the parse and the string screen so both decide validity identically.
 */
export function parseHead(text: string, clock: LocalClock, head: Head): UnparsedLine['reason'] | null {
  if (text.length === 0) return 'empty';
  if (text.length > MAX_LINE_CHARS) return 'too-long';
  // The stamp of the last valid line again: its 19 characters are known good, and so is their time.
  const sameStamp = head.clock === clock && text.length >= 24 && text.charCodeAt(19) === 32 && text.charCodeAt(20) === 91 && text.startsWith(head.stamp);
  if (!sameStamp && !hasNginxHeader(text)) return 'not-nginx';

  const levelEnd = text.indexOf(']', 21);
  if (levelEnd < 0 || levelEnd > 30) return 'not-nginx';
  const level = levelAt(text, levelEnd);
  if (level === null) return 'not-nginx';

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

  const stamp = sameStamp ? head.stamp : text.slice(0, 19);
  const time = sameStamp ? head.time : clock.toEpoch(stamp);
  if (Number.isNaN(time)) return 'bad-time';
  head.clock = clock;
  head.level = level;
  head.pid = pid;
  head.tid = tid;
  head.conn = conn;
  head.msgAt = i;
  head.stamp = stamp;
  head.time = time;
  return null;
}
