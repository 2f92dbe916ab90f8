/**
 * logrotate's copytruncate, seen from a reader: the log is copied to `FILE.1` (or a dateext name,
 * `FILE-20240115`), then truncated to 0 in place (same inode). By the time a reader notices the
 * truncation, the bytes it had not read yet are gone from the file but still in the copy, from
 * the reader's offset to the copy's end. This module finds that copy and reads that range.
 *
 * What no reader can get back: lines written after the copy and before the truncate are in
 * neither file. The reader counts the part of them it knows existed (it saw the file that long).
 */
import fs from 'node:fs';
import path from 'node:path';

/** Bytes of the held file's end kept to recognise its copy (the copy's bytes there must match). */
const TAIL_BYTES = 256;
/** Compressed generations are never a copy to read from (`compress` without `delaycompress`). */
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|z)$/i;
const READ_CHUNK = 1024 * 1024;

/** The copy found: open, so that logrotate renaming it (`.1` → `.2` on its next run) cannot take it away. The caller closes `fd`. */
export interface FoundCopy {
  path: string;
  size: number;
  fd: number;
}

/** The last TAIL_BYTES of `prev` followed by the first `n` bytes of `buf`. */
export function keepTail(prev: Buffer, buf: Buffer, n: number): Buffer {
  const fresh = buf.subarray(Math.max(0, n - TAIL_BYTES), n);
  if (fresh.length >= TAIL_BYTES) return Buffer.from(fresh);
  const joined = Buffer.concat([prev, fresh]);
  return joined.subarray(Math.max(0, joined.length - TAIL_BYTES));
}

/** Times findCopy looks at the directory again when names vanished under it (logrotate shifting generations). */
const LOOKS = 3;

/**
 * The copy of `file` that continues what was read: a sibling named `FILE.N` or `FILE-…`, not
 * compressed, not the file itself, at least `pos` bytes long, whose bytes just before `pos` equal
 * `tail` (the last bytes read). The newest such file wins. Null when none matches (no copy yet,
 * already compressed, moved, or a plain `: > FILE` truncation).
 *
 * Each name is opened before it is looked at, and the copy is handed over open: logrotate may
 * rename generations (`.1` → `.2` …) at any moment, and an open file is the same file under any
 * name. A name listed and gone before it could be opened means that is happening now: the copy
 * may have moved from a name not yet opened to one already opened, so the directory is read again
 * (measured: a follower that noticed a truncation during the next rotation's shift lost the rest
 * of the copy between the listing and a stat; a rename between finding the copy and reading it,
 * by name then, would have lost it the same way).
 */
export function findCopy(file: string, heldIno: number, pos: number, tail: Buffer): FoundCopy | null {
  if (pos <= 0 || tail.length === 0) return null; // nothing read: nothing to recognise the copy by
  for (let look = 0; look < LOOKS; look++) {
    const { found, moved } = lookForCopy(file, heldIno, pos, tail);
    if (found !== null || !moved) return found;
  }
  return null;
}

/** One look at the directory (findCopy); `moved`: some name was gone before it could be opened. */
function lookForCopy(file: string, heldIno: number, pos: number, tail: Buffer): { found: FoundCopy | null; moved: boolean } {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return { found: null, moved: false };
  }
  let moved = false;
  const candidates: (FoundCopy & { mtimeMs: number })[] = [];
  for (const name of names) {
    if (name === base || !(name.startsWith(`${base}.`) || name.startsWith(`${base}-`)) || COMPRESSED.test(name)) continue;
    const p = path.join(dir, name);
    let fd: number;
    try {
      // Non-blocking: a FIFO of that name must not hang the follower (it is no copy: fstat says so).
      fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch {
      moved = true; // gone between readdir and open (logrotate moving generations)
      continue;
    }
    try {
      const st = fs.fstatSync(fd);
      if (st.isFile() && st.ino !== heldIno && st.size >= pos) {
        candidates.push({ path: p, size: st.size, fd, mtimeMs: st.mtimeMs });
        continue;
      }
    } catch {
      // unreadable: not a copy
    }
    fs.closeSync(fd);
  }
  candidates.sort((a, b) => b.mtimeMs - a.mtimeMs);
  let found: FoundCopy | null = null;
  for (const c of candidates) {
    if (found === null && fdHoldsAt(c.fd, pos - tail.length, tail)) found = c;
    else fs.closeSync(c.fd);
  }
  return { found, moved };
}

/** Whether the open file holds `expected` at offset `at` (false when it cannot be read). */
export function fdHoldsAt(fd: number, at: number, expected: Buffer): boolean {
  try {
    const got = Buffer.alloc(expected.length);
    const n = fs.readSync(fd, got, 0, got.length, at);
    return n === expected.length && got.equals(expected);
  } catch {
    return false;
  }
}

/** Reads `[from, to)` of the open file `fd` in 1 MiB chunks; returns how many bytes were read. */
export function readRange(fd: number, from: number, to: number, onChunk: (chunk: Buffer) => void): number {
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  let pos = from;
  while (pos < to) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, to - pos), pos);
    if (n <= 0) break;
    onChunk(buf.subarray(0, n));
    pos += n;
  }
  return pos - from;
}
