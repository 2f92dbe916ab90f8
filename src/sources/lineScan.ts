/**
 * The byte-mode splitter's inner loop in WebAssembly SIMD (lineScan.wat): newlines, control bytes
 * and the consumer's needles (data, written into the module's memory) found 16 bytes at a time, in
 * one pass, several times faster than LineSplitter's JS loop plus Buffer.indexOf per needle
 * (`npm run bench`).
 *
 * The module's memory holds two input regions, so a file reader can fill one while the other is
 * scanned (no copy), and the table of line ends the scan writes. Where WebAssembly is missing
 * (`node --jitless`) `create()` answers null and LineSplitter keeps its JS loop, which computes
 * the same flags (test/perf/equivalence.test.ts runs both).
 *
 * The same module cuts the usual failure line (WasmLineCut, scan/usualCut.ts) where it lies in such
 * a memory: a chunk's region, a reader thread's batch slot.
 */
import { FIELD_KEY_BYTES, MAX_MARKS, type FieldMarks } from '../parse/nginx/fieldMarks.js';
import { LINE_SCAN_WASM } from './lineScanWasm.js';

/** The largest chunk scanned in place; longer chunks are scanned in pieces. */
export const REGION_BYTES = 4 * 1024 * 1024;
/** Readable bytes after a region: the scan reads a block and a needle's last byte past the end. */
const PAD = 64;

/** Needles the scan takes: at most this many, each 1 to NEEDLE_MAX_BYTES long (others: the JS loop). */
export const MAX_NEEDLES = 4;
export const NEEDLE_MAX_BYTES = 48;
/** Needles, then the plain prefixes (same layout, same limits) at PLAIN_AT. */
const PLAIN_AT = 64 * (MAX_NEEDLES + 1);
const NEEDLE_TABLE_BYTES = 2 * PLAIN_AT;
/** After the needle tables: the field keys `marks` looks for (the same layout), then where it writes the markers. */
const KEYS_BYTES = 64 * (FIELD_KEY_BYTES.length + 1);
const MARKS_OUT_BYTES = 8 * MAX_MARKS;

/** Where each part lies in the module's memory: two regions, the table of line ends (one entry per byte at most: a chunk of newlines) and its byte per line, needles, keys, markers, the cut's workspaces. */
const REGION_STRIDE = REGION_BYTES + PAD;
const TABLE_AT = 2 * REGION_STRIDE;
/** Per line of the table, a byte: where a LINE_HEAD_OK line's `PID#TID: ` ends. */
const HEADS_AT = TABLE_AT + REGION_BYTES * 4;
const NEEDLES_AT = HEADS_AT + REGION_BYTES;
const KEYS_AT = NEEDLES_AT + NEEDLE_TABLE_BYTES;
const MARKS_AT = KEYS_AT + KEYS_BYTES;
/**
 * After them: the failure cut's workspaces (lineScan.wat cut), one per thread that cuts lines lying
 * in this memory (a reader thread, the engine's): the field keys, the markers, the answer, and four
 * tables of byte strings' ids of CUT_TABLE_BYTES each.
 */
const CUT_AT = MARKS_AT + MARKS_OUT_BYTES;
const CUT_TABLES_AT = 1536;
const CUT_TABLE_BYTES = 16 + 4096 * 16 + 128 * 1024;
/** A table's header and slots (emptied to start it again); its arena after them needs no clearing. */
const CUT_TABLE_INDEX_BYTES = 16 + 4096 * 16;
const CUT_WORKSPACE_BYTES = CUT_TABLES_AT + 4 * CUT_TABLE_BYTES;
/** Workspaces: 0 for a reader thread, 1 for the engine's thread. */
const CUT_WORKSPACES = 2;
/** Where the cut's answer lies in a workspace, and its length in i32s (lineScan.wat cut). */
const CUT_ANSWER_AT = 1024;
const CUT_ANSWER_INTS = 25;
/**
 * The scanner's part of the module's memory, in 64 KB pages. The memory is made at its full size
 * and never grows (its maximum is its size). It used to be one page, grown to fit: growing a
 * memory that is not shared detaches its old ArrayBuffer, and once any ArrayBuffer of a thread is
 * detached, V8's optimized code checks every typed-array access of that thread for it. The reader
 * thread's byte loops (the screen, the byte cut) ran so: a loop over a Buffer's bytes took ~1.5×
 * as long in a fresh thread after one grow, and that thread used ~6 % more CPU on an outage's log.
 */
export const MEMORY_PAGES = Math.ceil((CUT_AT + CUT_WORKSPACES * CUT_WORKSPACE_BYTES) / 65536);
/** Bytes of a memory the scanner uses, from its start; a caller's own data may follow (scanMemory). */
export const SCAN_BYTES = MEMORY_PAGES * 65536;

/** The part of the WebAssembly API used here (@types/node 20 does not declare it; absent under --jitless). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: { env: { memory: ScanMemory } }) => { exports: unknown };
  Memory: new (size: { initial: number; maximum: number; shared: true }) => ScanMemory;
}
/** A shared WebAssembly.Memory (it crosses to a worker thread as itself: postMessage, workerData). */
export interface ScanMemory {
  readonly buffer: SharedArrayBuffer;
}

let loaded: { api: WasmApi; module: object } | null | undefined;

/** The compiled module, once per process; null where WebAssembly (or its SIMD) is missing. */
function lineScanModule(): { api: WasmApi; module: object } | null {
  if (loaded === undefined) {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      loaded = api ? { api, module: new api.Module(Buffer.from(LINE_SCAN_WASM, 'base64')) } : null;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/** Needles the SIMD scan can look for. */
function simdCanScan(needles: readonly Buffer[], plain: readonly Buffer[] = []): boolean {
  const fits = (list: readonly Buffer[]) => list.length <= MAX_NEEDLES && list.every((n) => n.length >= 1 && n.length <= NEEDLE_MAX_BYTES);
  return fits(needles) && fits(plain);
}

/**
 * A memory for a scanner (SCAN_BYTES) followed by `extraBytes` of the caller's, shared; null where
 * WebAssembly is missing. A reader thread's batch slots lie there, so that a line is copied into
 * one by the module (copyWithin), not by Buffer.copy: V8 copies into a SharedArrayBuffer with
 * relaxed atomic stores, ~8× as long for a line of a few hundred bytes.
 */
export function scanMemory(extraBytes: number): ScanMemory | null {
  const wasm = lineScanModule();
  if (!wasm) return null;
  const pages = MEMORY_PAGES + Math.ceil(extraBytes / 65536);
  try {
    return new wasm.api.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return null;
  }
}

interface LineScanExports {
  copy(to: number, from: number, n: number): void;
  scan(base: number, len: number, out: number, needles: number, heads: number): number;
  marks(from: number, end: number, keys: number, out: number, max: number): number;
  cut(end: number, from: number, workspace: number): number;
}

/**
 * A table of byte strings as lineScan.wat's $prefixAt reads it: a count, then a 64-byte slot per
 * string (its length; at 8, the mask of its first 8 bytes, which only a shorter string's own bytes
 * pass; at 16, its bytes).
 */
function writeTable(t: Buffer, list: readonly Buffer[]): void {
  t.fill(0);
  t.writeInt32LE(list.length, 0);
  list.forEach((s, k) => {
    const slot = 64 * (k + 1);
    t.writeInt32LE(s.length, slot);
    t.writeBigUInt64LE(s.length >= 8 ? 0xffffffffffffffffn : (1n << BigInt(8 * s.length)) - 1n, slot + 8);
    s.copy(t, slot + 16);
  });
}

/** The module's exports over `memory`, or null where it cannot be instantiated. */
function instantiate(memory: ScanMemory): LineScanExports | null {
  const wasm = lineScanModule();
  if (!wasm || memory.buffer.byteLength < SCAN_BYTES) return null;
  try {
    return new wasm.api.Instance(wasm.module, { env: { memory } }).exports as LineScanExports;
  } catch {
    return null;
  }
}

/**
 * lineScan.wat's `cut` in one workspace of a memory: the byte cut of the usual failure line, in
 * one call (scan/usualCut.ts reads its answer). One per thread and workspace.
 */
export class WasmLineCut {
  /** The last cut's answer (lineScan.wat cut): positions are in the memory, not in the line's buffer. */
  readonly answer: Int32Array;
  private readonly mem: SharedArrayBuffer;
  /**
   * The buffer a line was last cut in (it lies in the memory) and where it starts there: `base`,
   * what the answer's positions are from. Read once per buffer, not per line: Node 20's V8 does not
   * inline a Buffer's `buffer` and `byteOffset` getters (~13 and ~9 ns a read), and a thread cuts
   * thousands of lines in one buffer (a chunk's region, a batch slot).
   */
  private lastBuf: Buffer | null = null;
  base = 0;

  private constructor(
    private readonly wasm: LineScanExports,
    memory: ScanMemory,
    private readonly workspace: number,
  ) {
    const mem = (this.mem = memory.buffer);
    writeTable(Buffer.from(mem, workspace, 64 * (FIELD_KEY_BYTES.length + 1)), FIELD_KEY_BYTES);
    for (let t = 0; t < 4; t++) new Uint8Array(mem, workspace + CUT_TABLES_AT + t * CUT_TABLE_BYTES, CUT_TABLE_INDEX_BYTES).fill(0);
    this.answer = new Int32Array(mem, workspace + CUT_ANSWER_AT, CUT_ANSWER_INTS);
  }

  /** A cut in workspace `index` (< CUT_WORKSPACES) of `memory` (a scanMemory), null where WebAssembly is missing. */
  static create(memory: ScanMemory, index: number): WasmLineCut | null {
    const wasm = instantiate(memory);
    return wasm === null ? null : new WasmLineCut(wasm, memory, CUT_AT + index * CUT_WORKSPACE_BYTES);
  }

  /**
   * lineScan.wat cut of the CANDIDATE line `buf[start, end)`, whose `PID#TID: ` ends `afterIds`
   * bytes in: 0 when the line is not of the usual shape or `buf` does not lie in the memory.
   */
  cut(buf: Buffer, start: number, end: number, afterIds: number): number {
    if (buf !== this.lastBuf) {
      if (buf.buffer !== this.mem) return 0;
      this.lastBuf = buf;
      this.base = buf.byteOffset;
    }
    const base = this.base;
    return this.wasm.cut(base + end, base + start + afterIds, this.workspace);
  }
}

export class SimdLineScanner {
  /** Two chunk buffers inside the module's memory: a chunk read into one is scanned where it lies. */
  readonly regions: readonly [Buffer, Buffer];
  /**
   * After `scan`: entry i is (offset of line i's `\n` in the chunk) << 5 | flags, flags being
   * LINE_CONTROL (1), LINE_NEEDLE (2), LINE_SAME_HEAD (8) and LINE_HEAD_OK (16).
   */
  readonly table: Int32Array;
  /** After `scan`: for a LINE_HEAD_OK line i, where its `PID#TID: ` ends, from its start. */
  readonly heads: Uint8Array;
  /** Where `marks` writes (comma position, key) pairs. */
  private readonly marksOut: Int32Array;
  /** The memory's one buffer (it never grows, so every view of it stays valid). */
  private readonly mem: SharedArrayBuffer;
  /** The memory the regions lie in (a WasmLineCut there cuts their lines). */
  readonly memory: ScanMemory;

  private constructor(
    private readonly wasm: LineScanExports,
    memory: ScanMemory,
    needles: readonly Buffer[],
    plain: readonly Buffer[],
  ) {
    const mem = (this.mem = memory.buffer);
    this.memory = memory;
    this.regions = [Buffer.from(mem, 0, REGION_BYTES), Buffer.from(mem, REGION_STRIDE, REGION_BYTES)];
    this.table = new Int32Array(mem, TABLE_AT, REGION_BYTES);
    this.heads = new Uint8Array(mem, HEADS_AT, REGION_BYTES);
    writeTable(Buffer.from(mem, NEEDLES_AT, PLAIN_AT), needles);
    writeTable(Buffer.from(mem, NEEDLES_AT + PLAIN_AT, PLAIN_AT), plain);
    writeTable(Buffer.from(mem, KEYS_AT, KEYS_BYTES), FIELD_KEY_BYTES);
    this.marksOut = new Int32Array(mem, MARKS_AT, 2 * MAX_MARKS);
  }

  /**
   * A scanner for `needles` (null where WebAssembly or its SIMD is missing, or simdCanScan says no).
   * `plain`: message starts that make a needle line no failure (it may then be a same-stamp line).
   * `given`: a scanMemory to work in (its first SCAN_BYTES), else one of its own.
   */
  static create(needles: readonly Buffer[], plain: readonly Buffer[] = [], given?: ScanMemory): SimdLineScanner | null {
    if (!simdCanScan(needles, plain)) return null;
    const memory = given ?? scanMemory(0);
    const wasm = memory === null ? null : instantiate(memory);
    return wasm === null ? null : new SimdLineScanner(wasm, memory!, needles, plain);
  }

  /**
   * Scans `chunk` (at most REGION_BYTES): copied into a region first unless it is a view of one.
   * Returns the number of complete lines, whose ends and flags are in `table`.
   */
  scan(chunk: Buffer): number {
    if (chunk.length > REGION_BYTES) throw new RangeError('chunk larger than a scan region');
    let base = chunk.byteOffset;
    if (chunk.buffer !== this.mem) {
      chunk.copy(this.regions[0], 0);
      base = 0;
    }
    return this.wasm.scan(base, chunk.length, TABLE_AT, NEEDLES_AT, HEADS_AT);
  }

  /**
   * Copies `src[start, end)` to `dst` at `at` inside the module (memory.copy) when both are views of
   * its memory (a region, a caller's part of a scanMemory); false, copying nothing, otherwise.
   */
  copyWithin(src: Buffer, start: number, end: number, dst: Buffer, at: number): boolean {
    if (src.buffer !== this.mem || dst.buffer !== this.mem || at + (end - start) > dst.length) return false;
    this.wasm.copy(dst.byteOffset + at, src.byteOffset + start, end - start);
    return true;
  }

  /**
   * FieldMarks.find for the line `buf[from, end)` by the WebAssembly pass, into `into`: false
   * (nothing written) when `buf` is not a view of a region (a line put together from two chunks).
   */
  fieldMarks(buf: Buffer, from: number, end: number, into: FieldMarks): boolean {
    if (buf.buffer !== this.mem) return false;
    const base = buf.byteOffset;
    const n = this.wasm.marks(base + from, base + end, KEYS_AT, MARKS_AT, MAX_MARKS);
    const out = this.marksOut;
    for (let m = 0; m < n; m++) {
      into.at[m] = out[2 * m]! - base;
      into.key[m] = out[2 * m + 1]!;
    }
    into.n = n;
    return true;
  }
}
