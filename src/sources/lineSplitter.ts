/**
 * Splits a byte stream into lines with constant memory: chunks are scanned for `\n` with
 * Buffer.indexOf (no readline, no per-chunk string of the whole chunk), CR before LF is dropped,
 * and a line longer than MAX_LINE_BYTES is cut there and flagged, never buffered without bound.
 *
 * Byte mode (a ByteLineConsumer instead of a LineSink): no string is made at all. One pass over
 * each chunk finds the newlines, the control bytes and the consumer's needles together (in
 * WebAssembly SIMD, lineScan.ts; where that is missing, a plain JS loop plus one Buffer.indexOf
 * per needle hit); each line is handed over as a byte range with those facts, and
 * the consumer decodes only the lines it needs as text.
 */
import { REGION_BYTES, SimdLineScanner, type ScanMemory } from './lineScan.js';
import type { LineSink } from './types.js';

const MAX_LINE_BYTES = 1024 * 1024;

/** The line holds a control byte (0x00-0x08 or 0x0E-0x1A: what the parser calls binary). */
export const LINE_CONTROL = 1;
/** The line holds the consumer's needle. */
export const LINE_NEEDLE = 2;
/** The line was put together from several chunks or cut at the bound: facts unknown, decode it. */
export const LINE_UNSCANNED = 4;
/**
 * SIMD scan only (lineScan.wat): the line has the previous line's stamp, a header NginxByteScanner
 * would pass, and no needle or a message starting with one of the consumer's `plainPrefixes`; if
 * the previous line was valid, this one is OTHER at its time.
 */
export const LINE_SAME_HEAD = 8;
/**
 * SIMD scan only: a needle line with the previous line's stamp and a header NginxByteScanner would
 * pass, whose message starts with none of the `plainPrefixes`; if the previous line was valid, this
 * one is too, at its time, its `PID#TID: ` ending where ingestLineBytes' `afterIds` says.
 */
export const LINE_HEAD_OK = 16;
/** Bits of a SIMD scan table entry that are flags (the rest is the line's end). */
const FLAG_BITS = 5;
const FLAGS = (1 << FLAG_BITS) - 1;

/**
 * Takes lines as bytes. `buf[start, end)` is valid only during the call (the reader reuses its
 * buffer): decode what must be kept. CR before LF is already dropped, as in text mode.
 */
export interface ByteLineConsumer {
  /** A line holding any of these is flagged LINE_NEEDLE (found per chunk with native Buffer.indexOf). */
  readonly needles: readonly Buffer[];
  /** Message starts (after `*CONN `) that make a needle line no concern of the consumer: it may then be LINE_SAME_HEAD. */
  readonly plainPrefixes?: readonly Buffer[];
  /** `afterIds`: a LINE_HEAD_OK line's, where its `PID#TID: ` ends (from `start`). */
  ingestLineBytes(source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number, afterIds?: number): void;
  /**
   * `count` lines flagged LINE_SAME_HEAD (and maybe LINE_NEEDLE), right after the last line given: taken in bulk
   * (true; most lines of a busy log), or refused (false) and then given one by one.
   */
  ingestSameHeadRun?(count: number): boolean;
  /** The chunk just given is done with: its memory is about to be reused, so keep nothing that points into it. */
  chunkDone?(): void;
  /** The SIMD scanner whose regions the lines will lie in, when there is one (its fieldMarks reads them where they lie). */
  useScanner?(scanner: SimdLineScanner): void;
}

function isByteLineConsumer(x: unknown): x is ByteLineConsumer {
  return typeof x === 'object' && x !== null && typeof (x as ByteLineConsumer).ingestLineBytes === 'function';
}

export interface SplitterOptions {
  /** Byte mode: use the WebAssembly scanner when it loads (default true; false forces the JS loop). */
  simd?: boolean;
  /** Byte mode: the memory the WebAssembly scanner works in (a reader thread's, with its batch slots), else one of its own. */
  scanMemory?: ScanMemory;
}

export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** The current line passed the bound: drop bytes until its newline. */
  private overlong = false;
  private lineNo = 0;

  private readonly bytes: ByteLineConsumer | null;
  /** Per needle, its next position at or after the scan position in the current chunk (-1: none left). */
  private needleAt: number[] = [];

  /** Byte mode's SIMD scanner, when it loaded and can look for the consumer's needles. */
  private readonly simd: SimdLineScanner | null;

  constructor(
    private readonly source: string,
    private readonly sink: LineSink | ByteLineConsumer,
    options: SplitterOptions = {},
  ) {
    this.bytes = isByteLineConsumer(sink) ? sink : null;
    this.simd = this.bytes && options.simd !== false ? SimdLineScanner.create(this.bytes.needles, this.bytes.plainPrefixes, options.scanMemory) : null;
    if (this.simd) this.bytes!.useScanner?.(this.simd);
  }

  /**
   * Two buffers a file reader may fill in turn and push as they are (scanned in place, no copy),
   * or null in text mode and without the SIMD scanner. A buffer can be refilled once its chunk is pushed.
   */
  readBuffers(): readonly [Buffer, Buffer] | null {
    return this.simd?.regions ?? null;
  }

  /** A line begun in an earlier chunk is still open: held (carried), or past the bound and dropped to its newline. */
  private get inLine(): boolean {
    return this.carryBytes > 0 || this.overlong;
  }

  get linesEmitted(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    if (this.bytes) {
      if (!this.simd) this.pushBytes(chunk, this.bytes);
      else for (let at = 0; at < chunk.length; at += REGION_BYTES) this.pushScanned(chunk.subarray(at, at + REGION_BYTES), this.simd, this.bytes);
      this.bytes.chunkDone?.();
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
    if (this.inLine) {
      if (this.bytes) {
        this.emitBytes(this.bytes, Buffer.alloc(0), 0, 0, 0);
        this.bytes.chunkDone?.();
      } else this.emit(Buffer.alloc(0), 0, 0);
    }
  }

  /** Byte mode with the SIMD scanner: its table gives each line's end and flags. */
  private pushScanned(chunk: Buffer, simd: SimdLineScanner, c: ByteLineConsumer): void {
    const lines = simd.scan(chunk);
    const table = simd.table;
    // The scan compares a line's stamp with the line before it in the chunk; when the chunk began
    // inside a line, the one before its second line is only that line's tail: no stamp to reuse.
    if (lines > 1 && this.inLine) table[1] = table[1]! & ~(LINE_SAME_HEAD | LINE_HEAD_OK);
    const bulk = c.ingestSameHeadRun !== undefined;
    // A refused run is given line by line up to here, not offered again from each of its lines (quadratic).
    let refusedUntil = 0;
    let lineStart = 0;
    for (let i = 0; i < lines; i++) {
      const e = table[i]!;
      // A run of same-stamp lines (not one continuing a line held from the last chunk).
      if (bulk && i >= refusedUntil && (e & LINE_SAME_HEAD) !== 0 && !this.inLine) {
        let j = i + 1;
        while (j < lines && (table[j]! & LINE_SAME_HEAD) !== 0) j++;
        if (c.ingestSameHeadRun!(j - i)) {
          this.lineNo += j - i;
          lineStart = (table[j - 1]! >>> FLAG_BITS) + 1;
          i = j - 1;
          continue;
        }
        refusedUntil = j;
      }
      const nl = e >>> FLAG_BITS;
      this.emitBytes(c, chunk, lineStart, nl, e & FLAGS, (e & LINE_HEAD_OK) === 0 ? 0 : simd.heads[i]!);
      lineStart = nl + 1;
    }
    if (lineStart < chunk.length) this.hold(chunk.subarray(lineStart));
  }

  /** Byte mode without the SIMD scanner: the same flags from a plain loop and Buffer.indexOf per needle. */
  private pushBytes(chunk: Buffer, c: ByteLineConsumer): void {
    const n = chunk.length;
    this.needleAt = c.needles.map((needle) => chunk.indexOf(needle, 0));
    let lineStart = 0;
    let control = 0;
    for (let k = 0; k < n; k++) {
      const b = chunk[k]!;
      if (b >= 27) continue;
      if (b === 10) {
        this.emitBytes(c, chunk, lineStart, k, control | this.passNeedles(c, chunk, k));
        lineStart = k + 1;
        control = 0;
      } else if (b < 9 || b > 13) control = LINE_CONTROL;
    }
    if (lineStart < n) this.hold(chunk.subarray(lineStart));
  }

  /** `flags`: LINE_CONTROL and LINE_NEEDLE of the part of the line in this chunk (and the SIMD scan's; `afterIds`: LINE_HEAD_OK's). */
  private emitBytes(c: ByteLineConsumer, chunk: Buffer, start: number, end: number, flags: number, afterIds = 0): void {
    if (this.inLine) {
      // A line that began in an earlier chunk: put it together (bounded, as in text mode).
      if (!this.overlong) this.hold(chunk.subarray(start, end));
      let all = Buffer.concat(this.carry);
      this.carry = [];
      this.carryBytes = 0;
      this.overlong = false;
      if (all.length > 0 && all[all.length - 1] === 13) all = all.subarray(0, all.length - 1);
      this.lineNo++;
      c.ingestLineBytes(this.source, this.lineNo, all, 0, all.length, LINE_UNSCANNED);
      return;
    }
    const stop = end > start && chunk[end - 1] === 13 ? end - 1 : end;
    this.lineNo++;
    c.ingestLineBytes(this.source, this.lineNo, chunk, start, stop, flags, afterIds);
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
    if (this.carryBytes + part.length > MAX_LINE_BYTES) {
      // Keep exactly the bound (+1 byte so the parser sees it is too long), drop the rest.
      const room = MAX_LINE_BYTES + 1 - this.carryBytes;
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
    if (this.inLine) {
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
