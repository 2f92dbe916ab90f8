/**
 * A line without nginx's header at its start (the rest of the engine's reading found it
 * `not-nginx`): nginx's line inside a collector's prefix (parse/lineShape.ts), an access-log line,
 * nginx's undated stderr, or something else. Shaped lines are read on the string path: the
 * prefix is cut, the nginx line inside is parsed as a plain one, and its time is the better of
 * the prefix's and nginx's own. Plain nginx logs never come here (their header matches first),
 * so the byte path's speed is untouched.
 */
import type { UnparsedReason } from '../model/logRecord.js';
import type { EngineCounters } from '../model/snapshot.js';
import { FailureSample } from '../parse/failureSample.js';
import { bestTime, isAccessLine, isUndatedNginxLine, readShape, type ShapeHit } from '../parse/lineShape.js';
import type { LocalClock } from '../parse/localTime.js';
import { cutLine, type LineCut } from '../parse/nginx/cut.js';
import { looksBinary } from '../parse/nginx/header.js';
import { quickScanLine, SCAN_OTHER, SCAN_UNPARSED } from '../parse/nginx/screen.js';

/** What the engine does with what this module decides. */
export interface ForeignLineTarget {
  /** A valid nginx line that is not an upstream failure, at `time`. */
  countOther(time: number): number;
  countUnparsed(reason: UnparsedReason): number;
  /** One upstream failure (the sample is refilled for the next line). */
  ingestFailure(sample: FailureSample): void;
}

/** The counters this module adds (EngineCounters' optional ones, always set by the engine). */
export type ForeignCounters = Required<Pick<EngineCounters, 'accessLines' | 'untimed' | 'shapes'>>;

export function newForeignCounters(): ForeignCounters {
  return { accessLines: 0, untimed: 0, shapes: {} };
}

/**
 * Reads `text`, a line whose start is not nginx's header (already counted in linesRead).
 * Returns NaN: a shaped line's first bytes are not an nginx stamp, so the byte scan must not
 * take the lines after it as repeating its stamp (LineScreen's prevLineTime).
 */
export function takeForeignLine(
  text: string,
  source: string,
  lineNo: number,
  clock: LocalClock,
  cut: LineCut,
  counters: ForeignCounters,
  sample: FailureSample,
  to: ForeignLineTarget,
): number {
  const hit = readShape(text);
  if (hit === null) {
    notNginx(text, null, counters, to);
    return NaN;
  }
  counters.shapes[hit.shape.id] = (counters.shapes[hit.shape.id] ?? 0) + 1;
  const inner = hit.inner;
  const q = quickScanLine(cut, inner, clock);
  if (q === SCAN_OTHER) {
    to.countOther(bestTime(hit, cut.scan.time));
    return NaN;
  }
  if (q === SCAN_UNPARSED) {
    if (cut.scan.reason === 'not-nginx') notNginx(inner, hit, counters, to);
    else to.countUnparsed(cut.scan.reason);
    return NaN;
  }
  const bad = cutLine(cut, inner, clock);
  if (bad !== null) {
    to.countUnparsed(bad);
    return NaN;
  }
  if (cut.kind === null) {
    to.countOther(bestTime(hit, cut.time));
    return NaN;
  }
  const s = sample.fromCut(cut, inner, source, lineNo);
  s.time = bestTime(hit, s.time);
  to.ingestFailure(s);
  return NaN;
}

/**
 * Not an nginx error line: an access line (nginx in Docker writes both to one stream), an
 * untimed line (nginx's undated stderr, or any line of a shape whose prefix has no usable time:
 * it came from the stream but cannot be placed), or not nginx at all: binary bytes or other text.
 */
function notNginx(text: string, hit: ShapeHit | null, counters: ForeignCounters, to: ForeignLineTarget): void {
  if (isAccessLine(text)) counters.accessLines++;
  else if (isUndatedNginxLine(text) || (hit !== null && Number.isNaN(hit.time))) counters.untimed++;
  else to.countUnparsed(looksBinary(text) ? 'binary' : 'not-nginx');
}
