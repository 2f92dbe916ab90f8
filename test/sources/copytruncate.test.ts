/**
 * copytruncate rotation under followLog, for real: a writer process appending numbered lines at
 * ~2,000 lines/s (O_APPEND, one write per line, as nginx does) and real `logrotate` with
 * `copytruncate` run again and again. Every line a file still held when the follower noticed the
 * truncation must arrive exactly once, in order; the only lines allowed to be missing are those
 * written between logrotate's copy and its truncate (in no file at all), and the follower's
 * count of unrecoverable bytes never exceeds them. Two in-process cases pin the count exactly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sourceStatusLine } from '../../src/report/liveLines.js';
import { followLog, type LogFollowHandle } from '../../src/sources/tailLog.js';
import { sourceText } from '../../src/ui/view/Header.js';
import { formatCount } from '../../src/util/count.js';
import { waitFor } from '../support/wait.js';

const handles: LogFollowHandle[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpLog(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rd-ctrunc-'));
  dirs.push(dir);
  return path.join(dir, 'error.log');
}

/** `n=000042 …` padded to a log-like 72 bytes with its newline. */
const numbered = (n: number) => `n=${String(n).padStart(6, '0')} connect() failed (111: Connection refused) xxxxxxxxxxxxxxxxxxxxxx`;
const numberOf = (line: string) => Number(/^n=(\d{6}) /.exec(line)?.[1] ?? NaN);

describe('copytruncate: what the file held is read from the copy', () => {
  it('reads the rest from error.log.1 and counts exactly the bytes written after the copy', async () => {
    const file = tmpLog();
    fs.writeFileSync(file, '');
    const got: string[] = [];
    let rotated = false;
    const total = 20_000; // 1.4 MB in one write: the follower reads it 64 KiB at a time
    const copyLines = 12_000;
    const copyBytes = copyLines * (numbered(1).length + 1);
    const block = Array.from({ length: total }, (_, i) => `${numbered(i + 1)}\n`).join('');
    const h = followLog(file, (_s, _n, text) => {
      got.push(text);
      if (!rotated) {
        // At the first line (the follower has seen the size and read one buffer), logrotate's
        // copytruncate happens as it would between two reads: a copy of the first 12,000 lines
        // (the rest was "written after the copy"), the truncate, and the writer going on at 0.
        rotated = true;
        fs.writeFileSync(`${file}.1`, block.slice(0, copyBytes));
        fs.truncateSync(file, 0);
        fs.appendFileSync(file, 'after1\nafter2\n');
      }
    });
    handles.push(h);
    await h.ready;
    fs.appendFileSync(file, block);
    await waitFor(() => got.length, (n) => n >= copyLines + 2, { what: 'lines from the copy and after', timeoutMs: 20_000 });
    expect(got.slice(0, copyLines).map(numberOf)).toEqual(Array.from({ length: copyLines }, (_, i) => i + 1));
    expect(got.slice(copyLines)).toEqual(['after1', 'after2']);
    expect(h.status().unrecoveredBytes).toBe(block.length - copyBytes);
    // Shown where a source's health is: stderr in lines mode, the header on screen.
    const n = formatCount(block.length - copyBytes);
    expect(sourceStatusLine(h.status())).toBe(`restartdoctor: ${file}: following; copytruncate: ~${n} bytes written between copy and truncate could not be recovered`);
    expect(sourceText(h.status())).toBe(`error.log ok ${formatCount(copyLines + 2)} lines, ~${n} B lost in rotation`);
  });

  it('without a copy (`: > error.log`), counts what was seen and not read', async () => {
    const file = tmpLog();
    fs.writeFileSync(file, '');
    const got: string[] = [];
    let rotated = false;
    const block = Array.from({ length: 20_000 }, (_, i) => `${numbered(i + 1)}\n`).join('');
    const h = followLog(file, (_s, _n, text) => {
      got.push(text);
      if (!rotated) {
        rotated = true;
        fs.truncateSync(file, 0);
        fs.appendFileSync(file, 'after1\n');
      }
    });
    handles.push(h);
    await h.ready;
    fs.appendFileSync(file, block);
    await waitFor(() => got.at(-1), (l) => l === 'after1', { what: 'the line after the truncation' });
    // What was delivered before the truncation: whole lines plus the cut one at the buffer's end.
    const before = got.slice(0, -1);
    const readBytes = before.reduce((sum, l) => sum + l.length + 1, 0) - (before.at(-1)!.length === numbered(1).length ? 0 : 1);
    expect(before.slice(0, -1).map(numberOf)).toEqual(Array.from({ length: before.length - 1 }, (_, i) => i + 1));
    expect(h.status().unrecoveredBytes).toBe(block.length - readBytes);
    expect(h.status().unrecoveredBytes).toBeGreaterThan(0);
  });
});

describe('copytruncate noticed late', () => {
  it('a file truncated and written past the old read position again is read from 0, not from the middle', async () => {
    const file = tmpLog();
    fs.writeFileSync(file, '');
    const got: string[] = [];
    const h = followLog(file, (_s, _n, text) => got.push(text));
    handles.push(h);
    await h.ready;
    fs.appendFileSync(file, Array.from({ length: 100 }, (_, i) => `${numbered(i + 1)}\n`).join(''));
    await waitFor(() => got.length, (n) => n === 100, { what: 'the first 100 lines' });
    // All in one turn of this process's event loop, so the follower sees none of it happen:
    // copy, truncate, and 300 new lines, far past where it had read to.
    fs.copyFileSync(file, `${file}.1`);
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, Array.from({ length: 300 }, (_, i) => `${numbered(101 + i)}\n`).join(''));
    await waitFor(() => got.length, (n) => n >= 400, { what: 'the 300 new lines' });
    expect(got.map(numberOf)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(h.status().unrecoveredBytes ?? 0).toBe(0);
  });

  it('a truncation noticed while lines already read wait to be delivered: each is delivered, one by one', async () => {
    const file = tmpLog();
    fs.writeFileSync(file, '');
    const got: string[] = [];
    const h = followLog(file, (_s, _n, text) => {
      got.push(text);
      // The first of 300 lines read at once (one read): the follower delivers one per turn of the
      // event loop. Truncate now, with no copy, and make a directory event that has it read on.
      if (got.length === 1) {
        fs.truncateSync(file, 0);
        fs.writeFileSync(path.join(path.dirname(file), 'other'), '');
      }
    });
    handles.push(h);
    await h.ready;
    fs.appendFileSync(file, Array.from({ length: 300 }, (_, i) => `${numbered(i + 1)}\n`).join(''));
    await waitFor(() => got.length, (n) => n >= 300, { what: 'the 300 lines' });
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map(numberOf)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // Every line was read before the truncation: nothing is counted as lost.
    expect(h.status().unrecoveredBytes ?? 0).toBe(0);
  });
});

const WRITER = `
const fs = require('fs');
const [file, rate, seconds, doneFile] = process.argv.slice(1);
const fd = fs.openSync(file, 'a');
const pad = (n) => String(n).padStart(6, '0');
const start = Date.now();
let n = 0;
const tick = () => {
  const elapsed = Date.now() - start;
  const due = Math.min(Math.floor((elapsed * Number(rate)) / 1000), Number(rate) * Number(seconds));
  while (n < due) { n++; fs.writeSync(fd, 'n=' + pad(n) + ' connect() failed (111: Connection refused) xxxxxxxxxxxxxxxxxxxxxx\\n'); }
  if (n >= Number(rate) * Number(seconds)) { fs.writeFileSync(doneFile, String(n)); process.exit(0); }
  setTimeout(tick, 1);
};
tick();
`;

function logrotateBinary(): string | null {
  for (const p of ['/usr/sbin/logrotate', '/sbin/logrotate', '/usr/bin/logrotate']) if (fs.existsSync(p)) return p;
  return null;
}

describe('copytruncate with real logrotate and a 2,000 lines/s writer', () => {
  it('receives every line the files held exactly once, in order; only lines in no file may be missing', async (ctx) => {
    const logrotate = logrotateBinary();
    if (!logrotate) {
      if (process.env.CI) throw new Error('logrotate is not installed (apt-get install -y logrotate)');
      console.warn('[skip] logrotate is not installed (apt-get install -y logrotate)');
      ctx.skip();
      return;
    }
    const file = tmpLog();
    const dir = path.dirname(file);
    fs.writeFileSync(file, '');
    const conf = path.join(dir, 'logrotate.conf');
    fs.writeFileSync(conf, `${file} {\n  copytruncate\n  rotate 1000\n  missingok\n  nocompress\n}\n`, { mode: 0o644 });
    const got: number[] = [];
    const h = followLog(file, (_s, _n, text) => got.push(numberOf(text)));
    handles.push(h);
    await h.ready;

    const rate = 2000;
    const seconds = 8;
    const doneFile = path.join(dir, 'writer.done');
    const writer = spawn(process.execPath, ['-e', WRITER, file, String(rate), String(seconds), doneFile], { stdio: 'ignore' });
    let rotations = 0;
    try {
      // Rotate whenever a few hundred lines have arrived since the last rotation, until the writer ends.
      while (!fs.existsSync(doneFile)) {
        const seen = got.length;
        await waitFor(() => got.length - seen >= 300 || fs.existsSync(doneFile), Boolean, { what: 'lines between rotations', timeoutMs: 20_000 });
        if (fs.existsSync(doneFile)) break;
        // Asynchronously: the follower runs in this process and must keep reading meanwhile.
        await promisify(execFile)(logrotate, ['-f', '-s', path.join(dir, 'state'), conf]);
        rotations++;
      }
    } finally {
      writer.kill();
    }
    const written = Number(fs.readFileSync(doneFile, 'utf8'));
    expect(written).toBe(rate * seconds);
    expect(rotations).toBeGreaterThanOrEqual(10);

    // What the files hold now: the live file and every copy logrotate made.
    const held = new Set<number>();
    for (const name of fs.readdirSync(dir).filter((n) => n.startsWith('error.log'))) {
      for (const line of fs.readFileSync(path.join(dir, name), 'utf8').split('\n')) if (line) held.add(numberOf(line));
    }
    const last = Math.max(...held);
    await waitFor(() => got.at(-1), (n) => n === last, { what: `the last line (${last})`, timeoutMs: 20_000 });

    // Exactly once and in order.
    for (let i = 1; i < got.length; i++) expect(got[i]!, `line ${got[i]} after ${got[i - 1]}`).toBeGreaterThan(got[i - 1]!);
    // Every line a file holds was received.
    const received = new Set(got);
    const notReceived = [...held].filter((n) => !received.has(n));
    if (notReceived.length) {
      // Where the first line not received sits: which file, and what arrived around it.
      const k = notReceived[0]!;
      const i = got.findIndex((n) => n > k);
      console.log('around', got.slice(Math.max(0, i - 5), i + 5));
      for (const name of fs.readdirSync(dir).filter((n) => n.startsWith('error.log'))) {
        const ns = fs.readFileSync(path.join(dir, name), 'utf8').split('\n').filter(Boolean).map(numberOf);
        if (ns.some((n) => Math.abs(n - k) < 400)) console.log(name, ns[0], ns.at(-1), ns.length, fs.statSync(path.join(dir, name)).size);
      }
    }
    expect(notReceived, 'lines still in a file but never received').toEqual([]);
    // Missing: written, in no file, not received — logrotate's copy→truncate window, nothing else.
    const missing: number[] = [];
    for (let n = 1; n <= written; n++) if (!held.has(n) && !received.has(n)) missing.push(n);
    const runs = missing.filter((n, i) => i === 0 || missing[i - 1] !== n - 1).length;
    expect(runs, `missing lines ${missing.slice(0, 20).join(',')}`).toBeLessThanOrEqual(rotations);
    const missingBytes = missing.length * (numbered(1).length + 1);
    expect(h.status().unrecoveredBytes ?? 0).toBeLessThanOrEqual(missingBytes);
    console.log(`copytruncate: ${written} lines, ${rotations} rotations, ${got.length} received, ${missing.length} in no file and not received (${missingBytes} B), counted ${h.status().unrecoveredBytes ?? 0} B`);
  }, 60_000);
});
