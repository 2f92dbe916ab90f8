/**
 * `--json`: a versioned, documented document (README "JSON output"). Bump JSON_SCHEMA_VERSION on
 * any change that removes or renames a field; adding fields keeps the version.
 */
import type { ReportContext } from './reportContext.js';

export const JSON_SCHEMA_VERSION = 1;

export function jsonReport(ctx: ReportContext): string {
  const doc = {
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
    incidents: ctx.incidents.map((i) => ({
      ...i,
      burst: { ...i.burst, firstIso: new Date(i.burst.first).toISOString(), lastIso: new Date(i.burst.last).toISOString() },
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** The one-line JSON error printed under --json when the run cannot go on. */
export function jsonError(message: string, hint: string | null, exitCode: number): string {
  return JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, error: { message, hint, exitCode } }) + '\n';
}
