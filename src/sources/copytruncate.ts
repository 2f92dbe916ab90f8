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

export interface FoundCopy {
  path: string;
  size: number;
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
 * A name listed and gone before it was looked at means logrotate is renaming generations
 * (`.1` → `.2` …) right now: the copy may have moved from a name not yet looked at to one already
 * looked at, so the directory is read again (measured: a follower that noticed a truncation during
 * the next rotation's shift lost the rest of the copy).
 */
export function findCopy(file: string, heldIno: number, pos: number, tail: Buffer): FoundCopy | null {
  if (pos <= 0 || tail.length === 0) return null; // nothing read: nothing to recognise the copy by
  for (let look = 0; look < LOOKS; look++) {
    const { found, moved } = lookForCopy(file, heldIno, pos, tail);
    if (found !== null || !moved) return found;
  }
  return null;
}

/** One look at the directory (findCopy); `moved`: some name was gone before it could be looked at. */
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
  const candidates: { path: string; size: number; mtimeMs: number }[] = [];
  for (const name of names) {
    if (name === base || !(name.startsWith(`${base}.`) || name.startsWith(`${base}-`)) || COMPRESSED.test(name)) continue;
    const p = path.join(dir, name);
    try {
      const st = fs.statSync(p);
      if (st.isFile() && st.ino !== heldIno && st.size >= pos) candidates.push({ path: p, size: st.size, mtimeMs: st.mtimeMs });
    } catch {
      moved = true; // gone between readdir and stat (logrotate moving generations)
    }
  }
  candidates.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const c of candidates) if (sameBytesAt(c.path, pos - tail.length, tail)) return { found: { path: c.path, size: c.size }, moved };
  return { found: null, moved };
}

function sameBytesAt(file: string, at: number, expected: Buffer): boolean {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r');
    return fdHoldsAt(fd, at, expected);
  } catch {
    return false;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
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

/** Reads `[from, to)` of `file` in 1 MiB chunks; returns how many bytes were read. */
export function readRange(file: string, from: number, to: number, onChunk: (chunk: Buffer) => void): number {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    let pos = from;
    while (pos < to) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, to - pos), pos);
      if (n <= 0) break;
      onChunk(buf.subarray(0, n));
      pos += n;
    }
    return pos - from;
  } finally {
    fs.closeSync(fd);
  }
}
