/**
 * The bound every per-key table keeps (upstreams, open bursts, …): log lines choose the keys (a
 * client picks the Host header that a resolver failure names), so a table keyed by them would
 * grow with the attacker's imagination. When a table reaches its limit, the least recently active
 * tenth of its keys is folded away in one pass (amortised: one sort per limit/10 new keys), and
 * the caller counts what it folded so the report can say so.
 */

/** The number of keys a table folds down to when it is full: room for a tenth more before the next pass. */
export function refillLevel(limit: number): number {
  return Math.floor(limit * 0.9);
}

/**
 * Removes from `map` the entries with the smallest `age` (oldest activity) until `keep` remain,
 * calling `onFold` for each before it goes; returns how many were removed.
 */
export function foldOldest<K, V>(map: Map<K, V>, keep: number, age: (v: V) => number, onFold?: (key: K, value: V) => void): number {
  const excess = map.size - keep;
  if (excess <= 0) return 0;
  const byAge = [...map.entries()].sort((a, b) => age(a[1]) - age(b[1]));
  for (let i = 0; i < excess; i++) {
    const [key, value] = byAge[i]!;
    onFold?.(key, value);
    map.delete(key);
  }
  return excess;
}

/** What the bounded tables folded away, by table (report counters.foldedKeys). */
export interface FoldedKeys {
  /** Distinct upstream names whose error tallies were dropped beyond the tracked ones. */
  upstreams: number;
  /** Open bursts (of any size, most of them single errors) closed before their gap ended because too many upstreams were failing at once. */
  bursts: number;
}

/** One sentence per table that folded something, for the report's notes. */
export function foldedNotes(f: FoldedKeys, limits: { upstreams: number; bursts: number }): string[] {
  const out: string[] = [];
  const n = (x: number) => x.toLocaleString('en-US');
  if (f.upstreams > 0) out.push(`${n(f.upstreams)} distinct upstream names beyond the ${n(limits.upstreams)} tracked were folded (the least recently failing ones: their per-upstream error counts are gone; bursts and totals still count them)`);
  if (f.bursts > 0) out.push(`${n(f.bursts)} open bursts were closed before their gap ended because more than ${n(limits.bursts)} upstreams were failing at once (the least recently failing first; a later error on one of them starts a new burst)`);
  return out;
}
