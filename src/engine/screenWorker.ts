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
import { LocalClock } from '../parse/localTime.js';
import { streamFileLines } from '../sources/readInput.js';
import { LineScreen, newLatestTimes, type LineTally } from './lineScreen.js';
import { SLOT_DATA_BYTES, SLOT_LINES, slotViews, type ScreenJob, type ScreenMessage } from './screenedFile.js';

const job = workerData as ScreenJob;
const port = parentPort!;
const free = new Int32Array(job.shared, 0, 1);

let slot = 0;
let view = slotViews(job.shared, slot);
let used = 0;
let lines = 0;

function forward(_source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number, time: number): number {
  const len = end - start;
  if (used + len > SLOT_DATA_BYTES || lines === SLOT_LINES) flush(-1);
  // A byte loop: Buffer.copy's own cost per call is most of the work for a line of a few hundred bytes.
  const to = view.data;
  for (let k = start, o = used; k < end; k++, o++) to[o] = buf[k]!;
  const m = view.meta;
  m[4 * lines] = lineNo;
  m[4 * lines + 1] = used;
  m[4 * lines + 2] = used + len;
  m[4 * lines + 3] = flags;
  lines++;
  used += len;
  return time;
}

/** Sends the current slot (`bytesRead` -1 when not at a chunk's end) and waits for the next one to be free. */
function flush(bytesRead: number): void {
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
}

const tally: LineTally = { linesRead: 0, otherLines: 0, outsideWindow: 0, unparsed: {} };
const times = newLatestTimes();
const screen = new LineScreen(tally, times, new LocalClock(job.tz), job.since, job.until, forward);
try {
  const total = await streamFileLines(job.path, screen, (bytes) => flush(bytes));
  flush(-1);
  const done: ScreenMessage = { type: 'done', counts: { ...tally, latest: times.latestLog, firstLine: times.firstLine, lastLine: times.lastLine }, lines: total };
  port.postMessage(done);
} catch (err) {
  const failed: ScreenMessage = err instanceof UserError ? { type: 'error', message: err.message, hint: err.hint } : { type: 'error', message: err instanceof Error ? err.message : String(err), hint: null };
  port.postMessage(failed);
}
