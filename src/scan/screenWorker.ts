/**
 * The reading half of a big postmortem, on a thread of its own (screenedFile.ts starts it): reads
 * the log, runs the line scan, and counts every line that cannot be an upstream failure with the
 * LineScreen the scan stage uses on the main thread too. The other lines (a few percent of a busy
 * host's log, most of an outage's) go to the main thread in file order, in batches, as bytes; a
 * share of the failures among them is cut here and goes over as numbers (failureWire.ts).
 *
 * Batches are slots of one SharedArrayBuffer used in turn (no allocation per batch). The worker
 * fills a slot only when the main thread has released it: it blocks on a shared counter of free
 * slots, so memory stays bounded when parsing is the slower half.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../util/errors.js';
import { Classifier } from '../parse/classify.js';
import { LocalClock } from '../parse/localTime.js';
import { FailureSample } from '../parse/failureSample.js';
import { cutScanned, F_UPSTREAM, LineCut } from '../parse/nginx/cut.js';
import { LINE_CONTROL, LINE_UNSCANNED } from '../sources/lineSplitter.js';
import { streamFileLines } from '../sources/readInput.js';
import { LineScreen, newLatestTimes, type LineTally } from './lineScreen.js';
import { WireNames, writeLine } from './failureWire.js';
import { SLOT_DATA_BYTES, SLOT_LINES, slotViews, type ScreenJob, type ScreenMessage } from './screenedFile.js';

const job = workerData as ScreenJob;
const port = parentPort!;
const free = new Int32Array(job.shared, 0, 1);

let slot = 0;
let view = slotViews(job.shared, slot);
let used = 0;
let lines = 0;

const clock = new LocalClock(job.tz);
/** Of every 8 candidate lines of the current batch, how many this thread cuts (see flush). */
let share = job.share ?? 0;
/** Bresenham's accumulator: spreads the `share` cut lines evenly through the batch. */
let shareAcc = 0;
/** The screen's line count when the batch began, and the lines it could not decide alone since. */
let linesAtBatch = 0;
let forwarded = 0;
/** Of the lines counted since, those forward() counted itself (they are among `forwarded` too). */
let countedHere = 0;
const cut = new LineCut(new Classifier(job.signatures));
const sample = new FailureSample();
const names = new WireNames();

/**
 * A line the screen could not count. One it found a candidate (a valid header, clean bytes) is cut
 * here: a failure goes over cut, one that is not is counted here. Any other goes over to be parsed there.
 */
function forward(_source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number, time: number, afterIds: number): number {
  forwarded++;
  let failure: FailureSample | null = null;
  let text: string;
  if (shareAcc >= 8) shareAcc -= 8;
  // A CANDIDATE (it has a time) has a valid ASCII header and no control byte: cut without reading the header again.
  if (share > 0 && (shareAcc += share) >= 8 && !Number.isNaN(time)) {
    cutScanned(cut, (text = buf.toString('utf8', start, end)), time, afterIds);
    if (cut.kind === null) {
      tally.linesRead++;
      countedHere++;
      return screen.countOther(cut.time);
    }
    // A failure naming its upstream in an `upstream:` field (nearly all) goes over as numbers;
    // one naming it in its message only, as a line (its address is read from the message there).
    if (cut.fields[2 * F_UPSTREAM + 1]! > cut.fields[2 * F_UPSTREAM]!) {
      failure = sample.fromCut(cut, text, job.path, lineNo);
      tally.linesRead++;
      countedHere++;
      time = cut.time;
    }
  }
  // Lines that follow each other in the chunk are copied as one run (an outage's log: nearly
  // every line), with the few bytes between them (a newline, a short counted line).
  if (buf !== runSrc || start < runEnd || start - runEnd > RUN_GAP) endRun();
  const at = runSrc === null ? used : runAt + (start - runStart);
  if (at + (end - start) > SLOT_DATA_BYTES || lines === SLOT_LINES) flush(-1);
  return placeLine(lineNo, buf, start, end, flags, failure, time);
}

/** Bytes between two lines that still join one run (more are copied than needed, up to this). */
const RUN_GAP = 64;
/** The run of lines not yet copied: `runSrc[runStart, runEnd)` goes to the slot at `runAt`. */
let runSrc: Buffer | null = null;
let runStart = 0;
let runEnd = 0;
let runAt = 0;

/** Puts a line into the current run (starting one when there is none); the slot has room for it. */
function placeLine(lineNo: number, buf: Buffer, start: number, end: number, flags: number, failure: FailureSample | null, time: number): number {
  if (runSrc === null) {
    runSrc = buf;
    runStart = start;
    runAt = used;
  }
  runEnd = end;
  const at = runAt + (start - runStart);
  used = at + (end - start);
  writeLine(view, lines, lineNo, at, used, flags, failure, cut.fields[2 * F_UPSTREAM]!, cut.fields[2 * F_UPSTREAM + 1]!, names);
  lines++;
  return time;
}

/** Copies the current run into the slot (before its chunk is reused, or the slot sent). */
function endRun(): void {
  if (runSrc === null) return;
  runSrc.copy(view.data, runAt, runStart, runEnd);
  runSrc = null;
}

/** Sends the current slot (`bytesRead` -1 when not at a chunk's end) and waits for the next one to be free. */
function flush(bytesRead: number): void {
  // Lines of this batch that needed more than the screen (an outage's log: most of them).
  const heavy = forwarded > tally.linesRead - linesAtBatch - countedHere;
  linesAtBatch = tally.linesRead;
  forwarded = 0;
  countedHere = 0;
  endRun();
  const message: ScreenMessage = { type: 'batch', slot, lines, bytesRead, names: names.take() };
  port.postMessage(message);
  slot = (slot + 1) % job.slots;
  view = slotViews(job.shared, slot);
  used = 0;
  lines = 0;
  // Take a free slot; the main thread gives one back per batch it has parsed.
  while (Atomics.sub(free, 0, 1) <= 0) {
    Atomics.add(free, 0, 1);
    Atomics.wait(free, 0, 0);
  }
  // Share the parse when most lines need it (an outage's log): cut more of them here while the
  // main thread has no batch to spare (it is the slower half), fewer while it waits for batches.
  // A busy host's log (few failures) leaves it all to the main thread, which is idle then. Either
  // way the result is the same.
  if (job.share !== undefined) share = job.share;
  else if (!heavy) share = 0;
  else {
    const spare = Atomics.load(free, 0);
    if (spare === 0) share = Math.min(8, share + 1);
    else if (spare >= 2) share = Math.max(0, share - 1);
  }
}

const tally: LineTally = { linesRead: 0, otherLines: 0, outsideWindow: 0, unparsed: {} };
const times = newLatestTimes();
const screen = new LineScreen(tally, times, clock, job.since, job.until, forward, job.signatures);
try {
  const total = await streamFileLines(job.path, screen, (bytes) => flush(bytes));
  flush(-1);
  const done: ScreenMessage = { type: 'done', counts: { ...tally, latest: times.latestLog, firstLine: times.firstLine, lastLine: times.lastLine }, lines: total };
  port.postMessage(done);
} catch (err) {
  const failed: ScreenMessage = err instanceof UserError ? { type: 'error', message: err.message, hint: err.hint } : { type: 'error', message: err instanceof Error ? err.message : String(err), hint: null };
  port.postMessage(failed);
}
