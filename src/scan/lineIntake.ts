/**
 * The scan stage's front door: log lines in, failure samples and tallies out. Every mode's lines
 * come through here — strings (live mode's followed files and Docker logs, replay, a postmortem's
 * extra sources), bytes (LineSplitter's byte mode: postmortems), and the lines a reader thread
 * passes on (screenedFile.ts) — and the engine sees only `ingestFailure(sample)` and
 * `addTallies(counts)` (FailureSink).
 *
 * Most lines are counted without being cut (LineScreen on bytes, quickScanLine on strings); a line
 * that may be a failure is cut — on its bytes when the byte screen found it a candidate
 * (parse/nginx/byteCut.ts), else as a string (cut.ts) — and, when it is one, handed over as a sample.
 * Lines this stage counted reach the engine in `flush()`: after every string line (live counters
 * stay current), after every chunk of a byte stream (chunkDone: a sample cut on bytes points into
 * the chunk), and when a byte stream ends (the caller flushes).
 */
import type { LogRecord, UnparsedReason } from '../model/logRecord.js';
import { FailureSample } from '../parse/failureSample.js';
import { Classifier } from '../parse/classify.js';
import { LocalClock } from '../parse/localTime.js';
import { ByteCut } from '../parse/nginx/byteCut.js';
import { cutLine, LineCut } from '../parse/nginx/cut.js';
import { quickScanLine, SCAN_OTHER, SCAN_UNPARSED } from '../parse/nginx/screen.js';
import { SIGNATURES, type Signature } from '../parse/nginx/signatures.js';
import { WasmLineCut, type ScanMemory, type SimdLineScanner } from '../sources/lineScan.js';
import { LINE_CONTROL, LINE_UNSCANNED, type ByteLineConsumer } from '../sources/lineSplitter.js';
import { CandidateCut, DECLINED, NOT_A_FAILURE, UsualCut } from './usualCut.js';
import { newForeignCounters, takeForeignLine, type ForeignCounters, type ForeignLineTarget } from './foreignLine.js';
import { LineScreen, newLatestTimes, type LatestTimes, type LineTallies, type LineTally } from './lineScreen.js';

/** Where the scan stage's results go (IncidentEngine). */
export interface FailureSink {
  /** One upstream failure; the sample is refilled for the next one (and may hold batch bytes until the next addTallies). */
  ingestFailure(sample: FailureSample): void;
  /** Lines the scan stage counted itself. */
  addTallies(counts: LineTallies): void;
}

/** An engine that says which time zone and --since/--until its lines are read with (IncidentEngine.lineWindow). */
export interface WindowedSink extends FailureSink {
  readonly lineWindow: IntakeOptions;
}

const intakes = new WeakMap<WindowedSink, LineIntake>();

/** The engine's thread's workspace in a memory's failure cut (a reader thread's is 0). */
const ENGINE_WORKSPACE = 1;

/**
 * The one LineIntake that feeds `engine` string lines (live mode's sink, replay, a postmortem's
 * extra sources, tests): made on first use with the engine's own window. Its counts reach the
 * engine after every line, so nothing is left to flush.
 */
export function lineIntakeOf(engine: WindowedSink): LineIntake {
  let intake = intakes.get(engine);
  if (intake === undefined) {
    intake = new LineIntake(engine, engine.lineWindow);
    intakes.set(engine, intake);
  }
  return intake;
}

export interface IntakeOptions {
  tz: string;
  since?: number | null;
  until?: number | null;
  /** The failure signatures (default: parse/nginx/signatures.ts): the screen and the cut use them. */
  signatures?: readonly Signature[];
}

export class LineIntake implements ByteLineConsumer {
  private readonly clock: LocalClock;
  private readonly tally: LineTally & ForeignCounters = { linesRead: 0, otherLines: 0, outsideWindow: 0, unparsed: {}, ...newForeignCounters() };
  private readonly times: LatestTimes = newLatestTimes();
  /** Byte mode's first look at each line: counts most lines itself, hands the rest to ingestFullLine. */
  private readonly screen: LineScreen;
  /** Where the line being parsed is cut (this intake's own: the parser keeps no state). */
  private readonly cut: LineCut;
  /** The same cut on bytes, for the lines the byte screen found candidates (no string made): in one WebAssembly call for the usual line where the lines lie in its memory (useCutMemory). */
  private readonly candidates: CandidateCut;
  /** Refilled for every upstream failure: nothing is allocated per line that no burst keeps. */
  private readonly sample = new FailureSample();
  /** Where foreignLine.ts hands what it read in a line without nginx's header. */
  private readonly foreign: ForeignLineTarget;
  /** What flush() hands the engine (read during the call only). */
  private readonly out: LineTallies = { linesRead: 0, otherLines: 0, outsideWindow: 0, unparsed: {}, latest: 0, firstLine: Infinity, lastLine: -Infinity };

  constructor(
    private readonly sink: FailureSink,
    o: IntakeOptions,
  ) {
    const signatures = o.signatures ?? SIGNATURES;
    this.clock = new LocalClock(o.tz);
    this.cut = new LineCut(new Classifier(signatures));
    const byteCut = new ByteCut(this.cut.classifier);
    this.screen = new LineScreen(this.tally, this.times, this.clock, o.since ?? null, o.until ?? null, (source, lineNo, buf, start, end, flags, time, afterIds) => this.ingestFullLine(source, lineNo, buf, start, end, flags, time, afterIds), signatures);
    this.candidates = new CandidateCut(byteCut, this.screen);
    this.foreign = {
      countOther: (time) => this.screen.countOther(time),
      countUnparsed: (reason) => this.screen.countUnparsed(reason),
      ingestFailure: (sample) => this.sink.ingestFailure(sample),
    };
  }

  /** The signature table this intake classifies with (a reader thread's screen takes the same). */
  get signatures(): readonly Signature[] {
    return this.cut.classifier.table;
  }

  /** Lines whose bytes contain one of these are decoded and parsed; the others only need their header checked. */
  get needles(): readonly Buffer[] {
    return this.screen.needles;
  }

  /** Message starts that make a needle line no failure (the scan may count it with the line before). */
  get plainPrefixes(): readonly Buffer[] {
    return this.screen.plainPrefixes;
  }

  /** One log line as a string (live, replay, Docker logs): counted or handed over at once. */
  ingestLine(source: string, lineNo: number, text: string): void {
    this.takeLine(source, lineNo, text, false);
    this.flush();
  }

  /** One line as bytes (LineSplitter's byte mode): see LineScreen. Counts reach the engine at flush(). */
  ingestLineBytes(source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number, headEnd = 0): void {
    this.screen.ingestLineBytes(source, lineNo, buf, start, end, flags, headEnd);
  }

  /** Lines with the stamp of the valid line before them (LineSplitter's SIMD scan): see LineScreen. */
  ingestSameHeadRun(count: number): boolean {
    return this.screen.ingestSameHeadRun(count);
  }

  useScanner(scanner: SimdLineScanner): void {
    this.screen.useScanner(scanner);
    this.useCutMemory(scanner.memory);
  }

  /** Lines that lie in `memory` (a scanner's regions, a reader thread's batch slots) are cut in it when of the usual shape (usualCut.ts): this thread's workspace there. */
  useCutMemory(memory: ScanMemory): void {
    const wasm = WasmLineCut.create(memory, ENGINE_WORKSPACE);
    this.candidates.usual = wasm === null ? null : new UsualCut(wasm, this.candidates.bytes);
  }

  /** The lines of the chunk just read reach the engine now: a failure's sample may point into its bytes until then. */
  chunkDone(): void {
    this.flush();
  }

  /**
   * A line the byte screen (here, or on a reader thread) found needs the full parse; returns its
   * time, NaN when not valid. `time` (not NaN): the screen found it a CANDIDATE, whose `PID#TID: `
   * ends `afterIds` bytes in (FullLineHandler): it is cut on its bytes — in one WebAssembly call
   * when it has the usual shape, else by the byte cut (CandidateCut, usualCut.ts) — unless the
   * byte cut leaves it to the string path. A failure's sample then points into `buf` until the next flush().
   */
  ingestFullLine(source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number, time = NaN, afterIds = 0): number {
    if (!Number.isNaN(time)) {
      const answer = this.candidates.cut(buf, start, end, afterIds, time, source, lineNo, this.sample);
      if (answer !== DECLINED) {
        this.tally.linesRead++;
        if (answer === NOT_A_FAILURE) return this.screen.countOther(time);
        this.sink.ingestFailure(this.sample);
        return time;
      }
    }
    return this.takeLine(source, lineNo, buf.toString('utf8', start, end), (flags & (LINE_CONTROL | LINE_UNSCANNED)) === 0);
  }

  /** One parsed line (the straightforward path, tests: what ingestLine decides, from a LogRecord). */
  ingestRecord(record: LogRecord): void {
    this.tally.linesRead++;
    if (record.kind === null) this.screen.countOther(record.time);
    else this.sink.ingestFailure(this.sample.fromRecord(record));
    this.flush();
  }

  /**
   * Hands the lines counted since the last call to the engine. Cheap enough for every string line
   * (live mode): one reused object, and the per-reason maps are replaced only when they were used.
   */
  flush(): void {
    const t = this.tally;
    const times = this.times;
    const out = this.out;
    out.linesRead = t.linesRead;
    out.otherLines = t.otherLines;
    out.outsideWindow = t.outsideWindow;
    out.unparsed = t.unparsed;
    out.accessLines = t.accessLines;
    out.untimed = t.untimed;
    out.shapes = t.shapes as Record<string, number>;
    out.latest = times.latestLog;
    out.firstLine = times.firstLine;
    out.lastLine = times.lastLine;
    this.sink.addTallies(out);
    t.linesRead = 0;
    t.otherLines = 0;
    t.outsideWindow = 0;
    for (const _ in t.unparsed) {
      t.unparsed = {};
      break;
    }
    t.accessLines = 0;
    t.untimed = 0;
    for (const _ in t.shapes) {
      t.shapes = {};
      break;
    }
    times.latest = 0;
    times.latestLog = 0;
    times.firstLine = Infinity;
    times.lastLine = -Infinity;
  }

  /** ingestLine's work; returns the line's time, NaN when it is not a valid line. */
  private takeLine(source: string, lineNo: number, text: string, screened: boolean): number {
    this.tally.linesRead++;
    // Most lines are not upstream failures: decide that without cutting the line (same answer
    // as the reference parser, test/perf/equivalence.test.ts), and cut only the others.
    // `screened`: the byte screen found this line may be a failure and has no control byte.
    const cut = this.cut;
    if (!screened) {
      const q = quickScanLine(cut, text, this.clock);
      if (q === SCAN_OTHER) return this.screen.countOther(cut.scan.time);
      if (q === SCAN_UNPARSED) return this.notValid(cut.scan.reason, text, source, lineNo);
    }
    const bad = cutLine(cut, text, this.clock);
    if (bad !== null) return this.notValid(bad, text, source, lineNo);
    const time = cut.time;
    if (cut.kind === null) return this.screen.countOther(time);
    this.sink.ingestFailure(this.sample.fromCut(cut, text, source, lineNo));
    return time;
  }

  /** A line that is not a plain nginx line: without nginx's header it may be prefixed (Docker, journald, syslog…) or an access line (foreignLine.ts). Returns NaN. */
  private notValid(reason: UnparsedReason, text: string, source: string, lineNo: number): number {
    if (reason === 'not-nginx') return takeForeignLine(text, source, lineNo, this.clock, this.cut, this.tally, this.sample, this.foreign);
    return this.screen.countUnparsed(reason);
  }
}
