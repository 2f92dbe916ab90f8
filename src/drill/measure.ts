/**
 * Turns what the drill collected (request samples, container events, new error-log lines) into
 * the report's numbers. Pure: no I/O, no clock, so every number is testable from fixtures.
 */
import type { ContainerEvent } from '../model/container.js';
import type { UpstreamErrorKind } from '../model/logRecord.js';
import { LocalClock } from '../parse/localTime.js';
import { parseNginxLine, upstreamKey } from '../parse/nginxLine.js';
import type { LogDelta } from './logDelta.js';
import type { RequestSample } from './load.js';

export interface DrillEventView {
  time: number;
  action: string;
  exitCode: number | null;
  signal: string | null;
  health: string | null;
}

export interface LogSummary {
  file: string;
  linesRead: number;
  upstreamErrors: number;
  byKind: Partial<Record<UpstreamErrorKind, number>>;
  byUpstream: Record<string, number>;
  /** Lines that are not nginx error-log lines (counted, never dropped silently). */
  unparsed: number;
  /** The first few upstream error lines, raw (escape where drawn). */
  samples: string[];
  note: string | null;
}

interface FailureCounts {
  total: number;
  s502: number;
  s503: number;
  s504: number;
  /** 500, 501, 505… */
  otherServerErrors: number;
  /** No HTTP answer at all (connection refused by the proxy, reset, request timeout). */
  noResponse: number;
  /** The no-answer failures by error code (`ECONNRESET on a reused socket` apart): what to look at. */
  noResponseBy: Record<string, number>;
  byMethod: Record<string, number>;
}

export interface DrillMeasurement {
  sent: number;
  byMethod: Record<string, number>;
  /** "200": 150, "502": 50, "no-response": 0 */
  statuses: Record<string, number>;
  failures: FailureCounts;
  /** First failing answer → last failing answer. */
  failureWindow: { first: number; last: number; durationMs: number } | null;
  /**
   * Container `start` → first 2xx of a request sent after it, through the URL: the service's
   * readiness as clients see it (with a backup peer that can be the backup answering).
   */
  timeToReadyMs: number | null;
  readyAnchor: 'start-event' | 'action-return' | null;
  events: DrillEventView[];
  log: LogSummary | null;
}

const LOG_SAMPLE_LINES = 5;

/** A failure is an answer the client could not use because the backend was away: 5xx or none. */
function isFailure(s: RequestSample): boolean {
  return s.status === null || s.status >= 500;
}

function bump(rec: Record<string, number>, key: string): void {
  rec[key] = (rec[key] ?? 0) + 1;
}

export function countFailures(samples: RequestSample[]): FailureCounts {
  const f: FailureCounts = { total: 0, s502: 0, s503: 0, s504: 0, otherServerErrors: 0, noResponse: 0, noResponseBy: {}, byMethod: {} };
  for (const s of samples) {
    if (!isFailure(s)) continue;
    f.total++;
    bump(f.byMethod, s.method);
    if (s.status === null) {
      f.noResponse++;
      bump(f.noResponseBy, `${s.error ?? 'unknown'}${s.reusedSocket ? ' on a reused socket' : ''}`);
    }
    else if (s.status === 502) f.s502++;
    else if (s.status === 503) f.s503++;
    else if (s.status === 504) f.s504++;
    else f.otherServerErrors++;
  }
  return f;
}

function failureWindow(samples: RequestSample[]): DrillMeasurement['failureWindow'] {
  const failed = samples.filter(isFailure);
  if (failed.length === 0) return null;
  const first = Math.min(...failed.map((s) => s.doneAt));
  const last = Math.max(...failed.map((s) => s.doneAt));
  return { first, last, durationMs: Math.round(last - first) };
}

/**
 * From the container's (re)start to the first 2xx of a request sent after it. With several starts
 * (a crash loop brought back by the policy) the anchor is the last start before that request.
 * Without events the API's return is the anchor (restart/start return once the container runs).
 */
export function timeToReady(
  samples: RequestSample[],
  events: ContainerEvent[],
  actionStartedAt: number,
  actionEndedAt: number | null,
): { ms: number | null; anchor: DrillMeasurement['readyAnchor'] } {
  const starts = events.filter((e) => e.action === 'start' && e.time >= actionStartedAt).map((e) => e.time);
  const from = starts[0] ?? actionEndedAt;
  if (from === null || from === undefined) return { ms: null, anchor: null };
  const ok = samples
    .filter((s) => s.status !== null && s.status >= 200 && s.status < 300 && s.sentAt >= from)
    .sort((a, b) => a.doneAt - b.doneAt)[0];
  if (!ok) return { ms: null, anchor: starts.length ? 'start-event' : 'action-return' };
  const anchor = starts.length ? Math.max(...starts.filter((t) => t <= ok.sentAt)) : from;
  return { ms: Math.max(0, Math.round(ok.doneAt - anchor)), anchor: starts.length ? 'start-event' : 'action-return' };
}

export function summarizeLog(delta: LogDelta, tz: string): LogSummary {
  const clock = new LocalClock(tz);
  const out: LogSummary = {
    file: delta.file,
    linesRead: delta.lines.length,
    upstreamErrors: 0,
    byKind: {},
    byUpstream: {},
    unparsed: 0,
    samples: [],
    note: delta.note,
  };
  delta.lines.forEach((text, i) => {
    const parsed = parseNginxLine(text, delta.file, i + 1, clock);
    if (!parsed.ok) {
      if (parsed.unparsed.reason !== 'empty') out.unparsed++;
      return;
    }
    const r = parsed.record;
    if (r.kind === null) return;
    out.upstreamErrors++;
    out.byKind[r.kind] = (out.byKind[r.kind] ?? 0) + 1;
    if (r.upstream) bump(out.byUpstream, upstreamKey(r.upstream));
    if (out.samples.length < LOG_SAMPLE_LINES) out.samples.push(r.raw);
  });
  return out;
}

export function measure(input: {
  samples: RequestSample[];
  events: ContainerEvent[];
  actionStartedAt: number;
  actionEndedAt: number | null;
  log: LogSummary | null;
}): DrillMeasurement {
  const statuses: Record<string, number> = {};
  const byMethod: Record<string, number> = {};
  for (const s of input.samples) {
    bump(statuses, s.status === null ? 'no-response' : String(s.status));
    bump(byMethod, s.method);
  }
  const ready = timeToReady(input.samples, input.events, input.actionStartedAt, input.actionEndedAt);
  return {
    sent: input.samples.length,
    byMethod,
    statuses,
    failures: countFailures(input.samples),
    failureWindow: failureWindow(input.samples),
    timeToReadyMs: ready.ms,
    readyAnchor: ready.anchor,
    events: input.events.map((e) => ({ time: e.time, action: e.action, exitCode: e.exitCode, signal: e.signal, health: e.health })),
    log: input.log,
  };
}
