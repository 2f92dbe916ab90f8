/**
 * What the engine exposes to renderers (TUI, --no-tui line printer, reports) at any instant.
 * Immutable per call: `IncidentEngine.snapshot()` builds a fresh one; the UI never reaches
 * into the engine's mutable state.
 */
import type { ContainerView, Incident, Burst } from './incident.js';
import type { UnparsedReason, UpstreamAddress, UpstreamErrorKind } from './logRecord.js';

/** Why an event was rejected (counters.invalidEventReasons): before decoding (parse/dockerEventLine.ts), or by the decoder (invalid-fields, implausible-time). */
export type InvalidEventReason = 'too-large' | 'too-deep' | 'not-json' | 'invalid-fields' | 'implausible-time';

export interface UpstreamStat {
  key: string;
  upstream: UpstreamAddress;
  total: number;
  kinds: Partial<Record<UpstreamErrorKind, number>>;
  /** Errors per second for the last `SPARK_SECONDS` seconds, oldest first, ending at `now`. */
  perSecond: number[];
  lastErrorAt: number | null;
  /** Name of the container believed to own this upstream, when known. */
  container: string | null;
}

export type SourceState = 'ok' | 'waiting' | 'reconnecting' | 'error' | 'ended';

export interface SourceStatus {
  id: string;
  kind: 'log' | 'stdin' | 'docker' | 'replay';
  label: string;
  state: SourceState;
  /** Why it is not ok, in one sentence (permission denied, daemon not running, …). */
  detail: string | null;
  itemsRead: number;
  /** now − time of the newest item read, when known. */
  lagMs: number | null;
  /**
   * Log files: bytes a copytruncate rotation took that are in neither file (written between
   * logrotate's copy and its truncate), as far as the reader saw them. Absent when none.
   */
  unrecoveredBytes?: number;
}

export interface EngineCounters {
  linesRead: number;
  /** Valid nginx lines that are not upstream failures. */
  otherLines: number;
  upstreamErrors: number;
  /** Lines skipped, by reason (never silently dropped). */
  unparsed: Partial<Record<UnparsedReason, number>>;
  /** Lines outside --since/--until. */
  outsideWindow: number;
  /** nginx access-log lines (nginx in Docker writes both logs to one stream): recognised, not used. Always set by the engine. */
  accessLines?: number;
  /** Lines with no time that can be placed (nginx's undated stderr, a prefix without a stamp around a non-nginx line). Always set by the engine. */
  untimed?: number;
  /** Lines read in each prefixed shape, by parse/lineShape.ts's ShapeId; plain nginx lines are not counted here. Always set by the engine. */
  shapes?: Partial<Record<string, number>>;
  dockerEvents: number;
  /** exec_*, image, network, volume events: counted, not used. */
  ignoredEvents: number;
  /** Events that failed validation. */
  invalidEvents: number;
  /** invalidEvents by reason: not-json, too-large, too-deep (checked before parsing), invalid-fields, implausible-time. */
  invalidEventReasons: Partial<Record<InvalidEventReason, number>>;
  /** Repeats of an event already kept (same container, action, time and details): counted once. */
  duplicateEvents: number;
}

export interface EngineSnapshot {
  now: number;
  tz: string;
  counters: EngineCounters;
  sources: SourceStatus[];
  upstreams: UpstreamStat[];
  containers: ContainerView[];
  /** Diagnosed incidents, oldest first (closed bursts and, live, the open ones too). */
  incidents: Incident[];
  /** Bursts still growing (live mode). */
  openBursts: Burst[];
}

export const SPARK_SECONDS = 60;
