/**
 * findCopy while logrotate shifts generations (`.1` → `.2` …): a copy renamed from a name not yet
 * looked at to one already looked at is still found, because a name that vanished between the
 * directory listing and its opening makes findCopy look again; and a copy renamed after it was
 * found is still read, since it is handed over open. Each rename is made to happen exactly in its
 * window, as both did under a real logrotate in CI.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findCopy, readRange, type FoundCopy } from '../../src/sources/copytruncate.js';

const dirs: string[] = [];
const open: number[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const fd of open.splice(0)) fs.closeSync(fd);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** What findCopy found, without its descriptor (closed after the test), or null. */
function seen(found: FoundCopy | null): { path: string; size: number } | null {
  if (found === null) return null;
  open.push(found.fd);
  return { path: found.path, size: found.size };
}

/** The bytes of the found copy from `pos` to its end, read through its descriptor. */
function rest(found: FoundCopy, pos: number): string {
  const parts: Buffer[] = [];
  readRange(found.fd, pos, found.size, (chunk) => parts.push(Buffer.from(chunk)));
  return Buffer.concat(parts).toString();
}

function setup(): { file: string; copy: string; ino: number; pos: number; tail: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-findcopy-'));
  dirs.push(dir);
  const file = path.join(dir, 'error.log');
  const held = Array.from({ length: 200 }, (_, i) => `line ${i + 1}\n`).join('');
  // The copy logrotate made of the held file, which is then truncated and written again.
  fs.writeFileSync(`${file}.1`, held);
  fs.writeFileSync(file, 'after the truncate\n');
  const pos = 1000;
  return { file, copy: `${file}.1`, ino: fs.statSync(file).ino, pos, tail: Buffer.from(held.slice(pos - 256, pos)) };
}

describe('findCopy', () => {
  it('finds the copy by its bytes before the read position', () => {
    const s = setup();
    expect(seen(findCopy(s.file, s.ino, s.pos, s.tail))).toEqual({ path: s.copy, size: fs.statSync(s.copy).size });
  });

  it('finds it when logrotate renames it between the listing and its opening (it looks again)', () => {
    const s = setup();
    const moved = `${s.file}.2`;
    const openSync = fs.openSync;
    let renamed = false;
    vi.spyOn(fs, 'openSync').mockImplementation(((p: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
      // The next rotation's shift, right between readdir and this open.
      if (!renamed && String(p) === s.copy) {
        renamed = true;
        fs.renameSync(s.copy, moved);
      }
      return openSync(p, flags, mode);
    }) as typeof fs.openSync);
    expect(seen(findCopy(s.file, s.ino, s.pos, s.tail))).toEqual({ path: moved, size: fs.statSync(moved).size });
    expect(renamed).toBe(true);
  });

  it('reads it when logrotate renames it after it was found (it is handed over open)', () => {
    const s = setup();
    const found = findCopy(s.file, s.ino, s.pos, s.tail)!;
    open.push(found.fd);
    // The next rotation's shift, between finding the copy and reading the rest of it.
    fs.renameSync(s.copy, `${s.file}.2`);
    expect(rest(found, s.pos)).toBe(fs.readFileSync(`${s.file}.2`, 'utf8').slice(s.pos));
    expect(rest(found, s.pos)).toMatch(/\nline 200\n$/);
  });

  it('passes over a FIFO of a copy\'s name without waiting for a writer', () => {
    const s = setup();
    execFileSync('mkfifo', [`${s.file}.fifo`]);
    expect(seen(findCopy(s.file, s.ino, s.pos, s.tail))).toEqual({ path: s.copy, size: fs.statSync(s.copy).size });
  });
});
