/**
 * Helpers for the Engine's `/events` stream: splitting a byte stream into JSON objects, and
 * dropping events already delivered when a reconnection replays from an earlier `since`.
 */

/** Bound on one buffered object: a Docker event is a few KB; anything larger is garbage. */
const MAX_OBJECT_CHARS = 1024 * 1024;

/**
 * Splits concatenated or newline-delimited JSON objects that may arrive cut anywhere across
 * chunks. Tracks brace depth outside strings; an object that fails to parse is skipped.
 */
export class JsonObjectSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  /** Objects that could not be parsed or were too large (counted, never thrown). */
  dropped = 0;
  /** `dropped` by reason. */
  readonly droppedBy = { tooLarge: 0, notJson: 0 };

  push(chunk: string): unknown[] {
    const out: unknown[] = [];
    const base = this.buf.length;
    this.buf += chunk;
    for (let i = base; i < this.buf.length; i++) {
      const c = this.buf.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22 && this.depth > 0) this.inString = true;
      else if (c === 0x7b) {
        if (this.depth === 0) this.start = i;
        this.depth++;
      } else if (c === 0x7d && this.depth > 0) {
        this.depth--;
        if (this.depth === 0) {
          const text = this.buf.slice(this.start, i + 1);
          try {
            out.push(JSON.parse(text));
          } catch {
            this.dropped++;
            this.droppedBy.notJson++;
          }
          this.start = -1;
        }
      }
    }
    // Keep only the unfinished object (or nothing, between objects).
    if (this.depth === 0) {
      this.buf = '';
    } else {
      this.buf = this.buf.slice(this.start);
      this.start = 0;
      if (this.buf.length > MAX_OBJECT_CHARS) this.reset();
    }
    return out;
  }

  private reset(): void {
    this.buf = '';
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.start = -1;
    this.dropped++;
    this.droppedBy.tooLarge++;
  }
}

interface RawEventish {
  id?: unknown;
  Action?: unknown;
  status?: unknown;
  time?: unknown;
  timeNano?: unknown;
  Actor?: { ID?: unknown };
}

/**
 * Remembers the events delivered since the resume point, keyed by timeNano + id + Action, so a
 * replay from an earlier `since` delivers each event once. Keys older than the resume point
 * are forgotten: the daemon never replays them.
 */
export class EventDeduper {
  private seen = new Map<string, number>();
  private maxMs = -Infinity;

  static timeMs(raw: unknown): number | null {
    const r = raw as RawEventish | null;
    if (typeof r?.timeNano === 'number') return r.timeNano / 1e6;
    if (typeof r?.time === 'number') return r.time * 1000;
    return null;
  }

  static key(raw: unknown): string {
    const r = raw as RawEventish | null;
    const id = r?.Actor?.ID ?? r?.id ?? '';
    const action = r?.Action ?? r?.status ?? '';
    return `${String(r?.timeNano ?? r?.time ?? '')}|${String(id)}|${String(action)}`;
  }

  /** True the first time an event is seen. */
  accept(raw: unknown): boolean {
    const key = EventDeduper.key(raw);
    if (this.seen.has(key)) return false;
    const ms = EventDeduper.timeMs(raw) ?? this.maxMs;
    this.seen.set(key, ms);
    if (ms > this.maxMs) {
      this.maxMs = ms;
      const floor = this.resumeFromMs();
      if (floor !== null) for (const [k, t] of this.seen) if (t < floor) this.seen.delete(k);
    }
    return true;
  }

  /**
   * Where a reconnection resumes: one whole second before the newest event, a margin for
   * events the daemon timestamps slightly out of publication order.
   */
  resumeFromMs(): number | null {
    return Number.isFinite(this.maxMs) ? Math.floor(this.maxMs / 1000) * 1000 - 1000 : null;
  }
}
