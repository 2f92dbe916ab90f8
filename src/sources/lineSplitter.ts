/**
 * Splits a byte stream into lines with constant memory: chunks are scanned for `\n` with
 * Buffer.indexOf (no readline, no per-chunk string of the whole chunk), CR before LF is dropped,
 * and a line longer than `maxLineBytes` is cut there and flagged, never buffered without bound.
 *
 * Byte mode (a ByteLineConsumer instead of a LineSink): no string is made at all. One pass over
 * each chunk, four bytes at a time, finds the newlines and the control bytes together, and one
 * Buffer.indexOf per hit finds the consumer's `needle`; each line is handed over as a byte range
 * with those two facts, and the consumer decodes only the lines it needs as text.
 */
import type { LineSink } from './types.js';

export const MAX_LINE_BYTES = 1024 * 1024;

/** The line holds a control byte (0x00-0x08 or 0x0E-0x1A: what the parser calls binary). */
export const LINE_CONTROL = 1;
/** The line holds the consumer's needle. */
export const LINE_NEEDLE = 2;
/** The line was put together from several chunks or cut at the bound: facts unknown, decode it. */
export const LINE_UNSCANNED = 4;

/**
 * Takes lines as bytes. `buf[start, end)` is valid only during the call (the reader reuses its
 * buffer): decode what must be kept. CR before LF is already dropped, as in text mode.
 */
export interface ByteLineConsumer {
  /** A line holding any of these is flagged LINE_NEEDLE (found per chunk with native Buffer.indexOf). */
  readonly needles: readonly Buffer[];
  ingestLineBytes(source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number): void;
}

export function isByteLineConsumer(x: unknown): x is ByteLineConsumer {
  return typeof x === 'object' && x !== null && typeof (x as ByteLineConsumer).ingestLineBytes === 'function';
}

// Word-at-a-time test "some byte < 0x1B" (exact for the any-test on bytes < 0x80; bytes >= 0x80 never match).
const ONES_1B = 0x1b1b1b1b;
const HIGH = 0x80808080 | 0;

export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** The current line passed the bound: drop bytes until its newline. */
  private overlong = false;
  private lineNo = 0;

  private readonly bytes: ByteLineConsumer | null;
  /** Per needle, its next position at or after the scan position in the current chunk (-1: none left). */
  private needleAt: number[] = [];

  constructor(
    private readonly source: string,
    private readonly sink: LineSink | ByteLineConsumer,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {
    this.bytes = isByteLineConsumer(sink) ? sink : null;
  }

  get linesEmitted(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    if (this.bytes) {
      this.pushBytes(chunk, this.bytes);
      return;
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      this.emit(chunk, start, nl);
      start = nl + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  /** End of input: a last line without a newline is still a line. */
  end(): void {
    if (this.carryBytes > 0 || this.overlong) {
      if (this.bytes) this.emitBytes(this.bytes, Buffer.alloc(0), 0, 0, 0);
      else this.emit(Buffer.alloc(0), 0, 0);
    }
  }

  private pushBytes(chunk: Buffer, c: ByteLineConsumer): void {
    const n = chunk.length;
    this.needleAt = c.needles.map((needle) => chunk.indexOf(needle, 0));
    let lineStart = 0;
    let control = 0;
    // Unaligned head and tail byte by byte, the aligned middle a 32-bit word at a time.
    const off = chunk.byteOffset;
    const head = Math.min(n, (4 - (off & 3)) & 3);
    const words = (n - head) >> 2;
    const bytes = chunk; // local for the JIT
    let k = 0;
    for (; k < head; k++) {
      const b = bytes[k]!;
      if (b < 27) {
        if (b === 10) {
          this.emitBytes(c, chunk, lineStart, k, control);
          lineStart = k + 1;
          control = 0;
        } else if (b < 9 || b > 13) control = LINE_CONTROL;
      }
    }
    if (words > 0) {
      const w32 = new Int32Array(chunk.buffer, off + head, words);
      for (let w = 0; w < words; w++) {
        const x = w32[w]!;
        if ((((x - ONES_1B) | 0) & ~x & HIGH) === 0) continue;
        const base = head + (w << 2);
        for (k = base; k < base + 4; k++) {
          const b = bytes[k]!;
          if (b < 27) {
            if (b === 10) {
              this.emitBytes(c, chunk, lineStart, k, control);
              lineStart = k + 1;
              control = 0;
            } else if (b < 9 || b > 13) control = LINE_CONTROL;
          }
        }
      }
    }
    for (k = head + (words << 2); k < n; k++) {
      const b = bytes[k]!;
      if (b < 27) {
        if (b === 10) {
          this.emitBytes(c, chunk, lineStart, k, control);
          lineStart = k + 1;
          control = 0;
        } else if (b < 9 || b > 13) control = LINE_CONTROL;
      }
    }
    if (lineStart < n) this.hold(chunk.subarray(lineStart));
  }

  private emitBytes(c: ByteLineConsumer, chunk: Buffer, start: number, end: number, control: number): void {
    if (this.carryBytes > 0 || this.overlong) {
      // A line that began in an earlier chunk: put it together (bounded, as in text mode).
      if (!this.overlong) this.hold(chunk.subarray(start, end));
      let all = Buffer.concat(this.carry);
      this.carry = [];
      this.carryBytes = 0;
      this.overlong = false;
      if (all.length > 0 && all[all.length - 1] === 13) all = all.subarray(0, all.length - 1);
      this.passNeedles(c, chunk, end);
      this.lineNo++;
      c.ingestLineBytes(this.source, this.lineNo, all, 0, all.length, LINE_UNSCANNED);
      return;
    }
    const flags = control | this.passNeedles(c, chunk, end);
    const stop = end > start && chunk[end - 1] === 13 ? end - 1 : end;
    this.lineNo++;
    c.ingestLineBytes(this.source, this.lineNo, chunk, start, stop, flags);
  }

  /** LINE_NEEDLE when a needle starts before `end` (a needle has no newline, so it is inside this line); moves past them. */
  private passNeedles(c: ByteLineConsumer, chunk: Buffer, end: number): number {
    let flag = 0;
    for (let n = 0; n < this.needleAt.length; n++) {
      const at = this.needleAt[n]!;
      if (at >= 0 && at < end) {
        flag = LINE_NEEDLE;
        this.needleAt[n] = chunk.indexOf(c.needles[n]!, end + 1);
      }
    }
    return flag;
  }

  private hold(part: Buffer): void {
    if (this.overlong) return;
    if (this.carryBytes + part.length > this.maxLineBytes) {
      // Keep exactly the bound (+1 byte so the parser sees it is too long), drop the rest.
      const room = this.maxLineBytes + 1 - this.carryBytes;
      if (room > 0) this.carry.push(Buffer.from(part.subarray(0, room)));
      this.carryBytes += Math.max(0, room);
      this.overlong = true;
      return;
    }
    // Copy: the caller may reuse the chunk's memory.
    this.carry.push(Buffer.from(part));
    this.carryBytes += part.length;
  }

  private emit(chunk: Buffer, start: number, end: number): void {
    let text: string;
    if (this.carryBytes > 0 || this.overlong) {
      if (!this.overlong) this.hold(chunk.subarray(start, end));
      const all = Buffer.concat(this.carry);
      text = all.toString('utf8');
      this.carry = [];
      this.carryBytes = 0;
      this.overlong = false;
    } else {
      text = chunk.toString('utf8', start, end);
    }
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    this.lineNo++;
    (this.sink as LineSink)(this.source, this.lineNo, text);
  }
}
