/**
 * What every JSON document the CLI prints shares: the schema version (README "JSON output"; bump
 * it on any change that removes or renames a field, adding fields keeps it), the escaping of
 * characters a reader may act on, and the one-line error. Kept apart from jsonReport.ts so that
 * the CLI's entry loads none of the report's modules to print an error.
 */
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

/** The one-line JSON error printed under --json when the run cannot go on. */
export function jsonError(message: string, hint: string | null, exitCode: number): string {
  return escapeJsonText(JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, error: { message, hint, exitCode } })) + '\n';
}
