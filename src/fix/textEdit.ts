/**
 * Edits as offsets into a file's original text, and the unified diff of the result. Working on
 * the original text (not a re-serialised tree) is what keeps indentation, comments and the rest
 * of the user's layout byte-for-byte.
 */
// The one module of the diff library this needs, not its whole index (~half its load time, which a postmortem's report waits for).
import { createTwoFilesPatch } from 'diff/lib/patch/create.js';

export interface Edit {
  file: string;
  /** Offset range replaced in the original text (start === end for an insertion). */
  start: number;
  end: number;
  text: string;
}

/** Applies edits to one text. Insertions at the same offset keep the order they were made in. */
export function applyEdits(text: string, edits: Edit[]): string {
  const ordered = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.start - b.e.start || a.i - b.i);
  let out = '';
  let cursor = 0;
  for (const { e } of ordered) {
    if (e.start < cursor) throw new Error(`overlapping edits at offset ${e.start} in ${e.file}`);
    out += text.slice(cursor, e.start) + e.text;
    cursor = e.end;
  }
  return out + text.slice(cursor);
}

export function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Offset of the end of the line holding `offset` (before its line break). */
export function lineEndAt(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  if (nl === -1) return text.length;
  return text[nl - 1] === '\r' ? nl - 1 : nl;
}

export function lineStartAt(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

export function indentAt(text: string, offset: number): string {
  const start = lineStartAt(text, offset);
  let i = start;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return text.slice(start, i);
}

/** A unified diff with `--- path` / `+++ path` headers (apply with `patch -p0`); '' when equal. */
export function unifiedDiff(displayPath: string, before: string, after: string): string {
  if (before === after) return '';
  const patch = createTwoFilesPatch(displayPath, displayPath, before, after, undefined, undefined, { context: 3 });
  // Drop the `Index:` / `====` preamble: plain unified diff, as `diff -u` prints it.
  return patch.slice(patch.indexOf('--- '));
}
