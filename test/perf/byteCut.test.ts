/**
 * The byte cut (parse/nginx/byteCut.ts, FailureSample.fromBytes) against the string cut it stands
 * in for (cutLine, FailureSample.fromCut) on the decoded line, line by line: real failure lines,
 * and seeded mutations of them that put markers, quotes, commas, `://`, non-ASCII and NBSP where
 * an attacker's request line, Host header or Referer can put them. Each line lies in the middle of
 * a buffer whose bytes after it look like more fields, so a read past the line's end shows.
 *
 * Where the byte cut takes a line, every value burst detection reads must be the string cut's;
 * where it leaves one to the string path it must say so (false), and it may only do that for the
 * few shapes it does not read (the test counts them: a cut that gave up on everything would pass).
 * Each case runs twice: with the field markers found by FieldMarks.find (the reference), and with
 * those the WebAssembly pass finds (SimdLineScanner.fieldMarks, as a reader thread does), which
 * must be the same markers.
 */
import { describe, expect, it } from 'vitest';
import { rng } from '../../bench/gen.js';
import { Classifier } from '../../src/parse/classify.js';
import { FailureSample } from '../../src/parse/failureSample.js';
import { LocalClock } from '../../src/parse/localTime.js';
import { ByteCut } from '../../src/parse/nginx/byteCut.js';
import { cutLine, F_UPSTREAM, LineCut } from '../../src/parse/nginx/cut.js';
import { FieldMarks } from '../../src/parse/nginx/fieldMarks.js';
import { SCAN_CANDIDATE } from '../../src/parse/nginx/screen.js';
import { SimdLineScanner } from '../../src/sources/lineScan.js';
import { AFTER, BASE, candidateScanner, mutate, T } from './failureLines.js';

interface Seen {
  kind: string | null;
  sample?: Record<string, unknown>;
}

/** Why the byte cut may leave a line to the string path: a failure without an `upstream:` field, a `*CONN ` only Number() reads, more markers than it holds. */
function stringPathExplained(strings: LineCut, text: string, afterIds: number): boolean {
  const noUpstreamField = strings.kind !== null && !(strings.fields[2 * F_UPSTREAM + 1]! > strings.fields[2 * F_UPSTREAM]!);
  const oddConn = text[afterIds] === '*' && !/^\*\d{1,15} /.test(text.slice(afterIds)) && text.indexOf(' ', afterIds) > 0;
  const manyMarkers = (text.match(/, (client|server|request|subrequest|upstream|host|referrer): /g) ?? []).length > 64;
  return noUpstreamField || oddConn || manyMarkers;
}

function sampleOf(s: FailureSample): Record<string, unknown> {
  const { time, raw, kind, errno, method, requestSent, server, host, clientHash, key } = s;
  return { time, raw, kind, errno, method, requestSent, server, host, clientHash, key, address: s.address() };
}

const clock = new LocalClock('UTC');
const scanner = candidateScanner(clock);

/** The WebAssembly pass's scanner (CI's Node has WebAssembly SIMD: no silent fallback here). */
const simd = SimdLineScanner.create([], [])!;
const wasmMarks = new FieldMarks();
const jsMarks = new FieldMarks();
type MarksFrom = 'find' | 'wasm';

/**
 * The markers of `buf[from, end)` for the byte cut: found by the cut itself (null), or by the
 * WebAssembly pass over a copy of `buf` in a scanner region (then the buffer to cut is that copy),
 * checked against FieldMarks.find first.
 */
function marksFor(buf: Buffer, from: number, end: number, how: MarksFrom): { buf: Buffer; marks: FieldMarks | null } {
  if (how === 'find') return { buf, marks: null };
  const region = simd.regions[0];
  buf.copy(region, 0);
  expect(simd.fieldMarks(region, from, end, wasmMarks)).toBe(true);
  jsMarks.find(region, from, end);
  expect(wasmMarks.n).toBe(jsMarks.n);
  for (let k = 0; k < jsMarks.n; k++) expect([wasmMarks.at[k], wasmMarks.key[k]]).toEqual([jsMarks.at[k], jsMarks.key[k]]);
  return { buf: region, marks: wasmMarks };
}

/** What each cut makes of `line`, placed at `shift` in a buffer followed by AFTER; null when it is no candidate. */
function both(line: string, shift: number, bytes: ByteCut, strings: LineCut, how: MarksFrom = 'find'): { byte: Seen | 'string-path'; string: Seen } | null {
  const body = Buffer.from(line);
  const placed = Buffer.concat([Buffer.alloc(shift, 0x2c), body, AFTER]);
  const start = shift;
  const end = shift + body.length;
  if (scanner.scan(placed, start, end, true) !== SCAN_CANDIDATE) return null;
  const { time, afterIds } = scanner.scanned;
  const { buf, marks } = marksFor(placed, start + afterIds, end, how);
  const text = buf.toString('utf8', start, end);
  expect(cutLine(strings, text, clock)).toBeNull();
  const string: Seen = { kind: strings.kind };
  if (strings.kind !== null) string.sample = sampleOf(new FailureSample().fromCut(strings, text, 'log', 7));
  if (!bytes.cut(buf, start, end, start + afterIds, time, marks)) {
    expect(stringPathExplained(strings, text, afterIds), `left to the string path: ${line}`).toBe(true);
    return { byte: 'string-path', string };
  }
  const byte: Seen = { kind: bytes.kind };
  if (bytes.kind !== null) byte.sample = sampleOf(new FailureSample().fromBytes(bytes, buf, start, end, 'log', 7));
  return { byte, string };
}

describe.each(['find', 'wasm'] as const)('the byte cut gives what the string cut gives (markers: %s)', (how) => {
  it('on real failure lines, each taken on bytes', () => {
    const bytes = new ByteCut(new Classifier());
    const strings = new LineCut(new Classifier());
    let taken = 0;
    for (const line of BASE) {
      for (const shift of [0, 1, 3, 4096]) {
        const r = both(line, shift, bytes, strings, how);
        expect(r, line).not.toBeNull();
        // A failure naming its upstream only in its message is read on the string path; every other line here is taken.
        if (r!.byte === 'string-path') continue;
        taken++;
        expect(r!.byte, line).toEqual(r!.string);
      }
    }
    // Two lines here name no upstream in a field (a resolver failure, a bare connect() failure).
    expect(taken).toBe((BASE.length - 2) * 4);
  });

  it('on seeded mutations: markers, quotes and non-ASCII where attackers put them', () => {
    const next = rng(20_261_202);
    const bytes = new ByteCut(new Classifier());
    const strings = new LineCut(new Classifier());
    let taken = 0;
    let failures = 0;
    let candidates = 0;
    for (let round = 0; round < 20_000; round++) {
      const line = mutate(BASE[round % BASE.length]!, next, 1 + Math.floor(next() * 6));
      const r = both(line, Math.floor(next() * 9), bytes, strings, how);
      if (r === null) continue;
      candidates++;
      if (r.byte === 'string-path') continue;
      taken++;
      if (r.byte.kind !== null) failures++;
      expect(r.byte, `round ${round}: ${line}`).toEqual(r.string);
    }
    expect(candidates).toBeGreaterThan(15_000);
    expect(taken / candidates).toBeGreaterThan(0.7);
    expect(failures).toBeGreaterThan(5_000);
  });

  it('messages the memo keeps under one key (same length, same first, middle and last byte) are each read right, in turn', () => {
    // nginx's own pair, then six refusals that differ only in their errno: more than a key holds.
    const pair = ['upstream sent invalid header while reading response header from upstream', 'upstream sent too big header while reading response header from upstream'];
    const errnos = ['111', '112', '113', '110', '104', '101'].map((n) => `connect() failed (${n}: Connection refused) while connecting to upstream`);
    const bytes = new ByteCut(new Classifier());
    const strings = new LineCut(new Classifier());
    const seen = new Set<unknown>();
    for (let round = 0; round < 40; round++) {
      for (const message of [...pair, ...errnos]) {
        const line = BASE[0]!.replace('connect() failed (111: Connection refused) while connecting to upstream', message);
        const r = both(line, round % 5, bytes, strings, how)!;
        expect(r.byte, line).toEqual(r.string);
        seen.add(JSON.stringify([(r.byte as Seen).kind, (r.byte as Seen).sample?.errno]));
      }
    }
    // invalid-header and header-too-big, and refused with each of the six errnos.
    expect(seen.size).toBe(8);
  });

  it('a line with more field markers than the cut holds goes to the string path, and so is read all the same', () => {
    const line = `${BASE[0]!.replace('GET /auth/token', `GET /${', host: x'.repeat(70)}`)}`;
    const bytes = new ByteCut(new Classifier());
    const r = both(line, 0, bytes, new LineCut(new Classifier()), how);
    expect(r!.byte).toBe('string-path');
    expect(r!.string.kind).toBe('refused');
  });

  it('many candidate lines without a comma in one buffer: each read on its own', () => {
    // findMarks' native search runs past a line's end; a long stretch without commas must not
    // change any answer (and is searched by the bounded loop after the first long overshoot).
    const line = `${T} [error] 1#1: *5 upstream timed out (110: Connection timed out) while reading upstream`;
    const lines = Array.from({ length: 200 }, () => line);
    const buf = Buffer.from(`${lines.join('\n')}\n${BASE[0]}\n`);
    const bytes = new ByteCut(new Classifier());
    let at = 0;
    let kinds = 0;
    for (let n = 0; n <= lines.length; n++) {
      const end = buf.indexOf(10, at);
      expect(scanner.scan(buf, at, end, true)).toBe(SCAN_CANDIDATE);
      const ok = bytes.cut(buf, at, end, at + scanner.scanned.afterIds, scanner.scanned.time);
      if (n < lines.length) {
        // A timeout with no `upstream:` field names no upstream: the string path reads its message.
        expect(ok).toBe(false);
      } else {
        expect(ok).toBe(true);
        expect(bytes.kind).toBe('refused');
        kinds++;
      }
      at = end + 1;
    }
    expect(kinds).toBe(1);
  });
});
