/**
 * A candidate line's field markers cross from the reader thread to the engine's thread in the
 * slot (failureWire.ts markCandidate → candidateMarks) and must arrive as they were found: the byte
 * cut given wrong markers would often give up and leave the line to the string path, which reads
 * it right but slowly, so the end-to-end comparisons (screenWorker.test.ts) cannot see a wrong
 * crossing. This holds the crossing itself to the markers FieldMarks.find gives.
 */
import { describe, expect, it } from 'vitest';
import { FieldMarks, TOO_MANY_MARKS } from '../../src/parse/nginx/fieldMarks.js';
import { candidateAfterIds, candidateMarks, candidateTime, markCandidate, META_INTS, readLine, WIRE_CANDIDATE, WireNameTable, writeLine, type SlotViews } from '../../src/scan/failureWire.js';
import { FailureSample } from '../../src/parse/failureSample.js';

const LINES = 4;
function views(): SlotViews {
  const meta = new SharedArrayBuffer(LINES * META_INTS * 4 + 16);
  return { data: Buffer.alloc(1 << 20), meta: new Int32Array(meta, 0, LINES * META_INTS), doubles: new Float64Array(meta, 0, (LINES * META_INTS) / 2), times: new Float64Array(meta, LINES * META_INTS * 4, 2) };
}

const FAIL = '2024/03/10 00:30:00 [error] 1#1: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", subrequest: "/s", upstream: "http://10.0.0.1:80/", host: "a", referrer: "https://r/"';
const AFTER_IDS = '2024/03/10 00:30:00 [error] 1#1: '.length;

describe('field markers across the slot', () => {
  it('arrive where and as they were found, at another place in another buffer', () => {
    for (const line of [FAIL, FAIL.replace(', referrer: "https://r/"', ''), FAIL.replace(/, client.*/, ''), FAIL.replace('GET /', `GET /${', host: x'.repeat(70)}`)]) {
      const source = Buffer.from(`xxxxxxx\n${line}\n`);
      const start = 8;
      const end = start + Buffer.byteLength(line);
      const found = new FieldMarks();
      found.find(source, start + AFTER_IDS, end);
      const v = views();
      // The line lies at another place in the slot than in the reader's buffer.
      const at = 1000;
      source.copy(v.data, at, start, end);
      writeLine(v, 2, 17, at, at + (end - start), 0);
      markCandidate(v, 2, 1710030600000, AFTER_IDS, found, start);
      expect(readLine(v, 2, 'log', new FailureSample(), new WireNameTable())).toBe(WIRE_CANDIDATE);
      expect([candidateTime(v, 2), candidateAfterIds(v, 2)]).toEqual([1710030600000, AFTER_IDS]);
      const got = candidateMarks(v, 2, new FieldMarks());
      expect(got).not.toBeNull();
      expect(got!.n).toBe(found.n);
      const there = new FieldMarks();
      there.find(v.data, at + AFTER_IDS, at + (end - start));
      for (let k = 0; k < found.n; k++) expect([got!.at[k], got!.key[k]]).toEqual([there.at[k], there.key[k]]);
    }
  });

  it('more markers than a slot line holds are not sent (the engine thread finds them); too many to cut are sent as such', () => {
    const eight = `${FAIL.replace('GET /', 'GET /?a, host: b')}`;
    const many = FAIL.replace('GET /', `GET /${', host: x'.repeat(70)}`);
    const v = views();
    for (const [line, sent] of [[eight, null], [many, TOO_MANY_MARKS]] as const) {
      const buf = Buffer.from(line);
      const found = new FieldMarks();
      found.find(buf, AFTER_IDS, buf.length);
      writeLine(v, 0, 1, 0, buf.length, 0);
      markCandidate(v, 0, 0, AFTER_IDS, found, 0);
      expect(candidateMarks(v, 0, new FieldMarks())?.n ?? null).toBe(sent);
    }
    // Found elsewhere not at all (no WebAssembly): nothing is sent.
    markCandidate(v, 1, 0, AFTER_IDS, null, 0);
    expect(candidateMarks(v, 1, new FieldMarks())).toBeNull();
  });
});
