/**
 * What an open burst counts, in structures reused from burst to burst (BurstDetector keeps closed
 * bursts for reuse): emptying them allocates nothing. Maps and Sets allocate a new table on every
 * clear() and box each 53-bit hash, and a long burst promotes all of it to the old generation,
 * which then has megabytes of garbage to collect per hundred MB of log.
 */

const EMPTY = -1;
const SMALL = 16;

/** A count of distinct hashes (non-negative integers up to 2^53) in one Float64Array: open addressing, linear probing. */
export class DistinctHashes {
  private table = new Float64Array(SMALL).fill(EMPTY);
  /** Distinct values stored. */
  private stored = 0;
  /** Distinct values seen after `limit` was reached (not stored, so counted once per sighting that misses the table). */
  private overflow = 0;

  constructor(private readonly limit: number) {}

  /** Distinct values stored, plus sightings after the limit that were not among them. */
  get count(): number {
    return this.stored + this.overflow;
  }

  add(h: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let i = (h >>> 0) & mask;
    for (let v = table[i]!; v !== EMPTY; v = table[i]!) {
      if (v === h) return;
      i = (i + 1) & mask;
    }
    if (this.stored >= this.limit) {
      this.overflow++;
      return;
    }
    table[i] = h;
    this.stored++;
    if (this.stored * 2 > table.length) this.grow();
  }

  clear(): void {
    if (this.table.length > 1024) this.table = new Float64Array(SMALL);
    this.table.fill(EMPTY);
    this.stored = 0;
    this.overflow = 0;
  }

  private grow(): void {
    const old = this.table;
    const table = new Float64Array(old.length * 2).fill(EMPTY);
    const mask = table.length - 1;
    for (const v of old) {
      if (v === EMPTY) continue;
      let i = (v >>> 0) & mask;
      while (table[i] !== EMPTY) i = (i + 1) & mask;
      table[i] = v;
    }
    this.table = table;
  }
}

/** Counts per name for the few names a burst sees (kinds, methods), in first-seen order. */
export class SmallCounts<K extends string> {
  private readonly keys: K[] = [];
  private readonly counts: number[] = [];
  /** Entries in use: the arrays keep their length, so emptying allocates nothing. */
  private n = 0;

  /** Counts one `key`; returns its slot (0 for the first key seen, 1 for the next new one, …). */
  add(key: K): number {
    const keys = this.keys;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      if (keys[i] === key) {
        this.counts[i]!++;
        return i;
      }
    }
    keys[n] = key;
    this.counts[n] = 1;
    this.n = n + 1;
    return n;
  }

  clear(): void {
    this.n = 0;
  }

  /**
   * As an object, keys in first-seen order. Without a prototype: V8 makes such an object a small
   * hash table at once. An ordinary one took a new hidden class for each key in the order this
   * burst saw them, and a burst's kinds come in an order of their own (the outage's bench log
   * closes 3,450 bursts of up to 11 kinds each): the classes were made one by one and kept with
   * the burst. Reads, Object.entries and JSON are as for any object.
   */
  toRecord(): Record<string, number> {
    const out = Object.create(null) as Record<string, number>;
    for (let i = 0; i < this.n; i++) out[this.keys[i]!] = this.counts[i]!;
    return out;
  }
}

/**
 * Counts per number (a burst's errnos), in first-seen order, as a Map: an object would keep
 * integer keys in an array as long as the largest one. SmallCounts' loop in a body of its own: V8
 * learns what `===` compares per function, and one body comparing names and numbers compared
 * both through its generic path (`perf`: its StrictEqual builtin under OpenBurst.add).
 */
export class SmallNumberCounts {
  private readonly keys: number[] = [];
  private readonly counts: number[] = [];
  private n = 0;

  add(key: number): void {
    const keys = this.keys;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      if (keys[i] === key) {
        this.counts[i]!++;
        return;
      }
    }
    keys[n] = key;
    this.counts[n] = 1;
    this.n = n + 1;
  }

  clear(): void {
    this.n = 0;
  }

  toMap(): Map<number, number> {
    const out = new Map<number, number>();
    for (let i = 0; i < this.n; i++) out.set(this.keys[i]!, this.counts[i]!);
    return out;
  }
}

/** Distinct strings, first-seen order, at most `limit` of them (server and host names). */
export class SmallSet {
  private readonly values: string[] = [];
  private n = 0;

  constructor(private readonly limit: number) {}

  add(value: string): void {
    if (this.n >= this.limit) return;
    for (let i = 0; i < this.n; i++) if (this.values[i] === value) return;
    this.values[this.n++] = value;
  }

  clear(): void {
    this.n = 0;
  }

  toArray(): string[] {
    return this.values.slice(0, this.n);
  }
}
