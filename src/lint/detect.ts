/**
 * Tells an nginx config from a compose file from a Kubernetes manifest by content, so
 * `nginx.conf.template`, `app.yaml` or `proxy.cfg` are linted by the right rules.
 */
import { parseAllDocuments } from 'yaml';
import { parseNginx } from '../fix/nginx/parser.js';
import type { FileKind } from './types.js';

export function detectKind(text: string): FileKind | null {
  const docs = parseAllDocuments(text);
  if (Array.isArray(docs) && docs.length > 0 && docs.every((d) => d.errors.length === 0)) {
    const values = docs.map((d) => d.toJS() as unknown);
    const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (values.some((v) => isObj(v) && isObj(v.services))) return 'compose';
    if (values.some((v) => isObj(v) && typeof v.apiVersion === 'string' && typeof v.kind === 'string')) return 'kubernetes';
  }
  const parsed = parseNginx('-', text);
  // nginx directive names are lower-case words; at least one clean directive and no more errors than directives.
  const plausible = parsed.directives.filter((d) => /^[a-z_][a-z0-9_]*$/.test(d.name));
  if (plausible.length > 0 && parsed.warnings.length <= plausible.length) return 'nginx';
  return null;
}
