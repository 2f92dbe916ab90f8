/**
 * What an nginx error log gained during the drill: remember the size (and inode) at the start,
 * read the appended bytes at the end. A smaller file or a new inode means the log was truncated
 * or rotated in between: then the new file is read from its start and the report says so.
 */
import { open, stat } from 'node:fs/promises';
import { InputError } from '../util/errors.js';

/** Bound on what one drill reads back (a drill's worth of lines is far smaller). */
const MAX_DELTA_BYTES = 32 * 1024 * 1024;

export interface LogMark {
  file: string;
  size: number;
  ino: number;
}

export interface LogDelta {
  file: string;
  lines: string[];
  bytesRead: number;
  /** Why the read is not exactly "the bytes appended since the mark", or null. */
  note: string | null;
}

function describe(err: unknown, file: string): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(`--log: ${file} does not exist`);
  if (code === 'EACCES' || code === 'EPERM') return new InputError(`--log: permission denied reading ${file}`, 'run with a user that can read the nginx log');
  if (code === 'EISDIR') return new InputError(`--log: ${file} is a directory, not a log file`);
  return new InputError(`--log: cannot read ${file} (${code ?? 'error'})`);
}

export async function markLog(file: string): Promise<LogMark> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: st.isDirectory() ? 'EISDIR' : 'EINVAL' });
    // Opening proves it is readable now, not only at the end of the drill.
    await (await open(file, 'r')).close();
    return { file, size: st.size, ino: st.ino };
  } catch (err) {
    throw describe(err, file);
  }
}

export async function readSinceMark(mark: LogMark): Promise<LogDelta> {
  let handle;
  try {
    handle = await open(mark.file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { file: mark.file, lines: [], bytesRead: 0, note: 'the log was removed during the drill' };
    throw describe(err, mark.file);
  }
  try {
    const st = await handle.stat();
    let from = mark.size;
    let note: string | null = null;
    if (st.ino !== mark.ino) {
      from = 0;
      note = 'the log was rotated during the drill: read the new file from its start (lines written to the old file after the start are not counted)';
    } else if (st.size < mark.size) {
      from = 0;
      note = 'the log was truncated during the drill: read from its new start';
    }
    if (st.size - from > MAX_DELTA_BYTES) {
      from = st.size - MAX_DELTA_BYTES;
      note = `the log grew by more than ${MAX_DELTA_BYTES / 1024 / 1024} MB during the drill: read the last ${MAX_DELTA_BYTES / 1024 / 1024} MB only`;
    }
    const length = Math.max(0, st.size - from);
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await handle.read(buf, got, length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const text = buf.subarray(0, got).toString('utf8');
    const parts = text.split('\n');
    // nginx writes a whole line per write(); a last piece without "\n" is a line still being written.
    parts.pop();
    // After a cut (size bound), the first piece is the tail of a line: drop it.
    if (from > 0 && from !== mark.size) parts.shift();
    return { file: mark.file, lines: parts.map((l) => l.replace(/\r$/, '')), bytesRead: got, note };
  } finally {
    await handle.close();
  }
}
