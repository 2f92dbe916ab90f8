/**
 * The byte-mode splitter's inner loop in WebAssembly SIMD (lineScan.wat): newlines, control bytes
 * and the engine's needles found 16 bytes at a time, in one pass, several times faster than
 * LineSplitter's JS loop plus Buffer.indexOf per needle (`npm run bench`).
 *
 * The module's memory holds two input regions, so a file reader can fill one while the other is
 * scanned (no copy), and the table of line ends the scan writes. Where WebAssembly is missing
 * (`node --jitless`) `create()` answers null and LineSplitter keeps its JS loop, which computes
 * the same flags (test/perf/equivalence.test.ts runs both).
 */
import { LINE_SCAN_WASM } from './lineScanWasm.js';

/** The largest chunk scanned in place; longer chunks are scanned in pieces. */
export const REGION_BYTES = 4 * 1024 * 1024;
/** Readable bytes after a region: the scan reads a block and a needle's last byte past the end. */
const PAD = 64;

/**
 * The needles compiled into lineScan.wat; a consumer with others gets the JS loop
 * (test/sources/lineScan.test.ts checks the engine's are these).
 */
const SIMD_NEEDLES: readonly string[] = ['upstream', 'could not be resolved'];

/** The part of the WebAssembly API used here (@types/node 20 does not declare it; absent under --jitless). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
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

export function simdNeedlesMatch(needles: readonly Buffer[]): boolean {
  return needles.length === SIMD_NEEDLES.length && needles.every((n, i) => n.equals(Buffer.from(SIMD_NEEDLES[i]!, 'latin1')));
}

interface LineScanExports {
  memory: WasmMemory;
  scan(base: number, len: number, out: number): number;
}

export class SimdLineScanner {
  /** Two chunk buffers inside the module's memory: a chunk read into one is scanned where it lies. */
  readonly regions: readonly [Buffer, Buffer];
  /**
   * After `scan`: entry i is (offset of line i's `\n` in the chunk) << 4 | flags, flags being
   * LINE_CONTROL (1), LINE_NEEDLE (2) and LINE_SAME_HEAD (8).
   */
  readonly table: Int32Array;
  private readonly tableAt: number;

  private constructor(private readonly wasm: LineScanExports) {
    const regionStride = REGION_BYTES + PAD;
    this.tableAt = 2 * regionStride;
    // One table entry per byte at most (a chunk of newlines).
    const bytes = this.tableAt + REGION_BYTES * 4;
    const have = wasm.memory.buffer.byteLength;
    if (bytes > have) wasm.memory.grow(Math.ceil((bytes - have) / 65536));
    // Views are taken after the one grow: the memory never grows again, so they stay valid.
    const mem = wasm.memory.buffer;
    this.regions = [Buffer.from(mem, 0, REGION_BYTES), Buffer.from(mem, regionStride, REGION_BYTES)];
    this.table = new Int32Array(mem, this.tableAt, REGION_BYTES);
  }

  static create(): SimdLineScanner | null {
    const wasm = lineScanModule();
    if (!wasm) return null;
    try {
      return new SimdLineScanner(new wasm.api.Instance(wasm.module).exports as LineScanExports);
    } catch {
      return null;
    }
  }

  /**
   * Scans `chunk` (at most REGION_BYTES): copied into a region first unless it is a view of one.
   * Returns the number of complete lines, whose ends and flags are in `table`.
   */
  scan(chunk: Buffer): number {
    if (chunk.length > REGION_BYTES) throw new RangeError('chunk larger than a scan region');
    let base = chunk.byteOffset;
    if (chunk.buffer !== this.wasm.memory.buffer) {
      chunk.copy(this.regions[0], 0);
      base = 0;
    }
    return this.wasm.scan(base, chunk.length, this.tableAt);
  }
}
