/**
 * The time of one log line, for finding where a log's history starts (sources/historyStart.ts):
 * nginx's own stamp read in the log's zone, or inside a collector's prefix (lineShape.ts) the
 * better of the two. Null for a line without one.
 */
import { LocalClock } from './localTime.js';
import { bestTime, readShape } from './lineShape.js';
import { hasNginxHeader } from './nginxLine.js';

export function lineTimeIn(tz: string): (line: string) => number | null {
  const clock = new LocalClock(tz);
  const nginxTime = (text: string): number => (hasNginxHeader(text) ? clock.toEpoch(text.slice(0, 19)) : NaN);
  return (line) => {
    let t = nginxTime(line);
    if (Number.isNaN(t)) {
      const hit = readShape(line);
      if (hit) t = bestTime(hit, nginxTime(hit.inner));
    }
    return Number.isNaN(t) ? null : t;
  };
}
