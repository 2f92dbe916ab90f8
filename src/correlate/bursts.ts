/**
 * Burst detection: upstream failures grouped per upstream while the gap between consecutive
 * errors stays under `gapMs`. Owns a time window (stream-owning, unlike the per-line parser):
 * memory is one accumulator per upstream with an open burst, plus bounded evidence.
 */
import type { Burst, EvidenceLine } from '../model/incident.js';
import { NOT_RETRIED_METHODS, REQUEST_SENT_ACTIONS, WRITE_METHODS, type LogRecord, type UpstreamAddress, type UpstreamErrorKind } from '../model/logRecord.js';
import { upstreamKey } from '../parse/nginxLine.js';

const EVIDENCE_HEAD = 5;
const EVIDENCE_TAIL = 5;
const MAX_DISTINCT = 20; // servers/hosts kept per burst

/** Where a failure line without an `upstream:` field points (start-up `host not found in upstream "x"`). */
export function upstreamOf(record: LogRecord): UpstreamAddress {
  if (record.upstream) return record.upstream;
  const quoted = /upstream "([^"]+)"/.exec(record.message)?.[1] ?? /^(\S+) could not be resolved/.exec(record.message)?.[1];
  const name = quoted ?? 'unknown';
  const c = name.lastIndexOf(':');
  const port = c > 0 ? Number(name.slice(c + 1)) : NaN;
  return Number.isInteger(port)
    ? { url: name, scheme: '', host: name.slice(0, c), port, path: '' }
    : { url: name, scheme: '', host: name, port: null, path: '' };
}

/** Kinds that mark a failed request. `disabled` is nginx noting max_fails was reached, not a request. */
export function countsAsFailedRequest(kind: UpstreamErrorKind): boolean {
  return kind !== 'disabled';
}

/**
 * Two 32-bit FNV-1a variants joined into 53 bits: for 10,000 distinct clients the chance that two
 * collide is about 1 in 10^8, so the distinct count stays exact in practice.
 */
function hash53(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

function evidenceOf(r: LogRecord): EvidenceLine {
  return { source: r.source, line: r.line, time: r.time, raw: r.raw.slice(0, 4096) };
}

class OpenBurst {
  count = 0;
  kinds: Partial<Record<UpstreamErrorKind, number>> = {};
  errnos: Record<string, number> = {};
  methods: Record<string, number> = {};
  writes = 0;
  notRetried = 0;
  servers = new Set<string>();
  hosts = new Set<string>();
  /** Client addresses as 53-bit hashes: a string here would keep its whole log line alive. */
  clients = new Set<number>();
  clientOverflow = 0;
  head: EvidenceLine[] = [];
  /** The last EVIDENCE_TAIL records after the head, as a ring (evidence is built when asked for). */
  private readonly tail: LogRecord[] = [];
  private tailNext = 0;
  last: number;

  constructor(
    readonly key: string,
    readonly upstream: UpstreamAddress,
    readonly first: number,
  ) {
    this.last = first;
  }

  add(r: LogRecord, kind: UpstreamErrorKind): void {
    this.count++;
    this.last = Math.max(this.last, r.time);
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
    if (r.errno !== null) this.errnos[r.errno] = (this.errnos[r.errno] ?? 0) + 1;
    const method = r.request?.method;
    if (method) {
      this.methods[method] = (this.methods[method] ?? 0) + 1;
      if (WRITE_METHODS.has(method)) this.writes++;
      if (NOT_RETRIED_METHODS.has(method) && r.action !== null && REQUEST_SENT_ACTIONS.has(r.action)) this.notRetried++;
    }
    if (r.server && this.servers.size < MAX_DISTINCT) this.servers.add(r.server);
    if (r.host && this.hosts.size < MAX_DISTINCT) this.hosts.add(r.host);
    // Distinct clients, counted exactly up to a bound (enough to say "1 client" vs "many").
    if (r.client) {
      const h = hash53(r.client);
      if (this.clients.size < 10_000) this.clients.add(h);
      else if (!this.clients.has(h)) this.clientOverflow++;
    }
    if (this.head.length < EVIDENCE_HEAD) this.head.push(evidenceOf(r));
    else {
      // No object per error: remember the record in a ring of EVIDENCE_TAIL.
      this.tail[this.tailNext] = r;
      this.tailNext = (this.tailNext + 1) % EVIDENCE_TAIL;
    }
  }

  private tailEvidence(): EvidenceLine[] {
    const n = this.tail.length;
    const out: EvidenceLine[] = [];
    for (let k = 0; k < n; k++) out.push(evidenceOf(this.tail[(this.tailNext + k) % n]!));
    return out;
  }

  toBurst(closed: boolean): Burst {
    const durationS = Math.max(1, (this.last - this.first) / 1000);
    return {
      id: `${this.key}@${new Date(this.first).toISOString()}`,
      upstreamKey: this.key,
      upstream: this.upstream,
      first: this.first,
      last: this.last,
      count: this.count,
      kinds: { ...this.kinds },
      errnos: { ...this.errnos },
      methods: { ...this.methods },
      writes: this.writes,
      notRetried: this.notRetried,
      servers: [...this.servers],
      hosts: [...this.hosts],
      clients: this.clients.size + this.clientOverflow,
      rate: Math.round((this.count / durationS) * 100) / 100,
      evidence: [...this.head, ...this.tailEvidence()],
      closed,
    };
  }
}

export interface BurstDetectorOptions {
  gapMs: number;
  /** Bursts with fewer errors are noise (an isolated failure), counted but not incidents. */
  minErrors: number;
}

/**
 * Feed records in time order per upstream (a log is ordered; several logs may interleave, which
 * only matters within one gap). Closed bursts are returned by `add` and `closeIdle`.
 */
export class BurstDetector {
  private readonly open = new Map<string, OpenBurst>();
  /** Bursts that closed below minErrors: isolated failures. */
  isolatedErrors = 0;

  constructor(private readonly opts: BurstDetectorOptions) {}

  /**
   * Adds one upstream failure; returns the burst it closed, if the gap before it was too long.
   * `upstream`/`key`: upstreamOf(record) and its key, when the caller has them already.
   */
  add(record: LogRecord, upstream: UpstreamAddress = upstreamOf(record), key: string = upstreamKey(upstream)): Burst | null {
    const kind = record.kind;
    if (kind === null || !countsAsFailedRequest(kind)) return null;
    const current = this.open.get(key);
    let closed: Burst | null = null;
    if (current && record.time - current.last > this.opts.gapMs) {
      closed = this.finish(current);
      this.open.delete(key);
    }
    let burst = this.open.get(key);
    if (!burst) {
      burst = new OpenBurst(key, upstream, record.time);
      this.open.set(key, burst);
    }
    burst.add(record, kind);
    return closed;
  }

  /** Closes every burst whose last error is more than the gap before `now` (live ticks). */
  closeIdle(now: number): Burst[] {
    const out: Burst[] = [];
    for (const [key, b] of this.open) {
      if (now - b.last > this.opts.gapMs) {
        const done = this.finish(b);
        if (done) out.push(done);
        this.open.delete(key);
      }
    }
    return out;
  }

  /** Closes everything (end of a postmortem). */
  closeAll(): Burst[] {
    const out: Burst[] = [];
    for (const b of this.open.values()) {
      const done = this.finish(b);
      if (done) out.push(done);
    }
    this.open.clear();
    return out.sort((a, b) => a.first - b.first);
  }

  /** Bursts still growing that are already big enough to be incidents. */
  openBursts(): Burst[] {
    return [...this.open.values()].filter((b) => b.count >= this.opts.minErrors).map((b) => b.toBurst(false));
  }

  private finish(b: OpenBurst): Burst | null {
    if (b.count < this.opts.minErrors) {
      this.isolatedErrors += b.count;
      return null;
    }
    return b.toBurst(true);
  }
}
