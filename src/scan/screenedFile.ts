/**
 * A big log file read on two threads: screenWorker.ts reads and scans it, counts the lines that
 * are not upstream failures, and cuts a share of the failure lines on their bytes (byteCut.ts);
 * this thread refills failure samples from those, in file order, for the engine, cuts the rest of
 * the candidates the same way, and parses the few unusual lines itself. Same results as streamFileLines into the
 * engine (test/perf/screenWorker.test.ts), in less time on a machine with a second core: in an
 * outage's log, where nearly every line is a failure, the parse is shared between the two.
 */
import type { Worker } from 'node:worker_threads';
import { InputError } from '../util/errors.js';
import { FailureSample } from '../parse/failureSample.js';
import { SIGNATURES, type Signature } from '../parse/nginx/signatures.js';
import { SCAN_BYTES, scanMemory, type ScanMemory } from '../sources/lineScan.js';
import { candidateAfterIds, candidateTime, META_INTS, readLine, WIRE_CANDIDATE, WIRE_FAILURE, WireNameTable, type NameDefs, type SlotViews } from './failureWire.js';
import { LineIntake, type FailureSink, type IntakeOptions } from './lineIntake.js';
import type { LineTallies } from './lineScreen.js';
import { takeReaderThread } from './readerThread.js';

/** Batch slots: enough to keep both threads busy, few enough to bound memory. */
const SLOTS = 4;
/** Line bytes a slot holds: more than the longest line LineSplitter hands over (MAX_LINE_BYTES). */
export const SLOT_DATA_BYTES = 2 * 1024 * 1024;
/** Lines a slot holds (META_INTS each: failureWire.ts). */
export const SLOT_LINES = 16 * 1024;
/** After a slot's lines: how long each thread worked on the batch it held (ms, two doubles; SlotViews.times). */
const SLOT_TIMES_BYTES = 16;
const SLOT_BYTES = SLOT_DATA_BYTES + SLOT_LINES * META_INTS * 4 + SLOT_TIMES_BYTES;

export interface ScreenJob {
  path: string;
  tz: string;
  since: number | null;
  until: number | null;
  slots: number;
  /** The engine's signature table (plain data: it crosses to the thread as it is). */
  signatures: readonly Signature[];
  /** Of every 8 candidate lines, how many the reader thread cuts: fixed (tests), else adapted to keep both threads busy. */
  share?: number;
  /**
   * The memory the worker's WebAssembly scanner works in, with an Int32 of free slots (the worker
   * takes one per batch, this thread gives it back) and the slots after its SCAN_BYTES: the
   * worker copies a line from the chunk it was read into to a slot inside the module. Null where
   * WebAssembly is missing: then `shared` holds the count and the slots. (Not an ArrayBuffer sent
   * with each batch and back: a transfer detaches the sender's, which slows every typed-array
   * access of the thread from then on: lineScan.ts MEMORY_PAGES.)
   */
  memory: ScanMemory | null;
  shared: SharedArrayBuffer | null;
}

/** The memory the count of free slots and the slots lie in, and where they begin. */
interface SlotMemory {
  buffer: SharedArrayBuffer;
  at: number;
}

export function slotsOf(job: ScreenJob): SlotMemory {
  return job.memory ? { buffer: job.memory.buffer, at: SCAN_BYTES } : { buffer: job.shared!, at: 0 };
}

/** Slot `slot`'s line bytes and its META_INTS per line (`slots`: slotsOf). */
export function slotViews(slots: SlotMemory, slot: number): SlotViews {
  const shared = slots.buffer;
  const at = slots.at + 8 + slot * SLOT_BYTES;
  return {
    data: Buffer.from(shared, at, SLOT_DATA_BYTES),
    meta: new Int32Array(shared, at + SLOT_DATA_BYTES, SLOT_LINES * META_INTS),
    doubles: new Float64Array(shared, at + SLOT_DATA_BYTES, (SLOT_LINES * META_INTS) / 2),
    times: new Float64Array(shared, at + SLOT_DATA_BYTES + SLOT_LINES * META_INTS * 4, 2),
  };
}

export type ScreenMessage =
  | { type: 'batch'; slot: number; lines: number; bytesRead: number; names: NameDefs }
  | { type: 'done'; counts: LineTallies; lines: number }
  | { type: 'error'; message: string; hint: string | null };

export interface ScreenOptions extends IntakeOptions {
  /** ScreenJob.share: fixed (tests), else adapted. */
  share?: number;
}

/** A reader thread given its job; `held`: what it said before anything read its batches (a read started early), `stopHolding` ends that. */
interface Read {
  job: ScreenJob;
  worker: Worker;
  held: { event: 'message' | 'error' | 'exit'; value: unknown }[];
  stopHolding?: () => void;
}

/**
 * Memories of reads that ended, for the next read (a process that reads log after log, as
 * analyze()'s callers may, keeps one): each is ~36 MB, and left to the collector they piled up.
 * A memory comes back with its thread's `done`, after which that thread writes nothing.
 */
const spareMemories: ScanMemory[] = [];
const MAX_SPARE_MEMORIES = 2;

function startRead(path: string, window: ScreenOptions, signatures: readonly Signature[]): Read {
  const memory = spareMemories.pop() ?? scanMemory(8 + SLOTS * SLOT_BYTES);
  const job: ScreenJob = { path, tz: window.tz, since: window.since ?? null, until: window.until ?? null, slots: SLOTS, memory, shared: memory ? null : new SharedArrayBuffer(8 + SLOTS * SLOT_BYTES), signatures, ...(window.share !== undefined ? { share: window.share } : {}) };
  // The worker starts on slot 0, which is taken.
  const slots = slotsOf(job);
  new Int32Array(slots.buffer, slots.at, 1)[0] = SLOTS - 1;
  return { job, worker: takeReaderThread(job), held: [] };
}

/** The read startReadingEarly began, until streamFileScreened takes it over. */
let early: Read | null = null;

/**
 * Starts reading `path` on its reader thread before anything can take its batches
 * (cli/relaunch.ts prepareHeap): the thread scans while this one loads the rest of the CLI and its zod
 * schemas. It fills its slots and waits (memory stays bounded); what it says meanwhile is held
 * until streamFileScreened reads the same file with the same window and takes the read over.
 * A read nobody takes does not keep the process alive.
 */
export function startReadingEarly(path: string, window: IntakeOptions): void {
  const read = startRead(path, window, window.signatures ?? SIGNATURES);
  const holders = (['message', 'error', 'exit'] as const).map((event) => {
    const hold = (value: unknown) => read.held.push({ event, value });
    read.worker.on(event, hold);
    return () => read.worker.off(event, hold);
  });
  read.stopHolding = () => holders.forEach((stop) => stop());
  read.worker.unref();
  early = read;
}

/** The early read when it is this one (same file, window and table), else null (a different one is stopped). */
function takeEarly(path: string, window: ScreenOptions, signatures: readonly Signature[]): Read | null {
  const read = early;
  early = null;
  if (read === null) return null;
  const j = read.job;
  if (j.path === path && j.tz === window.tz && j.since === (window.since ?? null) && j.until === (window.until ?? null) && j.signatures === signatures && window.share === undefined) {
    read.stopHolding?.();
    read.worker.ref();
    return read;
  }
  void read.worker.terminate();
  return null;
}

/** Reads `path` into `sink` (the engine) on two threads; resolves with the number of lines. `signal` stops the reader thread. */
export function streamFileScreened(path: string, sink: FailureSink, window: ScreenOptions, onProgress?: (bytesRead: number) => void, signal?: AbortSignal): Promise<number> {
  // The lines the reader thread passes on uncut are read here, as any other source's.
  const intake = new LineIntake(sink, window);
  const { job, worker, held } = takeEarly(path, window, intake.signatures) ?? startRead(path, window, intake.signatures);
  if (job.memory) intake.useCutMemory(job.memory);
  const slots = slotsOf(job);
  const free = new Int32Array(slots.buffer, slots.at, 1);
  const views = Array.from({ length: SLOTS }, (_, k) => slotViews(slots, k));
  const sample = new FailureSample();
  const names = new WireNameTable();
  let activeBefore = performance.eventLoopUtilization().active;
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      reject(err);
    };
    const onMessage = (m: ScreenMessage) => {
      if (settled) return;
      try {
        if (m.type === 'batch') {
          const v = views[m.slot]!;
          const { data, meta } = v;
          names.add(m.names);
          for (let i = 0; i < m.lines; i++) {
            const b = i * META_INTS;
            const wire = readLine(v, i, path, sample, names);
            if (wire === WIRE_FAILURE) sink.ingestFailure(sample);
            else if (wire === WIRE_CANDIDATE) intake.ingestFullLine(path, meta[b]!, data, meta[b + 1]!, meta[b + 2]!, meta[b + 3]!, candidateTime(v, i), candidateAfterIds(v, i));
            else intake.ingestFullLine(path, meta[b]!, data, meta[b + 1]!, meta[b + 2]!, meta[b + 3]!);
          }
          // The slot is about to be refilled: what the engine keeps of it becomes its own (addTallies).
          intake.flush();
          // How long this thread worked since the last batch — on this one, and on whatever else it
          // does meanwhile (the events file): the reader thread weighs it against its own (share).
          const active = performance.eventLoopUtilization().active;
          v.times[1] = active - activeBefore;
          activeBefore = active;
          Atomics.add(free, 0, 1);
          Atomics.notify(free, 0);
          if (m.bytesRead >= 0) onProgress?.(m.bytesRead);
        } else if (m.type === 'done') {
          sink.addTallies(m.counts);
          settled = true;
          if (job.memory && spareMemories.length < MAX_SPARE_MEMORIES) spareMemories.push(job.memory);
          resolve(m.lines);
        } else {
          fail(new InputError(m.message, m.hint));
        }
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const onError = (err: Error) => fail(new InputError(`${path}: the reader thread failed (${err.message})`));
    const onExit = (code: number) => fail(new InputError(`${path}: the reader thread stopped (exit code ${code}) before the end of the file`));
    signal?.addEventListener('abort', () => fail(new InputError(`${path}: reading stopped`)), { once: true });
    // What the thread said before this reader was there, in order; then what it says from now on.
    for (const h of held) {
      if (h.event === 'message') onMessage(h.value as ScreenMessage);
      else if (h.event === 'error') onError(h.value as Error);
      else onExit(h.value as number);
    }
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
