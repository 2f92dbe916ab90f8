/**
 * The burst tallies reused from burst to burst must count exactly what a Set and a Map would:
 * distinct hashes up to a limit (then sightings outside the stored ones), per-key counts in
 * first-seen order, and at most `limit` distinct names; and be empty again after clear().
 */
import { describe, expect, it } from 'vitest';
import { rng } from '../../bench/gen.js';
import { DistinctHashes, SmallCounts, SmallNumberCounts, SmallSet } from '../../src/correlate/tallies.js';

/** What OpenBurst counted before: a Set up to the limit, then each sighting not in it. */
function reference(values: number[], limit: number): number {
  const set = new Set<number>();
  let overflow = 0;
  for (const v of values) {
    if (set.size < limit) set.add(v);
    else if (!set.has(v)) overflow++;
  }
  return set.size + overflow;
}

describe('DistinctHashes', () => {
  it('counts 53-bit values exactly as a Set does, through many growths and past the limit', () => {
    const next = rng(7);
    const pool = Array.from({ length: 30_000 }, () => Math.floor(next() * 2 ** 53));
    // Values that collide in the low 32 bits (the probe start) but differ above them.
    for (let k = 1; k <= 50; k++) pool.push(k * 2 ** 32 + 12345);
    const values = Array.from({ length: 60_000 }, () => pool[Math.floor(next() * pool.length)]!);
    for (const limit of [10, 10_000, 100_000]) {
      const d = new DistinctHashes(limit);
      for (const v of values) d.add(v);
      expect(d.count).toBe(reference(values, limit));
    }
    const colliding = new DistinctHashes(100);
    for (let k = 1; k <= 50; k++) colliding.add(k * 2 ** 32 + 12345);
    colliding.add(2 ** 32 + 12345);
    expect(colliding.count).toBe(50);
  });

  it('is empty after clear(), also after growing large', () => {
    const d = new DistinctHashes(100_000);
    for (let v = 0; v < 5000; v++) d.add(v * 7919);
    expect(d.count).toBe(5000);
    d.clear();
    expect(d.count).toBe(0);
    d.add(0);
    d.add(7919);
    d.add(0);
    expect(d.count).toBe(2);
  });
});

describe('SmallCounts and SmallSet', () => {
  it('count per key in first-seen order (errnos as a Map, in the order seen)', () => {
    const kinds = new SmallCounts<string>();
    for (const k of ['refused', 'reset', 'refused', 'timeout', 'refused']) kinds.add(k);
    expect(Object.entries(kinds.toRecord())).toEqual([
      ['refused', 3],
      ['reset', 1],
      ['timeout', 1],
    ]);
    const errnos = new SmallNumberCounts();
    for (const e of [111, 104, 111, 32]) errnos.add(e);
    expect([...errnos.toMap()]).toEqual([
      [111, 2],
      [104, 1],
      [32, 1],
    ]);
    kinds.clear();
    kinds.add('reset');
    expect(kinds.toRecord()).toEqual({ reset: 1 });
  });

  it('keeps at most `limit` distinct names, in first-seen order', () => {
    const s = new SmallSet(3);
    for (const n of ['a', 'b', 'a', 'c', 'd', 'b']) s.add(n);
    expect(s.toArray()).toEqual(['a', 'b', 'c']);
    s.clear();
    s.add('z');
    expect(s.toArray()).toEqual(['z']);
  });
});
