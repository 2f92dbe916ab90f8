/**
 * One element of a top-level array, printed as `JSON.stringify(doc, null, 2)` prints it inside
 * that array: every line indented four spaces, and `,\n` before all but the first element.
 *
 * JSON.stringify indents it so itself when the value sits in a wrapper of that depth; the element
 * is cut out of the wrapper's text. V8 keeps such a cut as a view of the printed text, so an
 * incident of the report is printed once, not printed and then copied again by a re-indenting
 * `replace` (test/report/nestedJson.test.ts holds it to that plain way on adversarial strings).
 */

// `{ "incidents": [ … ] }` as printed with a gap of 2, around the element.
const OPEN_FIRST = '{\n  "incidents": [\n'.length;
// A later element: a `0` before it, so the wrapper prints the separator `,\n    ` itself.
const OPEN_LATER = '{\n  "incidents": [\n    0'.length;
const CLOSE = '\n  ]\n}'.length;

/** `value` as the element of a two-space-indented top-level array, with its separator when not `first`. */
export function arrayElementJson(value: object, first: boolean): string {
  const text = JSON.stringify({ incidents: first ? [value] : [0, value] }, null, 2);
  return text.slice(first ? OPEN_FIRST : OPEN_LATER, text.length - CLOSE);
}
