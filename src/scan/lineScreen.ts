/**
 * The first look at every line of a postmortem, on bytes: most lines are counted here without a
 * string ever being made (not an upstream failure, or not a valid line), and the rest go to `full`
 * for the real parse. Used by LineIntake on the engine's thread, and by screenWorker.ts on a second
 * thread for big files; light on imports for that reason (no diagnosis, no zod).
 */
import type { UnparsedReason } from '../model/logRecord.js';
import type { LocalClock } from '../parse/localTime.js';
import { FailureScreen, NginxByteScanner, SCAN_CANDIDATE, SCAN_OTHER, SCAN_UNPARSED } from '../parse/nginx/screen.js';
import { FieldMarks } from '../parse/nginx/fieldMarks.js';
import { needlesOf, SIGNATURES, type Signature } from '../parse/nginx/signatures.js';
import type { SimdLineScanner } from '../sources/lineScan.js';
import { LINE_HEAD_OK, LINE_NEEDLE, LINE_SAME_HEAD, type ByteLineConsumer } from '../sources/lineSplitter.js';


/** Line counts (IncidentEngine's counters hold these among others). */
export interface LineTally {
  linesRead: number;
  otherLines: number;
  outsideWindow: number;
  unparsed: Partial<Record<UnparsedReason, number>>;
}

/**
 * What a scan stage hands the engine besides failure samples (IncidentEngine.addTallies): the
 * lines it counted itself, and their times.
 */
export interface LineTallies extends LineTally {
  /** The newest time of those lines inside the window (0: none). */
  latest: number;
  /** The oldest and newest valid line, --since/--until or not (Infinity/-Infinity: none). */
  firstLine: number;
  lastLine: number;
  /** Lines read around nginx's own (foreignLine.ts): access lines, undated lines, shaped lines by shape. */
  accessLines?: number;
  untimed?: number;
  shapes?: Record<string, number>;
}

/**
 * The --since/--until rule, one place for lines and failures alike: `count` valid lines at `time`
 * move the oldest/newest line times; inside the window they move the newest times and the answer
 * is true, outside they are counted in `tally.outsideWindow` and the answer is false.
 */
export function admitLines(times: LatestTimes, tally: { outsideWindow: number }, since: number | null, until: number | null, time: number, count: number): boolean {
  if (time < times.firstLine) times.firstLine = time;
  if (time > times.lastLine) times.lastLine = time;
  if ((since !== null && time < since) || (until !== null && time > until)) {
    tally.outsideWindow += count;
    return false;
  }
  if (time > times.latest) times.latest = time;
  if (time > times.latestLog) times.latestLog = time;
  return true;
}

/** Newest data time and newest log-line time; the oldest and newest valid line, --since/--until or not (Infinity/-Infinity: none). */
export interface LatestTimes {
  latest: number;
  latestLog: number;
  firstLine: number;
  lastLine: number;
}

export function newLatestTimes(): LatestTimes {
  return { latest: 0, latestLog: 0, firstLine: Infinity, lastLine: -Infinity };
}

/**
 * A line that needs the full parse; returns its time, NaN when it is not a valid line. `time`: its
 * time when the scan found it a CANDIDATE, else NaN; `afterIds`: then where its `PID#TID: ` ends (ScanSide).
 */
export type FullLineHandler = (source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number, time: number, afterIds: number) => number;

export class LineScreen implements ByteLineConsumer {
  /** Bytes that make a line worth decoding: every upstream failure holds one of them (the signature table's needles). */
  readonly needles: readonly Buffer[];
  /** Message starts that make a line no failure whatever else it holds (the table's leading rows of kind null). */
  readonly plainPrefixes: readonly Buffer[];
  private readonly scanner: NginxByteScanner;
  /** The time of the last line, NaN when it was not a valid line: what LINE_SAME_HEAD lines reuse. */
  private prevLineTime = NaN;
  /** The splitter's SIMD scanner, whose regions the lines lie in (fieldMarksOf). */
  private simd: SimdLineScanner | null = null;
  private readonly marks = new FieldMarks();

  constructor(
    readonly tally: LineTally,
    readonly times: LatestTimes,
    clock: LocalClock,
    private readonly since: number | null,
    private readonly until: number | null,
    private readonly full: FullLineHandler,
    signatures: readonly Signature[] = SIGNATURES,
  ) {
    this.needles = needlesOf(signatures).map((n) => Buffer.from(n));
    const screen = new FailureScreen(signatures);
    this.plainPrefixes = screen.never;
    this.scanner = new NginxByteScanner(clock, screen);
  }

  useScanner(scanner: SimdLineScanner): void {
    this.simd = scanner;
  }

  /**
   * Copies `src[start, end)` into `dst` at `at`: inside the WebAssembly module when both lie in its
   * memory (a reader thread's slots: SimdLineScanner.copyWithin), else by Buffer.copy.
   */
  copyBytes(src: Buffer, start: number, end: number, dst: Buffer, at: number): void {
    if (this.simd === null || !this.simd.copyWithin(src, start, end, dst, at)) src.copy(dst, at, start, end);
  }

  /**
   * The field markers of the CANDIDATE line `buf[start, end)` from its `PID#TID: ` on (`afterIds`
   * bytes in), found by the SIMD scanner's WebAssembly pass (ByteCut.cut takes them); null when
   * there is no scanner or the line is not in its regions (ByteCut finds them itself then).
   */
  fieldMarksOf(buf: Buffer, start: number, end: number, afterIds: number): FieldMarks | null {
    return this.simd !== null && this.simd.fieldMarks(buf, start + afterIds, end, this.marks) ? this.marks : null;
  }

  /** NginxByteScanner.screenMessages: false for a caller whose cut decides every candidate (the reader thread: screenWorker.ts). */
  set screenMessages(on: boolean) {
    this.scanner.screenMessages = on;
  }

  ingestLineBytes(source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number, headEnd = 0): void {
    if (flags & LINE_SAME_HEAD) {
      // Most lines of a busy log: the scan has checked this one against the line before it.
      if (!Number.isNaN(this.prevLineTime)) {
        this.tally.linesRead++;
        this.countOther(this.prevLineTime);
        return;
      }
      flags &= ~LINE_SAME_HEAD;
    }
    if (flags & LINE_HEAD_OK) {
      flags &= ~LINE_HEAD_OK;
      // Most lines of an outage's log: the scan has checked this header against the line before
      // it, and found the message starts with no plain prefix; what is left is the screen's look.
      if (!Number.isNaN(this.prevLineTime)) {
        const time = this.prevLineTime;
        if (this.scanner.notAFailureAfter(buf, start + headEnd, end)) {
          this.tally.linesRead++;
          this.countOther(time);
          return;
        }
        this.prevLineTime = this.full(source, lineNo, buf, start, end, flags, time, headEnd);
        return;
      }
    }
    let time = NaN;
    let afterIds = 0;
    if ((flags & ~LINE_NEEDLE) === 0) {
      const q = this.scanner.scan(buf, start, end, flags !== 0);
      if (q === SCAN_OTHER) {
        this.tally.linesRead++;
        this.prevLineTime = this.countOther(this.scanner.scanned.time);
        return;
      }
      // Not nginx's header: maybe a shaped or access line, which the string path reads (lineShape.ts).
      if (q === SCAN_UNPARSED && this.scanner.scanned.reason !== 'not-nginx') {
        this.tally.linesRead++;
        this.prevLineTime = this.countUnparsed(this.scanner.scanned.reason);
        return;
      }
      if (q === SCAN_CANDIDATE) {
        time = this.scanner.scanned.time;
        afterIds = this.scanner.scanned.afterIds;
      }
    }
    this.prevLineTime = this.full(source, lineNo, buf, start, end, flags, time, afterIds);
  }

  /** Lines with the stamp of the valid line before them, and no failure (LineSplitter's SIMD scan): all OTHER, at its time. */
  ingestSameHeadRun(count: number): boolean {
    if (Number.isNaN(this.prevLineTime)) return false;
    this.tally.linesRead += count;
    this.countOther(this.prevLineTime, count);
    return true;
  }

  /**
   * `count` valid lines at `time`: inside --since/--until they move the newest times and the
   * answer is true; outside they are counted as such and the answer is false.
   */
  admit(time: number, count = 1): boolean {
    return admitLines(this.times, this.tally, this.since, this.until, time, count);
  }

  /** `count` valid lines that are not upstream failures, at `time`; returns `time`. */
  countOther(time: number, count = 1): number {
    if (this.admit(time, count)) this.tally.otherLines += count;
    return time;
  }

  /** One line that is not valid; returns NaN (its time). */
  countUnparsed(reason: UnparsedReason): number {
    this.tally.unparsed[reason] = (this.tally.unparsed[reason] ?? 0) + 1;
    return NaN;
  }
}
