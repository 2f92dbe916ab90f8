/**
 * The `, key: ` markers of a line's fields (cut.ts FIELD_KEYS): where each one's comma is and
 * which key, from the first `, client: ` on. The byte cut (byteCut.ts) reads the fields from them.
 *
 * `find` is the plain loop, the reference. A reader with the WebAssembly scanner has its `marks`
 * pass find the same markers, several times faster, where the line lies in the scanner's memory
 * (sources/lineScan.ts fieldMarks; test/perf/byteCut.test.ts holds the two equal); lineScan.wat's
 * `cut` finds them so too, for the usual failure line (scan/usualCut.ts).
 */
import { startsWithBytes } from './bytes.js';
import { FIELD_KEYS } from './cut.js';

/** Markers a line may have; a line with more (an attacker's request line) takes the string path. */
export const MAX_MARKS = 64;
/** `n` of a line with more than MAX_MARKS markers. */
export const TOO_MANY_MARKS = -2;

/** The field keys as the bytes after a marker's `, `: `key: `. */
export const FIELD_KEY_BYTES: readonly Buffer[] = FIELD_KEYS.map((k) => Buffer.from(`${k}: `));
/** Per first byte, the keys starting with it. */
const KEYS_BY_FIRST: ReadonlyArray<readonly number[] | undefined> = Array.from({ length: 256 }, (_, b) => {
  const ks = FIELD_KEY_BYTES.flatMap((k, i) => (k[0] === b ? [i] : []));
  return ks.length > 0 ? ks : undefined;
});

/** Past this many bytes of overshoot (find), the next line's commas are found by a bounded loop. */
const MAX_OVERSHOOT = 4096;

export class FieldMarks {
  /** Where each marker's comma is (in the line's buffer) and which key it names, in line order. */
  readonly at = new Int32Array(MAX_MARKS);
  readonly key = new Int8Array(MAX_MARKS);
  /** Markers of the line, or TOO_MANY_MARKS. */
  n = 0;
  /** How far past its line's end the last native comma search ran. */
  private overshoot = 0;

  /** Where the fields begin (the first marker's comma), -1 when the line has none. */
  get fieldsAt(): number {
    return this.n > 0 ? this.at[0]! : -1;
  }

  /**
   * Finds the first `, client: ` from `from` and records every `, key: ` marker from there to
   * `end` (a comma at or past `end - 4` cannot start one); returns `n`.
   *
   * Commas are found by native Buffer.indexOf (a line has a handful; a byte loop over the whole
   * line cost twice as much). Its search does not stop at the line's end: after a line whose
   * search ran far past its end (no comma for a long way), the next line is searched by a loop
   * that stops there, so no stretch of the log is searched again and again.
   */
  find(buf: Buffer, from: number, end: number): number {
    let n = 0;
    const last = end - 4;
    const native = this.overshoot <= MAX_OVERSHOOT;
    let k = from;
    for (;;) {
      k = native ? buf.indexOf(44 /* , */, k) : commaIn(buf, k, end);
      if (k < 0 || k >= last) break;
      if (buf[k + 1] === 32) {
        const key = keyAt(buf, k + 2, end);
        if (key >= 0 && (n > 0 || key === 0)) {
          if (n === MAX_MARKS) return (this.n = TOO_MANY_MARKS);
          this.at[n] = k;
          this.key[n] = key;
          n++;
        }
      }
      k++;
    }
    if (native) this.overshoot = k < 0 ? buf.length - end : k - end;
    else if (k >= 0) this.overshoot = 0;
    return (this.n = n);
  }
}

/** Which field key (FIELD_KEY_BYTES index) starts at `at` and is followed by `: `, or -1. */
function keyAt(buf: Buffer, at: number, end: number): number {
  const ks = KEYS_BY_FIRST[buf[at]!];
  if (ks !== undefined) for (const k of ks) if (startsWithBytes(buf, at, end, FIELD_KEY_BYTES[k]!)) return k;
  return -1;
}

/** The first comma in `buf[from, end)`, else -1 (or a position at or past `end - 4`: find stops there anyway). */
function commaIn(buf: Buffer, from: number, end: number): number {
  for (let k = from; k < end; k++) if (buf[k] === 44) return k;
  return -1;
}
