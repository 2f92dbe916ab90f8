/**
 * `--json`: a versioned, documented document (README "JSON output"). Bump JSON_SCHEMA_VERSION on
 * any change that removes or renames a field; adding fields keeps the version.
 */
import { reportedFacts } from '../diagnose/findings.js';
import type { ReportContext } from './reportContext.js';

export const JSON_SCHEMA_VERSION = 1;

// What JSON.stringify leaves raw although a reader may act on it: DEL and the C1 controls (a
// terminal takes U+009B as CSI), the line and paragraph separators (line breaks to JavaScript
// before ES2019 and to some editors), and the bidi controls (they reorder what a human reads
// around them). C0 is escaped by JSON.stringify itself. These can only occur inside strings.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_JSON = /[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text with every character above written as `\u00XX`: it parses to the same strings. */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The document in parts, byte for byte what `JSON.stringify(doc, null, 2)` prints (with the
 * characters of escapeJsonText escaped): everything but the incidents, then one part per
 * incident (written as made: see textReportParts).
 */
export function* jsonReportParts(ctx: ReportContext): Generator<string> {
  for (const part of rawJsonReportParts(ctx)) yield escapeJsonText(part);
}

function* rawJsonReportParts(ctx: ReportContext): Generator<string> {
  const head = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: ctx.tool,
    generatedAt: new Date(ctx.generatedAt).toISOString(),
    tz: ctx.tz,
    inputs: ctx.inputs,
    window: {
      since: ctx.window.since === null ? null : new Date(ctx.window.since).toISOString(),
      until: ctx.window.until === null ? null : new Date(ctx.window.until).toISOString(),
    },
    counters: ctx.counters,
    notes: ctx.notes,
  };
  // `incidents` is the last key: the head's closing brace makes room for it.
  const open = JSON.stringify(head, null, 2).replace(/\n\}$/, '');
  if (ctx.incidents.length === 0) {
    yield `${open},\n  "incidents": []\n}\n`;
    return;
  }
  yield `${open},\n  "incidents": [\n`;
  for (const [idx, i] of ctx.incidents.entries()) {
    // The error timeline is the engine's working data (phases are reported under diagnosis.phases).
    const { timeline: _timeline, ...burst } = i.burst;
    // The facts' phases as the diagnosis gives them: no "starting" where nothing timed readiness.
    const doc = { ...i, burst: { ...burst, firstIso: new Date(i.burst.first).toISOString(), lastIso: new Date(i.burst.last).toISOString() }, facts: reportedFacts(i.facts) };
    // Two levels deep; JSON strings hold no raw newline, so every newline is a line break.
    yield `${idx === 0 ? '' : ',\n'}    ${JSON.stringify(doc, null, 2).replace(/\n/g, '\n    ')}`;
  }
  yield '\n  ]\n}\n';
}

export function jsonReport(ctx: ReportContext): string {
  return [...jsonReportParts(ctx)].join('');
}

/** The one-line JSON error printed under --json when the run cannot go on. */
export function jsonError(message: string, hint: string | null, exitCode: number): string {
  return escapeJsonText(JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, error: { message, hint, exitCode } })) + '\n';
}
