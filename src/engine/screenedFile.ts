/**
 * A big log file read on two threads: screenWorker.ts reads and scans it, counts the lines that
 * are not upstream failures, and cuts the failure lines (message, errno, fields as ranges: the
 * bulk of parsing them); this thread turns those into failure samples, in file order, for the
 * engine, and parses the few unusual lines itself. Same results as streamFileLines into the
 * engine (test/perf/screenWorker.test.ts), in less time on a machine with a second core: in an
 * outage's log, where nearly every line is a failure, the parse is shared between the two.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../util/errors.js';
import { UPSTREAM_ERROR_KINDS } from '../model/logRecord.js';
import { LineCut } from '../parse/nginx/cut.js';
import type { Signature } from '../parse/nginx/signatures.js';
import type { IncidentEngine, ScreenedCounts } from './incidentEngine.js';

/** Smaller files are read on this thread: starting a thread costs more than it saves below this. */
export const SCREEN_MIN_BYTES = 64 * 1024 * 1024;
/** Batch slots: enough to keep both threads busy, few enough to bound memory. */
const SLOTS = 4;
/** Line bytes a slot holds: more than the longest line LineSplitter hands over (MAX_LINE_BYTES). */
export const SLOT_DATA_BYTES = 2 * 1024 * 1024;
/** Lines a slot holds (META_INTS each: see writeMeta). */
export const SLOT_LINES = 16 * 1024;
/** Per line: lineNo, start, end, flags, then the cut (kind index, -1: not cut, parse it here), then its time as a double. */
const META_INTS = 32;
const SLOT_BYTES = SLOT_DATA_BYTES + SLOT_LINES * META_INTS * 4;
const FIELD_INTS = 14;

export interface ScreenJob {
  path: string;
  tz: string;
  since: number | null;
  until: number | null;
  slots: number;
  /** The engine's signature table (plain data: it crosses to the thread as it is). */
  signatures: readonly Signature[];
  /** An Int32 of free slots (the worker takes one per batch, this thread gives it back), then the slots. */
  shared: SharedArrayBuffer;
}

export interface SlotViews {
  data: Buffer;
  meta: Int32Array;
  /** The same memory as `meta`, for the cut's time. */
  times: Float64Array;
}

/** Slot `slot`'s line bytes and its META_INTS per line. */
export function slotViews(shared: SharedArrayBuffer, slot: number): SlotViews {
  const at = 8 + slot * SLOT_BYTES;
  return {
    data: Buffer.from(shared, at, SLOT_DATA_BYTES),
    meta: new Int32Array(shared, at + SLOT_DATA_BYTES, SLOT_LINES * META_INTS),
    times: new Float64Array(shared, at + SLOT_DATA_BYTES, (SLOT_LINES * META_INTS) / 2),
  };
}

const KIND_INDEX = new Map(UPSTREAM_ERROR_KINDS.map((k, i) => [k, i]));

/** Line `i` of a slot: where its bytes lie, and the cut of a failure (`cut` null: the other thread parses it). */
export function writeMeta(v: SlotViews, i: number, lineNo: number, start: number, end: number, flags: number, cut: LineCut | null): void {
  const m = v.meta;
  const b = i * META_INTS;
  m[b] = lineNo;
  m[b + 1] = start;
  m[b + 2] = end;
  m[b + 3] = flags;
  if (cut === null || cut.kind === null) {
    m[b + 4] = -1;
    return;
  }
  m[b + 4] = KIND_INDEX.get(cut.kind)!;
  m[b + 5] = cut.msgAt;
  m[b + 6] = cut.msgEnd;
  m[b + 7] = cut.errno ?? -1;
  m[b + 8] = cut.strerrorAt;
  m[b + 9] = cut.strerrorEnd;
  m[b + 10] = cut.actionAt;
  m.set(cut.fields, b + 11);
  v.times[i * (META_INTS / 2) + META_INTS / 2 - 1] = cut.time;
}

/** Fills `cut` from line `i`'s meta; false when the line was not cut. Ranges are into the line's decoded text. */
function readMeta(v: SlotViews, i: number, cut: LineCut): boolean {
  const m = v.meta;
  const b = i * META_INTS;
  const kind = m[b + 4]!;
  if (kind < 0) return false;
  cut.kind = UPSTREAM_ERROR_KINDS[kind]!;
  cut.msgAt = m[b + 5]!;
  cut.msgEnd = m[b + 6]!;
  const errno = m[b + 7]!;
  cut.errno = errno < 0 ? null : errno;
  cut.strerrorAt = m[b + 8]!;
  cut.strerrorEnd = m[b + 9]!;
  cut.actionAt = m[b + 10]!;
  cut.fields.set(m.subarray(b + 11, b + 11 + FIELD_INTS));
  cut.mayBeUpstream = true;
  cut.time = v.times[i * (META_INTS / 2) + META_INTS / 2 - 1]!;
  return true;
}

export type ScreenMessage =
  | { type: 'batch'; slot: number; lines: number; bytesRead: number }
  | { type: 'done'; counts: ScreenedCounts; lines: number }
  | { type: 'error'; message: string; hint: string | null };

const workerUrl = new URL('./screenWorker.js', import.meta.url);

/** The worker script ships next to this module once built; run from TypeScript sources it is absent. */
export function screenWorkerAvailable(): boolean {
  return workerUrl.protocol === 'file:' && existsSync(fileURLToPath(workerUrl));
}

export interface ScreenWindow {
  tz: string;
  since: number | null;
  until: number | null;
}

/** Reads `path` into `engine` on two threads; resolves with the number of lines. `signal` stops the reader thread. */
export function streamFileScreened(path: string, engine: IncidentEngine, window: ScreenWindow, onProgress?: (bytesRead: number) => void, signal?: AbortSignal): Promise<number> {
  const shared = new SharedArrayBuffer(8 + SLOTS * SLOT_BYTES);
  const free = new Int32Array(shared, 0, 1);
  // The worker starts on slot 0, which is taken.
  free[0] = SLOTS - 1;
  const views = Array.from({ length: SLOTS }, (_, k) => slotViews(shared, k));
  const cut = new LineCut();
  const job: ScreenJob = { path, tz: window.tz, since: window.since, until: window.until, slots: SLOTS, shared, signatures: engine.signatures };
  return new Promise<number>((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: job });
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      reject(err);
    };
    worker.on('message', (m: ScreenMessage) => {
      if (settled) return;
      try {
        if (m.type === 'batch') {
          const v = views[m.slot]!;
          const { data, meta } = v;
          for (let i = 0; i < m.lines; i++) {
            const b = i * META_INTS;
            if (readMeta(v, i, cut)) engine.ingestCutFailure(path, meta[b]!, data.toString('utf8', meta[b + 1]!, meta[b + 2]!), cut);
            else engine.ingestFullLine(path, meta[b]!, data, meta[b + 1]!, meta[b + 2]!, meta[b + 3]!);
          }
          Atomics.add(free, 0, 1);
          Atomics.notify(free, 0);
          if (m.bytesRead >= 0) onProgress?.(m.bytesRead);
        } else if (m.type === 'done') {
          engine.absorbScreened(m.counts);
          settled = true;
          resolve(m.lines);
        } else {
          fail(new InputError(m.message, m.hint));
        }
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    signal?.addEventListener('abort', () => fail(new InputError(`${path}: reading stopped`)), { once: true });
    worker.on('error', (err) => fail(new InputError(`${path}: the reader thread failed (${err.message})`)));
    worker.on('exit', (code) => fail(new InputError(`${path}: the reader thread stopped (exit code ${code}) before the end of the file`)));
  });
}
