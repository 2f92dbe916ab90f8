/**
 * Splits a byte stream into lines with constant memory: chunks are scanned for `\n` with
 * Buffer.indexOf (no readline, no per-chunk string of the whole chunk), CR before LF is dropped,
 * and a line longer than `maxLineBytes` is cut there and flagged, never buffered without bound.
 */
import type { LineSink } from './types.js';

export const MAX_LINE_BYTES = 1024 * 1024;

export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** The current line passed the bound: drop bytes until its newline. */
  private overlong = false;
  private lineNo = 0;

  constructor(
    private readonly source: string,
    private readonly sink: LineSink,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  get linesEmitted(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
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
    if (this.carryBytes > 0 || this.overlong) this.emit(Buffer.alloc(0), 0, 0);
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
    this.sink(this.source, this.lineNo, text);
  }
}
