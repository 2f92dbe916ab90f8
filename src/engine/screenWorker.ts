/**
 * The reading half of a big postmortem, on a thread of its own (screenedFile.ts starts it): reads
 * the log, runs the line scan, and counts every line that cannot be an upstream failure with the
 * LineScreen the engine itself uses. The other lines (a few percent) go to the main thread in file
 * order, in batches, as bytes.
 *
 * Batches are slots of one SharedArrayBuffer used in turn (no allocation per batch). The worker
 * fills a slot only when the main thread has released it: it blocks on a shared counter of free
 * slots, so memory stays bounded when parsing is the slower half.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../util/errors.js';
import { Classifier } from '../parse/classify.js';
import { LocalClock } from '../parse/localTime.js';
import { cutLine, LineCut } from '../parse/nginx/cut.js';
import { LINE_CONTROL, LINE_UNSCANNED } from '../sources/lineSplitter.js';
import { streamFileLines } from '../sources/readInput.js';
import { LineScreen, newLatestTimes, type LineTally } from './lineScreen.js';
import { SLOT_DATA_BYTES, SLOT_LINES, slotViews, writeMeta, type ScreenJob, type ScreenMessage } from './screenedFile.js';

const job = workerData as ScreenJob;
const port = parentPort!;
const free = new Int32Array(job.shared, 0, 1);

let slot = 0;
let view = slotViews(job.shared, slot);
let used = 0;
let lines = 0;

const clock = new LocalClock(job.tz);
/** Whether this thread cuts the candidate lines of the current batch (see flush). */
let cutting = false;
/** The screen's line count when the batch began, and the lines it could not decide alone since. */
let linesAtBatch = 0;
let forwarded = 0;
const cut = new LineCut(new Classifier(job.signatures));

/**
 * A line the screen could not count. One it found a candidate (a valid header, clean bytes) is cut
 * here: a failure goes over cut, one that is not is counted here. Any other goes over to be parsed there.
 */
function forward(_source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number, time: number): number {
  forwarded++;
  let cutHere: LineCut | null = null;
  if (cutting && !Number.isNaN(time) && (flags & (LINE_CONTROL | LINE_UNSCANNED)) === 0 && cutLine(cut, buf.toString('utf8', start, end), clock, true) === null) {
    if (cut.kind === null) {
      tally.linesRead++;
      return screen.countOther(cut.time);
    }
    cutHere = cut;
    time = cut.time;
  }
  const len = end - start;
  if (used + len > SLOT_DATA_BYTES || lines === SLOT_LINES) flush(-1);
  // A byte loop for short lines: Buffer.copy's own cost per call is most of the work there.
  const to = view.data;
  if (len > 128) buf.copy(to, used, start, end);
  else for (let k = start, o = used; k < end; k++, o++) to[o] = buf[k]!;
  writeMeta(view, lines, lineNo, used, used + len, flags, cutHere);
  lines++;
  used += len;
  return time;
}

/** Sends the current slot (`bytesRead` -1 when not at a chunk's end) and waits for the next one to be free. */
function flush(bytesRead: number): void {
  // Lines of this batch that needed more than the screen (an outage's log: most of them).
  const heavy = 2 * forwarded > tally.linesRead - linesAtBatch + lines;
  linesAtBatch = tally.linesRead;
  forwarded = 0;
  const message: ScreenMessage = { type: 'batch', slot, lines, bytesRead };
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
  // Share the parse when most lines need it: cut here while the main thread has no batch to spare
  // (it is the slower half), leave the cutting to it while it waits for batches. A busy host's log
  // (few failures) leaves it all to the main thread, which is idle then. Either way the result is the same.
  cutting = heavy && Atomics.load(free, 0) === 0;
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
