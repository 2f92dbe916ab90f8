/**
 * The engine's counts of everything it read: every line and event is counted somewhere (read,
 * other, failure, unparsed by reason, outside the window, ignored, invalid, duplicate), so a
 * report can say what was left out and why. Also how a count made on the reader thread is folded in.
 */
import type { UnparsedReason } from '../model/logRecord.js';
import type { EngineCounters } from '../model/snapshot.js';
import { newForeignCounters, type ForeignCounters } from '../scan/foreignLine.js';
import type { LatestTimes, LineTallies } from '../scan/lineScreen.js';

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

/** Folds what a scan stage counted (scan/lineScreen.ts LineTallies) into the engine's counters and times. */
export function absorbTallies(counters: Counters, times: LatestTimes, c: LineTallies): void {
  counters.linesRead += c.linesRead;
  counters.otherLines += c.otherLines;
  counters.outsideWindow += c.outsideWindow;
  for (const reason in c.unparsed) {
    const r = reason as UnparsedReason;
    counters.unparsed[r] = (counters.unparsed[r] ?? 0) + c.unparsed[r]!;
  }
  counters.accessLines += c.accessLines ?? 0;
  counters.untimed += c.untimed ?? 0;
  for (const shape in c.shapes) counters.shapes[shape] = (counters.shapes[shape] ?? 0) + c.shapes[shape]!;
  if (c.latest > times.latest) times.latest = c.latest;
  if (c.latest > times.latestLog) times.latestLog = c.latest;
  if (c.firstLine < times.firstLine) times.firstLine = c.firstLine;
  if (c.lastLine > times.lastLine) times.lastLine = c.lastLine;
}

/**
 * A copy of the counters (nothing shared with the engine's own), each record's keys in sorted
 * order: they arrive in the order lines showed them, which differs between one thread and two
 * (the reader thread's counts are folded in batch by batch), and a report should not.
 */
export function copyCounters(c: Counters): Counters {
  return { ...c, unparsed: sortedKeys(c.unparsed), shapes: sortedKeys(c.shapes), invalidEventReasons: sortedKeys(c.invalidEventReasons) };
}

function sortedKeys<T extends Partial<Record<string, number>>>(r: T): T {
  const out: Partial<Record<string, number>> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k];
  return out as T;
}
