/**
 * The engine's counts of everything it read: every line and event is counted somewhere (read,
 * other, failure, unparsed by reason, outside the window, ignored, invalid, duplicate), so a
 * report can say what was left out and why. Also how a count made on the reader thread is folded in.
 */
import type { UnparsedReason } from '../model/logRecord.js';
import type { EngineCounters } from '../model/snapshot.js';
import { newForeignCounters, type ForeignCounters } from './foreignLine.js';
import type { LatestTimes, LineTally } from './lineScreen.js';

export type Counters = EngineCounters & ForeignCounters;

export function newEngineCounters(): Counters {
  return {
    linesRead: 0,
    otherLines: 0,
    upstreamErrors: 0,
    unparsed: {},
    outsideWindow: 0,
    dockerEvents: 0,
    ignoredEvents: 0,
    invalidEvents: 0,
    invalidEventReasons: {},
    duplicateEvents: 0,
    ...newForeignCounters(),
  };
}

/** What a LineScreen on another thread counted (every line it did not pass on): IncidentEngine.absorbScreened. */
export interface ScreenedCounts extends LineTally {
  /** The newest time of those lines (0: none). */
  latest: number;
  /** The oldest and newest valid line, --since/--until or not (LatestTimes). */
  firstLine: number;
  lastLine: number;
}

/** Folds what the reader thread's LineScreen counted into the engine's counters and times. */
export function absorbScreened(counters: Counters, times: LatestTimes, c: ScreenedCounts): void {
  counters.linesRead += c.linesRead;
  counters.otherLines += c.otherLines;
  counters.outsideWindow += c.outsideWindow;
  for (const [reason, n] of Object.entries(c.unparsed) as [UnparsedReason, number][]) counters.unparsed[reason] = (counters.unparsed[reason] ?? 0) + n;
  if (c.latest > times.latest) times.latest = c.latest;
  if (c.latest > times.latestLog) times.latestLog = c.latest;
  times.firstLine = Math.min(times.firstLine, c.firstLine);
  times.lastLine = Math.max(times.lastLine, c.lastLine);
}

/** A copy of the counters (nothing shared with the engine's own). */
export function copyCounters(c: Counters): Counters {
  return { ...c, unparsed: { ...c.unparsed }, shapes: { ...c.shapes }, invalidEventReasons: { ...c.invalidEventReasons } };
}
