/**
 * The SIMD line scanner (lineScan.wat) against LineSplitter's JS loop: the same lines, bytes and
 * flags on lines built to hit every lane, block edge and chunk edge with newlines, control bytes,
 * CRs and both needles (whole, cut short, split by a newline), and on a chunk larger than a
 * scan region. The committed module must be what lineScan.wat compiles to.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LineIntake } from '../../src/scan/lineIntake.js';
import { IncidentEngine } from '../../src/engine/incidentEngine.js';
import { MAX_NEEDLES, MEMORY_PAGES, NEEDLE_MAX_BYTES, REGION_BYTES, SCAN_BYTES, scanMemory, SimdLineScanner } from '../../src/sources/lineScan.js';
import { LineSplitter, type ByteLineConsumer } from '../../src/sources/lineSplitter.js';
import { LocalClock } from '../../src/parse/localTime.js';
import { FailureScreen, NginxByteScanner, SCAN_CANDIDATE } from '../../src/parse/nginx/screen.js';
import { patterns, REPO } from '../core/helpers.js';

const NEEDLES = [Buffer.from('upstream'), Buffer.from('could not be resolved')];

/** `n:flags:text` per line; `mask` keeps the flags both loops compute (LINE_SAME_HEAD is the SIMD scan's alone). */
function collect(chunks: Buffer[], simd: boolean, mask = 15, needles = NEEDLES, plainPrefixes: Buffer[] = []): string[] {
  const out: string[] = [];
  const consumer: ByteLineConsumer = {
    needles,
    plainPrefixes,
    ingestLineBytes: (_s, n, buf, start, end, flags) => out.push(`${n}:${flags & mask}:${buf.toString('latin1', start, end)}`),
  };
  const splitter = new LineSplitter('t', consumer, { simd });
  for (const c of chunks) splitter.push(c);
  splitter.end();
  return out;
}

/** Deterministic pseudo-random lines over an alphabet that makes needle candidates common. */
function corpus(bytes: number, seed: number): Buffer {
  let x = seed;
  const rnd = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const pieces = ['upstream', 'could not be resolved', 'upstrea', 'could not be resolve', 'u', 'm', 'c', 'd', 'up\nstream', 'could\nnot be resolved', '\r', '\t', '\x1b', '\x00', '\x08', '\x0e', '\x1a', '\x1b[31m', 'é', ' ', 'x'];
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    let line = '';
    const len = rnd(5) === 0 ? rnd(400) : rnd(40);
    while (line.length < len) line += pieces[rnd(pieces.length)];
    parts.push(line);
    n += line.length + 1;
  }
  return Buffer.from(parts.join('\n'), 'latin1');
}

function chunked(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, k = 0; at < data.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('SIMD line scanner', () => {
  it('loads on this Node and takes the engine\'s needles (else postmortems silently take the JS loop)', () => {
    expect(SimdLineScanner.create(new LineIntake(new IncidentEngine({ tz: 'UTC', patterns: patterns() }), { tz: 'UTC' }).needles)).not.toBeNull();
    expect(SimdLineScanner.create([Buffer.from('x'.repeat(NEEDLE_MAX_BYTES + 1))])).toBeNull();
    expect(SimdLineScanner.create(Array.from({ length: MAX_NEEDLES + 1 }, (_, k) => Buffer.from(`n${k}`)))).toBeNull();
  });

  it('its memory is made at full size and never grown: a grow detaches an ArrayBuffer, which slows every typed-array access of the thread', () => {
    // Memory.prototype.grow, watched: the module's memory used to start at one page and grow to fit.
    const grow = vi.spyOn(WebAssembly.Memory.prototype, 'grow');
    try {
      const scanner = SimdLineScanner.create(NEEDLES)!;
      const chunk = Buffer.from('upstream x\ncould not be resolved\n'.repeat(1000));
      chunk.copy(scanner.regions[1]);
      expect(scanner.scan(scanner.regions[1].subarray(0, chunk.length))).toBe(2000);
      expect(scanner.scan(chunk)).toBe(2000);
      expect(grow).not.toHaveBeenCalled();
      // Every part it writes fits: its regions, table and markers are views of that one memory.
      expect(scanner.regions[0].buffer.byteLength).toBe(MEMORY_PAGES * 65536);
      expect(scanner.table.buffer).toBe(scanner.regions[0].buffer);
    } finally {
      grow.mockRestore();
    }
  });

  it('works in a memory it is given, whose bytes after its own are the caller\'s, and copies into them inside the module', () => {
    const memory = scanMemory(3 * 65536 + 5)!;
    expect(memory.buffer.byteLength).toBe(SCAN_BYTES + 4 * 65536);
    const scanner = SimdLineScanner.create(NEEDLES, [], memory)!;
    expect(scanner.regions[0].buffer).toBe(memory.buffer);
    const lines = Buffer.from('upstream x\nplain\ncould not be resolved\n');
    lines.copy(scanner.regions[0]);
    expect(scanner.scan(scanner.regions[0].subarray(0, lines.length))).toBe(3);
    // The caller's part: a line copied there from the region, at an offset, by memory.copy.
    const mine = Buffer.from(memory.buffer, SCAN_BYTES, 4 * 65536);
    expect(scanner.copyWithin(scanner.regions[0], 11, 17, mine, 1000)).toBe(true);
    expect(mine.toString('latin1', 1000, 1006)).toBe('plain\n');
    // Not both in its memory, or past the end of `dst`: nothing copied, the caller copies.
    expect(scanner.copyWithin(lines, 0, 5, mine, 0)).toBe(false);
    expect(scanner.copyWithin(scanner.regions[0], 0, 5, Buffer.alloc(10), 0)).toBe(false);
    expect(scanner.copyWithin(scanner.regions[0], 0, 11, mine.subarray(0, 20), 10)).toBe(false);
    expect(mine[0]).toBe(0);
    // Too small a memory for its regions and tables: no scanner (the JS loop then).
    expect(SimdLineScanner.create(NEEDLES, [], { buffer: new SharedArrayBuffer(65536) })).toBeNull();
  });

  it('needles are data: any set it takes is flagged as the JS loop flags it (one byte, the longest, several sharing a first byte)', () => {
    const long = 'could not be resolved upstream could not be resolved'.slice(0, NEEDLE_MAX_BYTES);
    // The longest needle whole at every lane, cut short, and split by a newline.
    const extra = Array.from({ length: 40 }, (_, k) => `${'x'.repeat(k)}${k % 3 === 0 ? long.slice(0, -1) : k % 3 === 1 ? `${long.slice(0, 9)}\n${long.slice(9)}` : long}`);
    const data = Buffer.concat([corpus(300_000, 3), Buffer.from(`\n${extra.join('\n')}\n`, 'latin1')]);
    const sets = [
      [Buffer.from('u')],
      [Buffer.from('could not be resolved'), Buffer.from('upstream'), Buffer.from('up'), Buffer.from('\x1b[31m')],
      [Buffer.from(long)],
      [Buffer.from('stream'), Buffer.from('é', 'latin1')],
    ];
    for (const needles of sets) {
      // The SIMD scan really runs for these needles (it has its regions), not the JS loop in its place.
      expect(new LineSplitter('t', { needles, ingestLineBytes: () => undefined }).readBuffers()).not.toBeNull();
      const expected = collect([data], false, 15, needles);
      expect(expected.some((l) => (Number(l.split(':')[1]) & 2) !== 0)).toBe(true);
      for (const sizes of [[data.length], [15, 16, 17]]) expect(collect(chunked(data, sizes), true, 7, needles)).toEqual(collect(chunked(data, sizes), false, 15, needles));
    }
  });

  it('flags every line as the JS loop does, whatever the chunking', () => {
    const data = corpus(600_000, 42);
    const expected = collect([data], false);
    expect(expected.length).toBeGreaterThan(10_000);
    // The corpus reaches every flag combination.
    for (const f of [0, 1, 2, 3]) expect(expected.some((l) => l.split(':')[1] === String(f))).toBe(true);
    // A line carried over a chunk edge is flagged LINE_UNSCANNED by both: same chunks, same answer.
    for (const sizes of [[data.length], [1], [15, 16, 17], [4099, 31, 65_537]]) {
      const chunks = chunked(data, sizes);
      expect(collect(chunks, true, 7)).toEqual(collect(chunks, false));
    }
    expect(collect([data], true, 7)).toEqual(expected);
  });

  it('a chunk larger than a scan region is scanned in pieces, lines across the seam intact', () => {
    const data = corpus(REGION_BYTES * 2 + 1000, 7);
    expect(data.length).toBeGreaterThan(REGION_BYTES * 2);
    // As if the reader had cut it there: the line across each seam is put together (UNSCANNED).
    const simd = collect([data], true, 7);
    expect(simd).toEqual(collect(chunked(data, [REGION_BYTES]), false));
    expect(simd.map((l) => l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1)).join('\n')).toBe(data.toString('latin1').replace(/\r(?=\n|$)/g, ''));
  });

  it('marks a line LINE_SAME_HEAD only when it repeats the previous stamp with a header the byte scanner passes, and holds no needle', () => {
    const T = '2024/03/10 00:30:00';
    const lines = [
      `${T} [error] 1#1: *5 access forbidden by rule`, // first of the chunk: nothing before it
      `${T} [warn] 12#3: *6 a plain line`, // same stamp
      `${T} [info] 1#1: *7 client prematurely closed connection while reading upstream`, // needle: the screen decides
      `${T} [error] 1#1: *8 connect() failed (111: Connection refused) while connecting to upstream`, // needle, a failure
      `2024/03/10 00:30:01 [error] 1#1: *9 next second`, // new stamp
      `2024/03/10 00:30:01 [errorr] 1#1: *9 bad level`,
      `2024/03/10 00:30:01 [notice] 1#1: *9 notice`,
      `2024/03/10 00:30:01 [warn] 1#1: *9 an upstream response is buffered to a temporary file /tmp/1 while reading upstream, client: 1.2.3.4`,
      `2024/03/10 00:30:01 [warn] 1#1: *9 an upstream response is buffered to a temporary file /tmp/1 (13: Permission denied) while reading upstream`,
      `2024/03/10 00:30:01 [crit] 1#1:`, // ends at the colon
      `2024/03/10 00:30:01 [crit] 1#1: \x01 control byte`,
    ];
    const data = [Buffer.from(lines.join('\n') + '\n', 'latin1')];
    const got = collect(data, true).map((l) => Number(l.split(':')[1]) & 8);
    expect(got).toEqual([0, 8, 0, 0, 0, 0, 8, 0, 0, 0, 0]);
    // With the client leaving as a plain prefix (the engine's), that needle line joins the run; no other does.
    const plain = [Buffer.from('client prematurely closed'), Buffer.from('client timed out')];
    expect(collect(data, true, 15, NEEDLES, plain).map((l) => Number(l.split(':')[1]) & 8)).toEqual([0, 8, 8, 0, 0, 0, 8, 0, 0, 0, 0]);
    // A prefix is matched whole and inside the line, after `*CONN ` or none.
    const edge = [
      `${T} [error] 1#1: *5 access forbidden by rule`,
      `${T} [info] 1#1: client prematurely closed upstream`,
      `${T} [info] 1#1: *5 client prematurely close upstream`,
      `${T} [info] 1#1: *x5 client prematurely closed upstream`,
      `${T} [info] 1#1: *1234567890123456 client prematurely closed upstream`,
      `${T} [info] 1#1: *5 client prematurely closed`, // no needle at all
      `${T} [info] 1#1: *5 client prematurely closed upstream`,
    ];
    expect(collect([Buffer.from(edge.join('\n') + '\n', 'latin1')], true, 15, NEEDLES, plain).map((l) => Number(l.split(':')[1]) & 8)).toEqual([0, 8, 0, 0, 0, 8, 8]);
  });

  it('a chunk that begins inside a line: the tail there is no stamp for the next line to repeat', () => {
    // A line read in two chunks, cut just where its message quotes a stamp: the second chunk then
    // begins with bytes like a header, and the line after looks like it repeats them.
    const S = '2024/03/10 00:30:05';
    const head = `2024/03/10 00:30:01 [error] 1#1: *5 the request said `;
    const rest = `${S} [error] 1#1: *5 in its body\n${S} [warn] 1#1: *6 a plain line\n`;
    const chunks = [Buffer.from(head, 'latin1'), Buffer.from(rest, 'latin1')];
    expect(collect(chunks, true).map((l) => Number(l.split(':')[1]) & 8)).toEqual([0, 0]);
    // So the plain line is counted at its own time, as when the file is read in one chunk.
    const newestLine = (parts: Buffer[]) => {
      const engine = new IncidentEngine({ tz: 'UTC', patterns: patterns() });
      const intake = new LineIntake(engine, engine.lineWindow);
      const splitter = new LineSplitter('t', intake);
      for (const c of parts) splitter.push(c);
      splitter.end();
      intake.flush();
      return engine.logSpan()?.last;
    };
    expect(newestLine(chunks)).toBe(Date.UTC(2024, 2, 10, 0, 30, 5));
    expect(newestLine([Buffer.concat(chunks)])).toBe(Date.UTC(2024, 2, 10, 0, 30, 5));
  });

  it('marks a needle line LINE_HEAD_OK, with where its `PID#TID: ` ends, when it repeats the previous stamp with a header the byte scanner passes and starts with no plain prefix', () => {
    const T = '2024/03/10 00:30:00';
    const plain = [Buffer.from('client prematurely closed'), Buffer.from('client timed out')];
    const lines = [
      `${T} [error] 1#1: *5 access forbidden by rule`, // first of the chunk: nothing before it
      `${T} [error] 1001#1000: *100000 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4`,
      `${T} [notice] 12#345: upstream server temporarily disabled`, // no *CONN
      `${T} [warn] 1#1: *x5 upstream timed out`, // an odd *CONN: still a candidate for the screen
      `${T} [info] 1#1: *7 client prematurely closed connection while reading upstream`, // plain: LINE_SAME_HEAD
      `${T} [crit] 1#1: *8 upstream`,
      `${T} [errorr] 1#1: *8 upstream bad level`,
      `${T} [error] 1#x: *8 upstream bad tid`,
      `${T} [error] 1#1:upstream no space`,
      `${T} [error] 1234567890123#12345678901234: *8 upstream ids too long`,
      `2024/03/10 00:30:01 [error] 1#1: *9 upstream next second`, // new stamp
      `2024/03/10 00:30:01 [error] 1#1: *9 could not be resolved`,
      `2024/03/10 00:30:01 [error] 1#1: *9 no needle here`,
      `2024/03/10 00:30:01 [error] 1#1: *9 upstream \x01 control byte`,
    ];
    const data = Buffer.from(lines.join('\n') + '\n', 'latin1');
    const got: [number, number][] = [];
    const consumer: ByteLineConsumer = { needles: NEEDLES, plainPrefixes: plain, ingestLineBytes: (_s, _n, _b, _st, _e, flags, afterIds) => got.push([flags & 24, afterIds ?? 0]) };
    const splitter = new LineSplitter('t', consumer, { simd: true });
    splitter.push(data);
    splitter.end();
    const screen = new NginxByteScanner(new LocalClock('UTC'), new FailureScreen());
    screen.screenMessages = false;
    const afterIdsOf = (line: string) => {
      const buf = Buffer.from(line, 'latin1');
      expect(screen.scan(buf, 0, buf.length, true)).toBe(SCAN_CANDIDATE);
      return screen.scanned.afterIds;
    };
    const ok = (k: number): [number, number] => [16, afterIdsOf(lines[k]!)];
    expect(got).toEqual([[0, 0], ok(1), ok(2), ok(3), [8, 0], ok(5), [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], ok(11), [8, 0], [0, 0]]);
    expect(got[1]![1]).toBe(`${T} [error] 1001#1000: `.length);
  });

  it('the committed module is what lineScan.wat compiles to', () => {
    // Exits 1 with "out of date" when someone edits the .wat without `npm run build:wasm`.
    expect(() => execFileSync(process.execPath, [path.join(REPO, 'scripts/build-wasm.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
