/**
 * Postmortem input: a whole file or stdin, streamed through LineSplitter. Files are read in
 * chunks into two reused buffers (no allocation per chunk; memory flat whatever the size): the
 * SIMD scanner's 4 MB regions for a log, two 1 MB buffers for a file split without it.
 * The sink is a LineSink (one string per line) or a ByteLineConsumer (byte ranges; the engine's
 * fast path, which decodes only the lines that may be upstream failures).
 * Errors become one-line InputErrors that say what to do (missing, a directory, no permission).
 * gzip (by its magic bytes, whatever the name) is read through node:zlib as a stream; another
 * compression is refused with the command that reads it (compression.ts).
 */
import { createReadStream, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '../util/errors.js';
import { SNIFF_BYTES, sniffCompression, sniffFile, type Compression } from './compression.js';
import { LineSplitter, type ByteLineConsumer, type SplitterOptions } from './lineSplitter.js';
import type { LineSink } from './types.js';

/**
 * Chunks of a file split without the SIMD scanner (the events file), in two buffers made for each
 * file. The kernel maps a new buffer's pages as they are first written, ~10 µs a page on this
 * machine: two 4 MB buffers took ~2,050 page faults, ~20 ms of reading the outage bench's 63 MB
 * events file (~105 ms in process); two of 1 MB ~500 faults and ~92 ms. Smaller ones cost more in
 * turns of the event loop than they save (256 KB: ~100 ms).
 */
const OWN_CHUNK = 1024 * 1024;

export function describeFsError(path: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new InputError(`${path}: no such file`, 'check the path (nginx writes /var/log/nginx/error.log by default)');
    case 'EISDIR':
      return new InputError(`${path}: is a directory, not a log file`, 'name the file inside it, e.g. error.log');
    case 'EACCES':
    case 'EPERM':
      return new InputError(`${path}: permission denied`, 'run with sudo, or add your user to the adm group');
    default:
      return new InputError(`${path}: cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`);
  }
}

/** Checks that `path` is a readable regular file before streaming starts (fail fast, one line). */
export function assertReadableFile(path: string): number {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    size = st.size;
  } catch (err) {
    throw describeFsError(path, err);
  }
  return size;
}

export interface StreamProgress {
  (bytesRead: number): void;
}

export interface ReadOptions extends SplitterOptions {
  /** Something the reader of the report must know about this input (a truncated gzip: what was read is used). */
  onNote?: (note: string) => void;
}

function notReadHere(source: string, c: Compression): InputError {
  const name = source === '-' ? 'standard input' : source;
  return new InputError(`${name}: ${c.name}-compressed, which restartdoctor does not read itself (it reads gzip)`, `decompress it first: ${c.tool} ${source === '-' ? 'FILE' : source} | restartdoctor …`);
}

/**
 * Decompresses `compressed` (gzip chunks) into `push`. A stream that ends early (a file still being
 * written, a copy cut short) keeps what was read and says so through `onNote`; corrupt data is an error.
 */
async function gunzipInto(source: string, compressed: AsyncIterable<Buffer>, push: (b: Buffer) => void, options?: ReadOptions): Promise<void> {
  try {
    await pipeline(Readable.from(compressed), createGunzip(), async (out: AsyncIterable<Buffer>) => {
      for await (const chunk of out) push(chunk);
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const name = source === '-' ? 'standard input' : source;
    if (e.code === 'Z_BUF_ERROR') {
      options?.onNote?.(`${name}: the gzip stream ends early (truncated?): the lines before the cut were read`);
      return;
    }
    if (typeof e.code === 'string' && e.code.startsWith('Z_')) throw new InputError(`${name}: gzip data is corrupt (${e.message})`, 'check the file with gzip -t');
    throw describeFsError(source, err);
  }
}

/** Streams `stream` line by line into `sink` (through gunzip when it is gzip); resolves with the number of lines. */
export async function streamLines(source: string, stream: Readable, sink: LineSink | ByteLineConsumer, onProgress?: StreamProgress, options?: ReadOptions): Promise<number> {
  const splitter = new LineSplitter(source, sink, options);
  let bytes = 0;
  const it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const next = async (): Promise<Buffer | null> => {
    const r = await it.next();
    if (r.done) return null;
    const buf = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    bytes += buf.length;
    onProgress?.(bytes);
    return buf;
  };
  try {
    // The first bytes say whether it is compressed (a pipe may hand them over one at a time).
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < SNIFF_BYTES) {
      const b = await next();
      if (b === null) {
        ended = true;
        break;
      }
      head.push(b);
      headBytes += b.length;
    }
    const first = Buffer.concat(head);
    const compression = sniffCompression(first);
    if (compression && !compression.readable) throw notReadHere(source, compression);
    if (compression) {
      const all = async function* (): AsyncGenerator<Buffer> {
        yield first;
        for (let b = ended ? null : await next(); b !== null; b = await next()) yield b;
      };
      await gunzipInto(source, all(), (b) => splitter.push(b), options);
    } else {
      if (first.length > 0) splitter.push(first);
      for (let b = ended ? null : await next(); b !== null; b = await next()) splitter.push(b);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw describeFsError(source, err);
  }
  splitter.end();
  return splitter.linesEmitted;
}

export async function streamFileLines(path: string, sink: LineSink | ByteLineConsumer, onProgress?: StreamProgress, options?: ReadOptions): Promise<number> {
  assertReadableFile(path);
  const compression = sniffFile(path);
  if (compression && !compression.readable) throw notReadHere(path, compression);
  if (compression) return streamLines(path, createReadStream(path, { highWaterMark: 1024 * 1024 }), sink, onProgress, options);
  const splitter = new LineSplitter(path, sink, options);
  // Two buffers in turn: the next read runs (in libuv's thread pool) while this chunk is split
  // and parsed, so the disk/page-cache copy overlaps the CPU work. The splitter copies the only
  // bytes it keeps (a partial line), so a buffer can be refilled once its chunk is pushed.
  // Its own buffers when it has them (the SIMD scanner's regions, REGION_BYTES each: a chunk is
  // scanned where it was read, with no copy).
  const bufs = splitter.readBuffers() ?? [Buffer.allocUnsafeSlow(OWN_CHUNK), Buffer.allocUnsafeSlow(OWN_CHUNK)];
  const chunk = bufs[0]!.length;
  let bytes = 0;
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw describeFsError(path, err);
  }
  const read = (b: Buffer): Promise<number> =>
    fh.read(b, 0, chunk, null).then(
      (r) => r.bytesRead,
      (err: unknown) => {
        throw describeFsError(path, err);
      },
    );
  let pending: Promise<number> = Promise.resolve(0);
  try {
    let turn = 0;
    pending = read(bufs[0]!);
    for (;;) {
      const n = await pending;
      if (n <= 0) break;
      const buf = bufs[turn]!;
      turn ^= 1;
      // Reads on one FileHandle without a position run in order: this one continues after `n`.
      pending = read(bufs[turn]!);
      bytes += n;
      splitter.push(n === chunk ? buf : buf.subarray(0, n));
      onProgress?.(bytes);
    }
  } finally {
    // A read may still be in flight (EOF reached, or the consumer threw): settle it before closing.
    await pending.catch(() => 0);
    await fh.close().catch(() => undefined);
  }
  splitter.end();
  return splitter.linesEmitted;
}
