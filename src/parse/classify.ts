/**
 * Which upstream failure a message is: the first row of the signature table
 * (nginx/signatures.ts) that matches it. The rules themselves are data there; this file only knows
 * how a row matches.
 *
 * The message and the action are ranges of the line (no substring per line: this runs on every
 * line that mentions an upstream, the hot path of a postmortem).
 */
import type { UpstreamErrorKind } from '../model/logRecord.js';
import { internalized } from '../util/internalized.js';
import { SIGNATURES, UPSTREAM_NEEDLE, type Signature } from './nginx/signatures.js';

/** `text[from, to)` starts with `s`. */
function startsIn(text: string, s: string, from: number, to: number): boolean {
  return from + s.length <= to && text.startsWith(s, from);
}

/** `text[from, to)` contains `s`. */
export function includesIn(text: string, s: string, from: number, to: number): boolean {
  const at = text.indexOf(s, from);
  return at >= 0 && at + s.length <= to;
}

/** `text[from, to)` is exactly `s`. */
export function equalsIn(text: string, s: string, from: number, to: number): boolean {
  return to - from === s.length && text.startsWith(s, from);
}

/** A signature table made ready to match (the table is read once, at start-up). */
export class Classifier {
  private readonly rows: readonly Signature[];
  /** Per row, the first character of its phrase (-1 for none): most rows are ruled out by it alone. */
  private readonly first: Int32Array;

  constructor(readonly table: readonly Signature[] = SIGNATURES) {
    // Each kind as this thread's one copy of it (internalized.ts says why): a reader thread's
    // table came in a message, whose strings are copies of their own.
    this.rows = table.map((s) => ({ ...s, kind: s.kind === null ? null : (internalized(s.kind) as UpstreamErrorKind) }));
    this.first = Int32Array.from(table, (s) => (s.phrase === '' ? -1 : s.phrase.charCodeAt(0)));
  }

  /**
   * The message is `text[msgAt, msgEnd)`; the `while …` action `text[actionAt, actionEnd)`, or
   * actionAt -1 when there is none.
   */
  classify(text: string, msgAt: number, msgEnd: number, errno: number | null, actionAt: number, actionEnd: number, hasUpstreamField: boolean): UpstreamErrorKind | null {
    // About an upstream: computed once, when a row first asks.
    let about = -1;
    const rows = this.rows;
    for (let r = 0; r < rows.length; r++) {
      const s = rows[r]!;
      if (s.errno !== undefined && (errno === null || !s.errno.includes(errno))) continue;
      if (s.upstream) {
        if (about < 0) about = hasUpstreamField || (actionAt >= 0 && includesIn(text, UPSTREAM_NEEDLE, actionAt, actionEnd)) ? 1 : 0;
        if (about === 0) continue;
      }
      let hit: boolean;
      switch (s.where) {
        case 'start':
          hit = (this.first[r]! < 0 || text.charCodeAt(msgAt) === this.first[r]) && startsIn(text, s.phrase, msgAt, msgEnd);
          break;
        case 'anywhere':
          hit = includesIn(text, s.phrase, msgAt, msgEnd);
          break;
        case 'action':
          hit = actionAt >= 0 && equalsIn(text, s.phrase, actionAt, actionEnd);
          break;
        default:
          hit = true; // errno rows: the errno test above was all
      }
      if (hit && s.also !== undefined && !includesIn(text, s.also, msgAt, actionAt >= 0 ? actionAt : msgEnd)) hit = false;
      if (hit) return s.kind;
    }
    return null;
  }
}
