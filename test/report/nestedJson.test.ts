/**
 * arrayElementJson cuts an incident's text out of a wrapper JSON.stringify indents for it; it must
 * print exactly what the plain way prints: the element stringified on its own, then re-indented
 * four spaces, after a `,\n` for all but the first.
 */
import { describe, expect, it } from 'vitest';
import { arrayElementJson } from '../../src/report/nestedJson.js';
import { BACKEND, failLines, inspect, runScenario, seq, T0 } from '../core/helpers.js';

/** The plain way the report printed each incident before: stringify, then indent every line. */
function reference(doc: object, first: boolean): string {
  return `${first ? '' : ',\n'}    ${JSON.stringify(doc, null, 2).replace(/\n/g, '\n    ')}`;
}

const ADVERSARIAL = [
  '',
  'plain',
  'quote " backslash \\ slash /',
  'C0 \x00\x01\x07\x08\t\n\v\f\r\x1b\x1f end',
  'DEL \x7f C1 \x80\x85\x9b\x9f',
  'separators \u2028 and \u2029',
  'bidi \u202a\u202b\u202c\u202d\u202e \u2066\u2067\u2068\u2069 \u200e\u200f\u061c',
  'lone high \ud83d, lone low \ude00, reversed \ude00\ud83d',
  'emoji 😀 👩‍👩‍👧 flags 🇩🇪',
  'Cyrillic категории, arrows → … ≥ ×',
  '{\n  "incidents": [\n    0,',
  ' '.repeat(40) + '\n' + ' '.repeat(40),
];

describe('arrayElementJson', () => {
  it('prints adversarial strings, keys and values exactly as stringify-then-indent does', () => {
    const doc = {
      strings: ADVERSARIAL,
      keyed: Object.fromEntries(ADVERSARIAL.map((s, i) => [s, { i, s }])),
      numbers: [0, -0, 1, -1.5, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity],
      empty: { array: [], object: {}, nested: [[], {}, [[]], [{}]] },
      nulls: [null, undefined, () => 1],
      skipped: undefined,
      fn: () => 1,
      date: new Date(Date.UTC(2024, 0, 15, 3, 12, 40)),
      deep: { a: { b: { c: { d: [1, { e: 'f\ng' }] } } } },
      bool: [true, false],
    };
    for (const first of [true, false]) {
      expect(arrayElementJson(doc, first)).toBe(reference(doc, first));
      expect(arrayElementJson({}, first)).toBe(reference({}, first));
      expect(arrayElementJson([], first)).toBe(reference([], first));
      expect(arrayElementJson({ only: ADVERSARIAL[7] }, first)).toBe(reference({ only: ADVERSARIAL[7] }, first));
    }
  });

  it('prints real incidents exactly as stringify-then-indent does, first and later', () => {
    // A request path full of what the log may hold (no C0, quote or line break: the line must still parse).
    const hostile = ADVERSARIAL.slice(4, 10).join(' | ').replace(/[\n\r"]/g, '');
    const { incidents } = runScenario({
      lines: [...failLines(T0 + 1000, 20, 200, { method: 'POST', path: `/${hostile}` }), ...failLines(T0 + 5000, 10, 300)].sort(),
      events: seq.dockerRestart(BACKEND, T0),
      containers: inspect({ c: BACKEND, ip: '172.18.0.5' }),
    });
    expect(incidents.length).toBeGreaterThan(0);
    for (const i of incidents) {
      expect(arrayElementJson(i, true)).toBe(reference(i, true));
      expect(arrayElementJson(i, false)).toBe(reference(i, false));
    }
    // The hostile request line really is in the printed incident (not dropped on the way).
    const printed = incidents.map((i) => arrayElementJson(i, true)).join('');
    expect(printed).toContain('категории, arrows → … ≥ ×');
    expect(printed).toContain('lone high \\ud83d');
  });
});
