/**
 * Postmortem input: a whole file or stdin, streamed through LineSplitter. Files are read in
 * 4 MB chunks into two reused buffers (no allocation per chunk; memory flat whatever the size).
 * The sink is a LineSink (one string per line) or a ByteLineConsumer (byte ranges; the engine's
 * fast path, which decodes only the lines that may be upstream failures).
 * Errors become one-line InputErrors that say what to do (missing, a directory, no permission).
 */
import { statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InputError } from '../cli/errors.js';
import { REGION_BYTES } from './lineScan.js';
import { LineSplitter, type ByteLineConsumer, type SplitterOptions } from './lineSplitter.js';
import type { LineSink } from './types.js';

/** The SIMD scanner's region size: a chunk read into one of its regions is scanned in place. */
const CHUNK = REGION_BYTES;

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

/** Streams `stream` line by line into `sink`; resolves with the number of lines. */
export async function streamLines(source: string, stream: Readable, sink: LineSink | ByteLineConsumer, onProgress?: StreamProgress, options?: SplitterOptions): Promise<number> {
  const splitter = new LineSplitter(source, sink, options);
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      bytes += buf.length;
      splitter.push(buf);
      onProgress?.(bytes);
    }
  } catch (err) {
    throw describeFsError(source, err);
  }
  splitter.end();
  return splitter.linesEmitted;
}

export async function streamFileLines(path: string, sink: LineSink | ByteLineConsumer, onProgress?: StreamProgress, options?: SplitterOptions): Promise<number> {
  assertReadableFile(path);
  const splitter = new LineSplitter(path, sink, options);
  // Two buffers in turn: the next read runs (in libuv's thread pool) while this chunk is split
  // and parsed, so the disk/page-cache copy overlaps the CPU work. The splitter copies the only
  // bytes it keeps (a partial line), so a buffer can be refilled once its chunk is pushed.
  // Its own buffers when it has them (the SIMD scanner's regions: no copy before the scan).
  const bufs = splitter.readBuffers() ?? [Buffer.allocUnsafeSlow(CHUNK), Buffer.allocUnsafeSlow(CHUNK)];
  let bytes = 0;
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw describeFsError(path, err);
  }
  const read = (b: Buffer): Promise<number> =>
    fh.read(b, 0, CHUNK, null).then(
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
      splitter.push(n === CHUNK ? buf : buf.subarray(0, n));
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
