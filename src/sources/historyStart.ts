/**
 * Where a log's history from a given time starts, found by time instead of by reading the file:
 * a binary search over byte offsets, each probe reading the first timed line after the offset.
 * An error log is written in time order (nginx stamps each line as it writes it), so the first
 * line at or after `since` is found in ~log2(size / 64 KiB) reads of 64 KiB, whatever the size.
 */
import fs from 'node:fs';

const PROBE_BYTES = 64 * 1024;

/** The time of a line (epoch ms), or null for a line without one (a continuation, garbage). */
export type LineTime = (line: string) => number | null;

/**
 * The time of the first timed line that starts after `offset` (at `offset` itself when it is 0),
 * and where that line starts; null when none starts within one probe.
 */
function firstTimedLine(fd: number, offset: number, end: number, timeOf: LineTime, buf: Buffer): { at: number; time: number } | null {
  const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - offset), offset);
  let i = 0;
  if (offset > 0) {
    // Inside a line: skip to the next one.
    const nl = buf.indexOf(10, 0);
    if (nl === -1 || nl >= n) return null;
    i = nl + 1;
  }
  while (i < n) {
    const nl = buf.indexOf(10, i);
    if (nl === -1 || nl >= n) return null; // a partial line: the probe ends here
    const time = timeOf(buf.toString('utf8', i, nl).replace(/\r$/, ''));
    if (time !== null) return { at: offset + i, time };
    i = nl + 1;
  }
  return null;
}

/**
 * Byte offset of the first line at or after `since` in the first `end` bytes of `fd`: 0 when the
 * whole file is newer, `end` when all of it is older.
 */
export function findHistoryStart(fd: number, end: number, since: number, timeOf: LineTime): number {
  if (end <= 0) return 0;
  const buf = Buffer.allocUnsafe(PROBE_BYTES);
  // Invariant: every line starting before `lo` is older than `since`; the answer is ≤ `hi`.
  let lo = 0;
  let hi = end;
  const head = firstTimedLine(fd, 0, end, timeOf, buf);
  if (head === null || head.time >= since) return 0;
  while (hi - lo > PROBE_BYTES) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const probe = firstTimedLine(fd, mid, end, timeOf, buf);
    if (probe === null || probe.time >= since) hi = mid;
    else lo = probe.at + 1;
  }
  // The last stretch line by line: from the start of the line that holds `lo`.
  let at = lo;
  while (at > 0) {
    const back = Math.max(0, at - PROBE_BYTES);
    const n = fs.readSync(fd, buf, 0, at - back, back);
    const nl = buf.lastIndexOf(10, n - 1);
    if (nl !== -1) {
      at = back + nl + 1;
      break;
    }
    at = back;
  }
  while (at < end) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - at), at);
    let i = 0;
    while (i < n) {
      const nl = buf.indexOf(10, i);
      if (nl === -1 || nl >= n) break;
      const time = timeOf(buf.toString('utf8', i, nl).replace(/\r$/, ''));
      if (time !== null && time >= since) return at + i;
      i = nl + 1;
    }
    if (i === 0) return at; // one line longer than a probe: start there rather than lose it
    at += i;
  }
  return end;
}

/**
 * Reads the lines in [start, end) of `fd` and hands each to `onLine` (CR stripped, no newline),
 * 1 MiB at a time; a last line without its newline is delivered too. Returns the number of lines.
 */
export function readLinesSync(fd: number, start: number, end: number, onLine: (text: string) => void, maxLineChars: number): number {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let carry = '';
  let count = 0;
  const emit = (text: string): void => {
    count++;
    onLine((text.endsWith('\r') ? text.slice(0, -1) : text).slice(0, maxLineChars));
  };
  for (let pos = start; pos < end; ) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
    if (n <= 0) break;
    pos += n;
    let i = 0;
    for (let nl = buf.indexOf(10, 0); nl !== -1 && nl < n; nl = buf.indexOf(10, i)) {
      emit(carry + buf.toString('utf8', i, nl));
      carry = '';
      i = nl + 1;
    }
    // Bounded: an over-long line keeps only what is delivered of it.
    if (i < n) carry = (carry + buf.toString('utf8', i, n)).slice(0, maxLineChars);
  }
  if (carry !== '') emit(carry);
  return count;
}
