/**
 * An upstream failure as numbers, for the way from the reader thread to the engine's thread
 * (screenWorker.ts → screenedFile.ts): the reader thread cuts the line and derives what burst
 * detection needs (FailureSample.fromCut), writes it here, and the engine's thread refills one
 * sample from it (FailureSample.fromWire) without decoding the line. In an outage's log, where
 * nearly every line is a failure, that takes most of the per-line work off the engine's thread.
 *
 * Names (upstream key, method, server, host) go over as ids: each string crosses once, in the
 * batch message that first uses it (`WireNames.take`). The table is bounded: past MAX_NAMES at a
 * batch's start both sides empty it and the ids start again.
 */
import { UPSTREAM_ERROR_KINDS, type UpstreamErrorKind } from '../model/logRecord.js';
import type { FailureSample } from '../parse/failureSample.js';
import { internalized } from '../util/internalized.js';

/**
 * Int32 slots per line: 0 lineNo, 1 start, 2 end, 3 flags, 4 kind index + 256 when the request was
 * sent (or NOT_CUT / CANDIDATE), 5 errno (-1: none; a CANDIDATE's afterIds), 6-9
 * method/server/host/key ids (0: none), 10-11 the `upstream:` value's bytes, from the line's start;
 * then two doubles: the client hash (ints 12-13) and the time (ints 14-15, a CANDIDATE's too).
 */
export const META_INTS = 16;
const SENT = 256;
/** Not cut, and the screen knows nothing of it: the engine's thread parses it whole. */
const NOT_CUT = -1;
/** Not cut, but the screen found it a CANDIDATE (its time and afterIds are known): cut on bytes there. */
const CANDIDATE = -2;
const MAX_NAMES = 8192;

const KIND_INDEX = new Map(UPSTREAM_ERROR_KINDS.map((k, i) => [k, i]));

export interface SlotViews {
  data: Buffer;
  meta: Int32Array;
  /** The same memory as `meta`, for the doubles. */
  doubles: Float64Array;
  /** How long the reader thread worked on the batch the slot held [0], and the engine's thread since the batch before [1], in ms (0: not yet). */
  times: Float64Array;
}

/** New names since the last batch; `reset`: forget every id before these. */
export interface NameDefs {
  reset: boolean;
  names: string[];
}

/** The reader thread's side of the name ids. */
export class WireNames {
  private readonly ids = new Map<string, number>();
  private fresh: string[] = [];
  private reset = false;

  id(name: string | null): number {
    if (name === null) return 0;
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(name, id);
      this.fresh.push(name);
    }
    return id;
  }

  /** The names the batch just filled introduced; empties the table for the next batch when it is full. */
  take(): NameDefs {
    const defs = { reset: this.reset, names: this.fresh };
    this.fresh = [];
    this.reset = this.ids.size >= MAX_NAMES;
    if (this.reset) this.ids.clear();
    return defs;
  }
}

/** The engine thread's side: id → name. */
export class WireNameTable {
  private names: (string | null)[] = [null];

  add(defs: NameDefs): void {
    if (defs.reset) this.names = [null];
    // V8's one copy of each (internalized.ts): a name from the other thread is then the very
    // string this thread's own cut gives for it, and compares and Map lookups take the fast way.
    for (const n of defs.names) this.names.push(internalized(n));
  }

  name(id: number): string | null {
    return this.names[id]!;
  }
}

/** Line `i`: where its bytes lie in the slot; nothing else is known of it (NOT_CUT). */
export function writeLine(v: SlotViews, i: number, lineNo: number, start: number, end: number, flags: number): void {
  const m = v.meta;
  const b = i * META_INTS;
  m[b] = lineNo;
  m[b + 1] = start;
  m[b + 2] = end;
  m[b + 3] = flags;
  m[b + 4] = NOT_CUT;
}

/**
 * Line `i` (writeLine) is a CANDIDATE at `time` whose `PID#TID: ` ends `afterIds` bytes in. Its
 * field markers do not go along: the engine's thread cuts it in one WebAssembly call when it has
 * the usual shape (scan/usualCut.ts), which finds them in the slot itself, and finds them for
 * the byte cut otherwise.
 */
export function markCandidate(v: SlotViews, i: number, time: number, afterIds: number): void {
  const b = i * META_INTS;
  v.meta[b + 4] = CANDIDATE;
  v.meta[b + 5] = afterIds;
  v.doubles[i * (META_INTS / 2) + 7] = time;
}

/** Line `i` (writeLine) is the failure `s`, its `upstream:` value `urlAt`..`urlEnd` bytes from the line's start. */
export function writeFailure(v: SlotViews, i: number, s: FailureSample, urlAt: number, urlEnd: number, names: WireNames): void {
  const m = v.meta;
  const b = i * META_INTS;
  m[b + 4] = KIND_INDEX.get(s.kind)! + (s.requestSent ? SENT : 0);
  m[b + 5] = s.errno ?? -1;
  m[b + 6] = names.id(s.method);
  m[b + 7] = names.id(s.server);
  m[b + 8] = names.id(s.host);
  m[b + 9] = names.id(s.key);
  m[b + 10] = urlAt;
  m[b + 11] = urlEnd;
  const d = i * (META_INTS / 2);
  v.doubles[d + 6] = s.clientHash;
  v.doubles[d + 7] = s.time;
}

/** What the engine's thread does with line `i`: take the failure written (filled into `s`), cut a candidate, or parse it whole (WIRE_LINE). */
export const WIRE_FAILURE = 0;
export const WIRE_CANDIDATE = 1;
const WIRE_LINE = 2;

/** Refills `s` from line `i` (source `source`) when it went over cut (WIRE_FAILURE). */
export function readLine(v: SlotViews, i: number, source: string, s: FailureSample, names: WireNameTable): number {
  const m = v.meta;
  const b = i * META_INTS;
  const k = m[b + 4]!;
  if (k === NOT_CUT) return WIRE_LINE;
  if (k === CANDIDATE) return WIRE_CANDIDATE;
  const errno = m[b + 5]!;
  const d = i * (META_INTS / 2);
  const start = m[b + 1]!;
  s.fromWire(
    source,
    m[b]!,
    UPSTREAM_ERROR_KINDS[k & (SENT - 1)] as UpstreamErrorKind,
    errno < 0 ? null : errno,
    names.name(m[b + 6]!),
    k >= SENT,
    names.name(m[b + 7]!),
    names.name(m[b + 8]!),
    names.name(m[b + 9]!)!,
    v.data,
    start,
    m[b + 2]!,
    start + m[b + 10]!,
    start + m[b + 11]!,
  );
  s.time = v.doubles[d + 7]!;
  s.clientHash = v.doubles[d + 6]!;
  return WIRE_FAILURE;
}

/** A CANDIDATE line's time and afterIds (readLine said WIRE_CANDIDATE). */
export function candidateTime(v: SlotViews, i: number): number {
  return v.doubles[i * (META_INTS / 2) + 7]!;
}

export function candidateAfterIds(v: SlotViews, i: number): number {
  return v.meta[i * META_INTS + 5]!;
}
