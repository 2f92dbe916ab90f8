/**
 * `--json`: a versioned, documented document (README "JSON output"). Bump JSON_SCHEMA_VERSION on
 * any change that removes or renames a field; adding fields keeps the version.
 */
import type { ReportContext } from './reportContext.js';

export const JSON_SCHEMA_VERSION = 1;

/**
 * The document in parts, byte for byte what `JSON.stringify(doc, null, 2)` prints: everything
 * but the incidents, then one part per incident (written as made: see textReportParts).
 */
export function* jsonReportParts(ctx: ReportContext): Generator<string> {
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
    const doc = { ...i, burst: { ...burst, firstIso: new Date(i.burst.first).toISOString(), lastIso: new Date(i.burst.last).toISOString() } };
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
  return JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, error: { message, hint, exitCode } }) + '\n';
}
