/**
 * The lines a burst shows as evidence: its first EVIDENCE_HEAD errors, and the last EVIDENCE_TAIL
 * after them as a ring of their parts (samples are reused, and an object per error would be
 * garbage). A tail line handed over as the reader's bytes stays bytes until settle(): most lines
 * of a long burst pass through the ring unread, and no string is made for them.
 */
import type { EvidenceLine } from '../model/incident.js';
import type { FailureSample } from '../parse/failureSample.js';

const EVIDENCE_HEAD = 5;
const EVIDENCE_TAIL = 5;
/** An evidence line is cut to this many characters. */
const EVIDENCE_CHARS = 4096;

export class BurstEvidence {
  private head: EvidenceLine[] = [];
  private readonly tailSource: string[] = [];
  private readonly tailLine: number[] = [];
  private readonly tailTime: number[] = [];
  private readonly tailRaw: string[] = [];
  /** A tail line still held as the reader's bytes (FailureSample.fromWire): decoded by settle(), before the batch is released. */
  private readonly tailBytes: (Buffer | null)[] = [];
  private readonly tailAt: number[] = [];
  private readonly tailEnd: number[] = [];
  private tailNext = 0;
  /**
   * Tail slots in use (at most EVIDENCE_TAIL): the arrays keep their length from burst to burst,
   * since emptying them (`length = 0`) frees their storage and the next burst allocates it again.
   */
  private tailCount = 0;

  /** Empty again, for a new burst: nothing of the old burst's lines stays reachable. */
  clear(): void {
    this.head = [];
    for (let k = 0; k < this.tailCount; k++) {
      this.tailRaw[k] = '';
      this.tailBytes[k] = null;
    }
    this.tailCount = 0;
    this.tailNext = 0;
  }

  /** Takes one failure's line; true when it is now held as bytes that settle() must decode. */
  add(r: FailureSample): boolean {
    if (this.head.length < EVIDENCE_HEAD) {
      this.head.push({ source: r.source, line: r.line, time: r.time, raw: r.raw.slice(0, EVIDENCE_CHARS) });
      return false;
    }
    const k = this.tailNext;
    this.tailSource[k] = r.source;
    this.tailLine[k] = r.line;
    this.tailTime[k] = r.time;
    const bytes = r.undecoded;
    this.tailBytes[k] = bytes;
    if (bytes === null) this.tailRaw[k] = r.raw;
    else {
      this.tailRaw[k] = '';
      this.tailAt[k] = r.undecodedAt;
      this.tailEnd[k] = r.undecodedEnd;
    }
    this.tailNext = k + 1 === EVIDENCE_TAIL ? 0 : k + 1;
    if (this.tailCount < EVIDENCE_TAIL) this.tailCount++;
    return bytes !== null;
  }

  /** Decodes the tail lines still held as bytes. */
  settle(): void {
    for (let k = 0; k < this.tailCount; k++) {
      const bytes = this.tailBytes[k];
      if (bytes) {
        this.tailRaw[k] = bytes.toString('utf8', this.tailAt[k], this.tailEnd[k]);
        this.tailBytes[k] = null;
      }
    }
  }

  /** The head, then the tail oldest first. */
  lines(): EvidenceLine[] {
    this.settle();
    const n = this.tailCount;
    const out = [...this.head];
    for (let j = 0; j < n; j++) {
      const k = (this.tailNext + j) % n;
      out.push({ source: this.tailSource[k]!, line: this.tailLine[k]!, time: this.tailTime[k]!, raw: this.tailRaw[k]!.slice(0, EVIDENCE_CHARS) });
    }
    return out;
  }
}
