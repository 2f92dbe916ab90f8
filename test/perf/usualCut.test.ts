/**
 * The usual failure line's cut in one WebAssembly call (scan/usualCut.ts, lineScan.wat `cut`)
 * against the byte cut it stands in for (ByteCut.cut, FailureSample.fromBytes: byteCut.test.ts
 * holds that one to the string cut), line by line: real failure lines, seeded mutations of them
 * (markers, quotes, commas, `://`, non-ASCII where attackers put them), and lines made to empty
 * the module's tables of ids (more distinct names and messages than they hold, names long enough
 * to fill an arena). Each line lies in a scanner region, followed by bytes that look like more
 * fields, so a read past its end shows.
 *
 * Where the usual cut takes a line, every value burst detection reads must be the byte cut's; it
 * may decline any line (the caller then cuts it as before), but the test counts what it takes: a
 * cut that declined everything would pass the comparisons and fail the counts.
 */
import { describe, expect, it } from 'vitest';
import { rng } from '../../bench/gen.js';
import { Classifier } from '../../src/parse/classify.js';
import { FailureSample } from '../../src/parse/failureSample.js';
import { LocalClock } from '../../src/parse/localTime.js';
import { ByteCut } from '../../src/parse/nginx/byteCut.js';
import { F_UPSTREAM } from '../../src/parse/nginx/cut.js';
import { SCAN_CANDIDATE } from '../../src/parse/nginx/screen.js';
import { A_FAILURE, DECLINED, NOT_A_FAILURE, UsualCut } from '../../src/scan/usualCut.js';
import { SimdLineScanner, WasmLineCut } from '../../src/sources/lineScan.js';
import { AFTER, BASE, candidateScanner, mutate, T } from './failureLines.js';

const clock = new LocalClock('UTC');
const scanner = candidateScanner(clock);
/** A scanner's memory, whose regions the lines are put in (CI's Node has WebAssembly SIMD: no silent fallback). */
const simd = SimdLineScanner.create([], [])!;
const region = simd.regions[0];

function sampleOf(s: FailureSample): Record<string, unknown> {
  const { time, raw, kind, errno, method, requestSent, server, host, clientHash, key, line, source } = s;
  return { time, raw, kind, errno, method, requestSent, server, host, clientHash, key, line, source, address: s.address() };
}

interface Cuts {
  usual: UsualCut;
  bytes: ByteCut;
}

function newCuts(workspace = 0): Cuts {
  const bytes = new ByteCut(new Classifier());
  return { usual: new UsualCut(WasmLineCut.create(simd.memory, workspace)!, bytes), bytes };
}

/** What the usual cut and the byte cut make of `line` at `shift` in the region: null when it is no candidate. */
function both(line: string, shift: number, cuts: Cuts): { answer: number; usual?: Record<string, unknown>; byte?: Record<string, unknown> | null; url?: [number, number] } | null {
  const body = Buffer.from(line);
  Buffer.concat([Buffer.alloc(shift, 0x2c), body, AFTER]).copy(region, 0);
  const start = shift;
  const end = shift + body.length;
  if (scanner.scan(region, start, end, true) !== SCAN_CANDIDATE) return null;
  const { time, afterIds } = scanner.scanned;
  const sample = new FailureSample();
  const answer = cuts.usual.cut(region, start, end, afterIds, time, 'log', 7, sample);
  if (answer === DECLINED) return { answer };
  const usual = answer === A_FAILURE ? sampleOf(sample) : undefined;
  const url: [number, number] | undefined = answer === A_FAILURE ? [cuts.usual.urlAt, cuts.usual.urlEnd] : undefined;
  // The byte cut must take every line the usual cut takes.
  expect(cuts.bytes.cut(region, start, end, start + afterIds, time), line).toBe(true);
  const f = cuts.bytes.fields;
  const byte = cuts.bytes.kind === null ? null : sampleOf(new FailureSample().fromBytes(cuts.bytes, region, start, end, 'log', 7));
  return { answer, usual, byte, url, ...(byte ? { byteUrl: [f[2 * F_UPSTREAM]!, f[2 * F_UPSTREAM + 1]!] } : {}) };
}

/** A method token made of letters (a valid method) for each number. */
function method(n: number): string {
  let s = 'M';
  for (let k = n; k > 0; k = Math.floor(k / 26)) s += String.fromCharCode(65 + (k % 26));
  return s;
}

function expectSame(r: NonNullable<ReturnType<typeof both>>, line: string): void {
  if (r.answer === NOT_A_FAILURE) expect(r.byte, line).toBeNull();
  else {
    expect(r.answer).toBe(A_FAILURE);
    expect(r.usual, line).toEqual(r.byte);
    expect(r.url, line).toEqual((r as { byteUrl?: unknown }).byteUrl);
  }
}

describe('the usual cut gives what the byte cut gives', () => {
  it('on real failure lines: every one with an `upstream:` URL of scheme://host is taken', () => {
    const cuts = newCuts();
    let taken = 0;
    for (const line of BASE) {
      for (const shift of [0, 1, 3, 4096]) {
        const r = both(line, shift, cuts);
        expect(r, line).not.toBeNull();
        if (r!.answer === DECLINED) continue;
        taken++;
        expectSame(r!, line);
      }
    }
    // Declined: the unix socket's URL and the two lines without an `upstream:` field.
    expect(taken).toBe((BASE.length - 3) * 4);
  });

  it('on seeded mutations: markers, quotes and non-ASCII where attackers put them', () => {
    const next = rng(20_261_203);
    const cuts = newCuts();
    let candidates = 0;
    let taken = 0;
    let failures = 0;
    for (let round = 0; round < 20_000; round++) {
      const line = mutate(BASE[round % BASE.length]!, next, 1 + Math.floor(next() * 6));
      const r = both(line, Math.floor(next() * 9), cuts);
      if (r === null) continue;
      candidates++;
      if (r.answer === DECLINED) continue;
      taken++;
      if (r.answer === A_FAILURE) failures++;
      expectSame(r, `round ${round}: ${line}`);
    }
    expect(candidates).toBeGreaterThan(15_000);
    expect(taken / candidates).toBeGreaterThan(0.3);
    expect(failures).toBeGreaterThan(4_000);
  });

  it('past what its tables hold: more distinct names, methods, upstreams and messages than 2,048, and names that fill an arena', () => {
    const cuts = newCuts(1);
    let taken = 0;
    for (let n = 0; n < 9_000; n++) {
      const long = n % 3 === 0 ? 'x'.repeat(180 + (n % 57)) : '';
      const line = `${T} [error] 1#1: *${n} connect() failed (111: Connection refused) while connecting to upstream ${n % 4000}, client: 10.0.${n % 256}.${n % 7}, server: s${n}${long}.example, request: "${method(n % 2500)} /x HTTP/1.1", upstream: "http://h${n % 3000}.internal:80/x", host: "h${(n * 7) % 5000}${long}"`;
      const r = both(line, n % 5, cuts)!;
      expect(r.answer, line).not.toBe(DECLINED);
      taken++;
      expectSame(r, line);
      // A name seen before, after the tables were emptied and filled again, reads the same.
      const again = both(`${T} [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream 1, client: 10.0.0.1, server: s1.example, request: "GET /x HTTP/1.1", upstream: "http://h1.internal:80/x", host: "h7"`, 0, cuts)!;
      expectSame(again, 'the line seen again');
    }
    expect(taken).toBe(9_000);
  });

  it('declines what it does not read, at the limits: a message over 1,024 bytes, a name over 256, a unix socket, a non-ASCII client', () => {
    const cuts = newCuts();
    const at = (message: string, server: string, url: string, client = '1.2.3.4') =>
      `${T} [error] 1#1: *5 ${message}, client: ${client}, server: ${server}, request: "GET /x HTTP/1.1", upstream: "${url}", host: "a"`;
    const refused = 'connect() failed (111: Connection refused) while connecting to upstream';
    const cases: [string, boolean][] = [
      [at(refused + ' '.repeat(1024 - refused.length), 'a', 'http://1.2.3.4:80/'), true],
      [at(refused + ' '.repeat(1025 - refused.length), 'a', 'http://1.2.3.4:80/'), false],
      [at(refused, 's'.repeat(256), 'http://1.2.3.4:80/'), true],
      [at(refused, 's'.repeat(257), 'http://1.2.3.4:80/'), false],
      [at(refused, 'a', 'http://unix:/run/app.sock:/x'), false],
      [at(refused, 'a', 'http://h\u00e9st:80/x'), false],
      [at(refused, 'a', 'http://1.2.3.4:80/', '1.2.3.\u00e9'), false],
      [at(refused, 'caf\u00e9', 'http://1.2.3.4:80/\u00e9'), true],
    ];
    for (const [line, takes] of cases) {
      const r = both(line, 2, cuts)!;
      expect(r.answer !== DECLINED, line.slice(0, 160)).toBe(takes);
      if (takes) expectSame(r, line);
    }
  });
});
