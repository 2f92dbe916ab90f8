/**
 * A candidate line crosses from the reader thread to the engine's thread in the slot
 * (failureWire.ts markCandidate → readLine, candidateTime, candidateAfterIds) with its time and where
 * its `PID#TID: ` ends: the engine's thread cuts its message from there. A wrong afterIds would
 * make the usual cut read a wrong message, or decline the line to the slower byte cut, which the
 * end-to-end comparisons (screenWorker.test.ts) see only as the first; this holds the crossing itself.
 */
import { describe, expect, it } from 'vitest';
import { candidateAfterIds, candidateTime, markCandidate, META_INTS, readLine, WIRE_CANDIDATE, WireNameTable, writeLine, type SlotViews } from '../../src/scan/failureWire.js';
import { FailureSample } from '../../src/parse/failureSample.js';

const LINES = 4;
function views(): SlotViews {
  const meta = new SharedArrayBuffer(LINES * META_INTS * 4 + 16);
  return { data: Buffer.alloc(1 << 20), meta: new Int32Array(meta, 0, LINES * META_INTS), doubles: new Float64Array(meta, 0, (LINES * META_INTS) / 2), times: new Float64Array(meta, LINES * META_INTS * 4, 2) };
}

describe('a candidate line across the slot', () => {
  it('arrives with its place, time and afterIds, next to lines written otherwise', () => {
    const v = views();
    writeLine(v, 0, 16, 0, 900, 0);
    writeLine(v, 1, 17, 1000, 1300, 2);
    markCandidate(v, 1, 1710030600123, 33);
    writeLine(v, 2, 18, 1300, 1500, 0);
    markCandidate(v, 2, 1710030601000, 5);
    const names = new WireNameTable();
    const s = new FailureSample();
    expect(readLine(v, 0, 'log', s, names)).not.toBe(WIRE_CANDIDATE);
    expect(readLine(v, 1, 'log', s, names)).toBe(WIRE_CANDIDATE);
    expect([v.meta[META_INTS]!, v.meta[META_INTS + 1]!, v.meta[META_INTS + 2]!, v.meta[META_INTS + 3]!]).toEqual([17, 1000, 1300, 2]);
    expect([candidateTime(v, 1), candidateAfterIds(v, 1)]).toEqual([1710030600123, 33]);
    expect(readLine(v, 2, 'log', s, names)).toBe(WIRE_CANDIDATE);
    expect([candidateTime(v, 2), candidateAfterIds(v, 2)]).toEqual([1710030601000, 5]);
  });
});
