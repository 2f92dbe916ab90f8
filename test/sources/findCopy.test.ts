/**
 * findCopy while logrotate shifts generations (`.1` → `.2` …): a copy renamed from a name not yet
 * looked at to one already looked at is still found, because a name that vanished between the
 * directory listing and its stat makes findCopy look again. The rename is made to happen exactly
 * in that window (on the stat of the copy's old name), as it did under a real logrotate in CI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findCopy } from '../../src/sources/copytruncate.js';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

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
    expect(findCopy(s.file, s.ino, s.pos, s.tail)).toEqual({ path: s.copy, size: fs.statSync(s.copy).size });
  });

  it('finds it when logrotate renames it between the listing and its stat (it looks again)', () => {
    const s = setup();
    const moved = `${s.file}.2`;
    const stat = fs.statSync;
    let renamed = false;
    vi.spyOn(fs, 'statSync').mockImplementation(((p: fs.PathLike, o?: fs.StatSyncOptions) => {
      // The next rotation's shift, right between readdir and this stat.
      if (!renamed && String(p) === s.copy) {
        renamed = true;
        fs.renameSync(s.copy, moved);
      }
      return stat(p, o);
    }) as typeof fs.statSync);
    expect(findCopy(s.file, s.ino, s.pos, s.tail)).toEqual({ path: moved, size: fs.statSync(moved).size });
    expect(renamed).toBe(true);
  });
});
