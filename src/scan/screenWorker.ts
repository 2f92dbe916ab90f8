/**
 * The reading half of a big postmortem, on a thread of its own (screenedFile.ts starts it): reads
 * the log, runs the line scan, and counts every line that cannot be an upstream failure with the
 * LineScreen the scan stage uses on the main thread too. The other lines (a few percent of a busy
 * host's log, most of an outage's) go to the main thread in file order, in batches, as bytes; a
 * share of the failures among them is cut here and goes over as numbers (failureWire.ts).
 *
 * Batches are slots of shared memory used in turn (no allocation per batch): the memory the line
 * scan's WebAssembly module works in, after its own part, so that a run of lines is copied from the
 * chunk it was read into to a slot inside the module (LineScreen.copyBytes). The worker fills a
 * slot only when the main thread has released it: it blocks on a shared counter of free slots, so
 * memory stays bounded when parsing is the slower half.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../util/errors.js';
import { Classifier } from '../parse/classify.js';
import { LocalClock } from '../parse/localTime.js';
import { FailureSample } from '../parse/failureSample.js';
import { ByteCut } from '../parse/nginx/byteCut.js';
import { streamFileLines } from '../sources/readInput.js';
import { WasmLineCut } from '../sources/lineScan.js';
import { LineScreen, newLatestTimes, type LineTally } from './lineScreen.js';
import { CandidateCut, DECLINED, NOT_A_FAILURE, UsualCut } from './usualCut.js';
import { markCandidate, WireNames, writeFailure, writeLine } from './failureWire.js';
import { SLOT_DATA_BYTES, SLOT_LINES, slotsOf, slotViews, type ScreenJob, type ScreenMessage } from './screenedFile.js';

const port = parentPort!;
// Started ahead of its job (readerThread.ts), the thread has loaded its modules by the time the job comes.
const job = (workerData as ScreenJob | null) ?? (await new Promise<ScreenJob>((resolve) => port.once('message', resolve)));
const slots = slotsOf(job);
const free = new Int32Array(slots.buffer, slots.at, 1);

let slot = 0;
let view = slotViews(slots, slot);
let used = 0;
let lines = 0;

const clock = new LocalClock(job.tz);
/** The fraction of candidate lines this thread cuts, 0 to 1 (see flush); the rest are cut on the engine's thread. */
let share = job.share !== undefined ? job.share / 8 : 0;
/** Bresenham's accumulator: spreads the cut lines evenly through the batch. */
let shareAcc = 0;
/** When this thread began filling the current slot (after waiting for it). */
let batchBegan = performance.now();
/** Recent work on each thread (ms, decaying sums: a batch cut short at a chunk's end weighs little). */
let workHere = 0;
let workThere = 0;
/** The candidates' cut; the usual line's in one WebAssembly call, in this thread's workspace of the memory the lines are read into (none where WebAssembly is missing). */
const cut = new CandidateCut(new ByteCut(new Classifier(job.signatures)), { fieldMarksOf: (buf, start, end, afterIds) => screen.fieldMarksOf(buf, start, end, afterIds) });
const usualWasm = job.memory ? WasmLineCut.create(job.memory, 0) : null;
if (usualWasm !== null) cut.usual = new UsualCut(usualWasm, cut.bytes);
const sample = new FailureSample();
const names = new WireNames();

/**
 * A line the screen could not count. A CANDIDATE (a valid header, clean bytes: it has a time) is
 * cut here when it is this thread's turn (`share`): a failure goes over as numbers, a line that is
 * none is counted here; else it goes over as a candidate, to be cut there. Any other line goes
 * over to be parsed there, as are the few the byte cut leaves to the string path.
 */
function forward(_source: string, lineNo: number, buf: Buffer, start: number, end: number, flags: number, time: number, afterIds: number): number {
  let failure = false;
  // A candidate not cut here is cut on bytes there, unless the byte cut here left it to the string path.
  let candidate = !Number.isNaN(time);
  if (shareAcc >= 1) shareAcc -= 1;
  if (share > 0 && candidate && (shareAcc += share) >= 1) {
    const answer = cut.cut(buf, start, end, afterIds, time, job.path, lineNo, sample);
    if (answer !== DECLINED) {
      tally.linesRead++;
      if (answer === NOT_A_FAILURE) return screen.countOther(time);
      failure = true;
    } else candidate = false;
  }
  // Lines that follow each other in the chunk are copied as one run (an outage's log: nearly
  // every line), with the bytes between them (the lines counted here).
  if (buf !== runSrc || start < runEnd || start - runEnd > RUN_GAP) endRun();
  const at = runSrc === null ? used : runAt + (start - runStart);
  if (at + (end - start) > SLOT_DATA_BYTES || lines === SLOT_LINES) flush();
  placeLine(lineNo, buf, start, end, flags);
  if (failure) writeFailure(view, lines - 1, sample, cut.urlAt - start, cut.urlEnd - start, names);
  else if (candidate) markCandidate(view, lines - 1, time, afterIds);
  return time;
}

/**
 * Bytes between two lines that still join one run (more are copied than needed, up to this): an
 * outage's failure lines, with a short counted line between some of them, are copied in long
 * runs; a busy host's few candidates, kilobytes apart, one by one (copying the gaps cost it ~8 %).
 */
const RUN_GAP = 512;
/** The run of lines not yet copied: `runSrc[runStart, runEnd)` goes to the slot at `runAt`. */
let runSrc: Buffer | null = null;
let runStart = 0;
let runEnd = 0;
let runAt = 0;

/** Puts a line into the current run (starting one when there is none); the slot has room for it. */
function placeLine(lineNo: number, buf: Buffer, start: number, end: number, flags: number): void {
  if (runSrc === null) {
    runSrc = buf;
    runStart = start;
    runAt = used;
  }
  runEnd = end;
  const at = runAt + (start - runStart);
  used = at + (end - start);
  writeLine(view, lines, lineNo, at, used, flags);
  lines++;
}

/** Copies the current run into the slot (before its chunk is reused, or the slot sent). */
function endRun(): void {
  if (runSrc === null) return;
  screen.copyBytes(runSrc, runStart, runEnd, view.data, runAt);
  runSrc = null;
}

/** Bytes of the file read to the end of a chunk whose lines are all in the current slot or sent (-1: reported already). */
let readTo = -1;

/**
 * A chunk was scanned to its end. Its memory is about to be read into again, so the run of lines
 * taken from it is copied now; the batch itself goes only when the engine's thread waits for one
 * (it has taken every batch sent), else it fills on. A busy host's chunks each leave a few
 * candidate lines: sent chunk by chunk, they filled every slot while the CLI was still loading,
 * and this thread waited for it (~0.07 s in a 400 MB postmortem); gathered, it reads on.
 */
function chunkRead(bytes: number): void {
  endRun();
  readTo = bytes;
  if (Atomics.load(free, 0) === job.slots - 1) flush();
}

/** Sends the current slot and waits for the next one to be free. */
function flush(): void {
  endRun();
  view.times[0] = performance.now() - batchBegan;
  view.times[1] = 0;
  const message: ScreenMessage = { type: 'batch', slot, lines, bytesRead: readTo, names: names.take() };
  readTo = -1;
  port.postMessage(message);
  slot = (slot + 1) % job.slots;
  view = slotViews(slots, slot);
  used = 0;
  lines = 0;
  // Take a free slot; the main thread gives one back per batch it has parsed.
  while (Atomics.sub(free, 0, 1) <= 0) {
    Atomics.add(free, 0, 1);
    Atomics.wait(free, 0, 0);
  }
  batchBegan = performance.now();
  // Share the cut (an outage's log: most lines are candidates) so that both threads work as
  // long: what this slot's last batch took on each thread (the main thread's time includes its
  // other work meanwhile, the events file) moves the share towards the balance. A busy host's
  // log has few candidates: the share hardly matters there. Either way the result is the same.
  if (job.share !== undefined) return;
  const here = view.times[0]!;
  const there = view.times[1]!;
  if (here <= 0 || there <= 0) return;
  workHere = 0.7 * workHere + here;
  workThere = 0.7 * workThere + there;
  share = Math.min(1, Math.max(0, share + (0.25 * (workThere - workHere)) / (workThere + workHere)));
}

const tally: LineTally = { linesRead: 0, otherLines: 0, outsideWindow: 0, unparsed: {} };
const times = newLatestTimes();
const screen = new LineScreen(tally, times, clock, job.since, job.until, forward, job.signatures);
// Every needle line with a valid header goes on as a candidate, unless its message starts with
// one of the screen's `never` rows (the line scan checks those itself for most lines:
// LINE_SAME_HEAD), and the cut, on either thread, decides what it is. The screen's look past those
// rows (FailureScreen.notAFailure) would count a line that is certainly no failure without a cut,
// but on the bench logs it found none: its full looks (every line at first, one in 16 once nearly
// all were failures) found no line that was no failure, 70,000 of them in an outage's 400 MB and
// 7,600 in a busy host's. Without it: outage 0.98x, busy host 0.96-0.97x (paired runs); and a log
// a third of whose lines are such warnings ran faster too (0.95x): the look is this thread's work,
// and the main thread, which cuts them then, has time to spare on a busy host.
screen.screenMessages = false;
try {
  const total = await streamFileLines(job.path, screen, chunkRead, job.memory ? { scanMemory: job.memory } : {});
  flush();
  const done: ScreenMessage = { type: 'done', counts: { ...tally, latest: times.latestLog, firstLine: times.firstLine, lastLine: times.lastLine }, lines: total };
  port.postMessage(done);
} catch (err) {
  const failed: ScreenMessage = err instanceof UserError ? { type: 'error', message: err.message, hint: err.hint } : { type: 'error', message: err instanceof Error ? err.message : String(err), hint: null };
  port.postMessage(failed);
}
