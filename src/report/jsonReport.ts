/**
 * `--json`: a versioned, documented document (README "JSON output"; its version and escaping are
 * jsonText.ts's).
 */
import { reportedFacts } from '../diagnose/findings.js';
import type { ReportContext } from './reportContext.js';
import { escapeJsonText, JSON_SCHEMA_VERSION } from './jsonText.js';
import { arrayElementJson } from './nestedJson.js';

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
    yield arrayElementJson(doc, idx === 0);
  }
  yield '\n  ]\n}\n';
}

export function jsonReport(ctx: ReportContext): string {
  return [...jsonReportParts(ctx)].join('');
}
