/**
 * The time of one log line, for finding where a log's history starts (sources/historyStart.ts):
 * nginx's own stamp, read in the log's zone. Null for a line without one.
 */
import { LocalClock } from './localTime.js';
import { hasNginxHeader } from './nginxLine.js';

export function lineTimeIn(tz: string): (line: string) => number | null {
  const clock = new LocalClock(tz);
  return (line) => {
    if (!hasNginxHeader(line)) return null;
    const t = clock.toEpoch(line.slice(0, 19));
    return Number.isNaN(t) ? null : t;
  };
}
