/**
 * `--json`: a versioned, documented document (README "JSON output"; its version and escaping are
 * jsonText.ts's).
 */
import { reportedFacts } from '../diagnose/findings.js';
import type { Burst, Incident } from '../model/incident.js';
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
  for (const [idx, i] of ctx.incidents.entries()) yield arrayElementJson(incidentJson(i), idx === 0);
  yield '\n  ]\n}\n';
}

/**
 * An incident as --json gives it: the incident's fields in its order, its burst without the error
 * timeline (the engine's working data; phases are reported under diagnosis.phases) and with ISO
 * times, its facts' phases as the diagnosis gives them (no "starting" where nothing timed
 * readiness). Written field by field, not spread into new objects with fields added or replaced:
 * such spreads are slow in code V8 has not optimized yet, and a report makes 1,000 of these once
 * (0.98× a busy host's postmortem, paired runs). The types make a new required field of Burst or
 * Incident an error here; test/core/reports.test.ts holds the keys to the incident's own, in its
 * order.
 */
export function incidentJson(i: Incident): Omit<Incident, 'burst' | 'facts'> & { burst: BurstJson; facts: ReturnType<typeof reportedFacts> } {
  return { id: i.id, burst: burstJson(i.burst), match: i.match, workload: i.workload, facts: reportedFacts(i.facts), coverage: i.coverage, diagnosis: i.diagnosis, checklist: i.checklist, fix: i.fix };
}

type BurstJson = Omit<Burst, 'timeline' | 'errnos'> & { errnos: Record<string, number>; firstIso: string; lastIso: string };

function burstJson(b: Burst): BurstJson {
  return {
    id: b.id,
    upstreamKey: b.upstreamKey,
    upstream: b.upstream,
    first: b.first,
    last: b.last,
    count: b.count,
    kinds: b.kinds,
    errnos: Object.fromEntries(b.errnos),
    methods: b.methods,
    writes: b.writes,
    notRetried: b.notRetried,
    servers: b.servers,
    hosts: b.hosts,
    clients: b.clients,
    rate: b.rate,
    evidence: b.evidence,
    closed: b.closed,
    firstIso: new Date(b.first).toISOString(),
    lastIso: new Date(b.last).toISOString(),
  };
}

export function jsonReport(ctx: ReportContext): string {
  return [...jsonReportParts(ctx)].join('');
}
