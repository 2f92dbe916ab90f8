/**
 * Flag values that need more than a type: durations (one grammar, util/duration.ts) and the times
 * of --since/--until as on-call people type them. Every bad value is one UsageError line.
 */
import { createRequire } from 'node:module';
import { zoneOffsetMs } from '../parse/localTime.js';
import { parseDuration } from '../util/duration.js';
import { UsageError } from '../util/errors.js';

const TIME_HINT = 'try 10m, 2h, 1d (that long ago), 2026-12-02T04:21:36Z, epoch seconds, "2024-01-15 03:00", "2 hours ago" or "yesterday 14:00"';
/** RFC 3339 with a zone of its own (Z or ±hh:mm): the zone written wins over --tz. */
const RFC3339_ZONED = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * A date written as numbers, year first (`2024-02-30`, `2024-01-15T24:00:00Z`, `2024-13-01 03:00`):
 * Date.parse rolls February 30 into March 1 and hour 24 into the next day, and chrono reads
 * 2024-13-01 as January 13, so each field is checked before either reads it.
 */
const NUMERIC_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Why a numeric date cannot exist (month 13, February 30, April 31, hour 24, minute 60), or null. */
function impossibleDate(t: string): string | null {
  const m = NUMERIC_DATE.exec(t);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) return `no such date: there is no month ${m[2]}`;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (day < 1 || day > days) return `no such date: ${MONTHS[month - 1]} ${year} has ${days} days`;
  if (m[4] !== undefined && Number(m[4]) > 23) return `no such time: hour ${m[4]} (00-23)`;
  if (m[5] !== undefined && Number(m[5]) > 59) return `no such time: minute ${m[5]} (00-59)`;
  if (m[6] !== undefined && Number(m[6]) > 59) return `no such time: second ${m[6]} (00-59)`;
  return null;
}

/**
 * A time for --since/--until/--from, in this order: a duration (`10m`, `2h`, `90s`, `1d`: that long
 * before `now`, as `docker events --since 10m` reads it), epoch seconds (10 digits, a fraction
 * allowed) or milliseconds (13 digits), RFC 3339 with a zone, else chrono's phrases read in `tz`
 * ("2024-01-15 03:00", "2 hours ago", "yesterday 14:00"; `ref` is what "1 hour later" counts from).
 * chrono reads the first time it finds in any text ("yesterday-ish nonsense" is yesterday to it):
 * the text it matched must be the whole input, or the value is refused. A numeric date that
 * cannot exist (impossibleDate) is refused before either reader rolls it over.
 */
export function readTime(flag: string, text: string, tz: string, now: number, ref: number = now): number {
  const t = text.trim();
  const refuse = (why = 'not a time I can read'): UsageError => new UsageError(`${flag} "${text}": ${why}`, TIME_HINT);
  if (t === '') throw refuse('empty');
  const ago = parseDuration(t);
  if (ago !== null && !/^\d+(\.\d+)?$/.test(t)) return now - ago;
  if (/^\d{13}$/.test(t)) return Number(t);
  if (/^\d{9,11}(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (/^\d+(\.\d+)?$/.test(t)) throw refuse('a bare number is neither epoch seconds (10 digits) nor milliseconds (13) nor a duration (add a unit: 10m)');
  const impossible = impossibleDate(t);
  if (impossible !== null) throw refuse(impossible);
  if (RFC3339_ZONED.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (Number.isNaN(ms)) throw refuse('not a valid date');
    return ms;
  }
  // Loaded only when a phrase is given: chrono's locale tables cost half a second of start-up.
  const chrono = createRequire(import.meta.url)('chrono-node') as typeof import('chrono-node');
  const parseAt = (offsetAt: number): Date | null => {
    const found = chrono.parse(t, { instant: new Date(ref), timezone: Math.round(zoneOffsetMs(offsetAt, tz) / 60_000) });
    const first = found[0];
    if (!first || found.length > 1) return null;
    // The phrase must be all of the input, give or take surrounding punctuation.
    const left = `${t.slice(0, first.index)}${t.slice(first.index + first.text.length)}`;
    if (/[\p{L}\p{N}]/u.test(left)) return null;
    return first.start.date();
  };
  const first = parseAt(ref);
  if (!first) throw refuse();
  // The zone's offset at the date being read, not at `ref`: a summer date read in winter differs by an hour.
  const second = parseAt(first.getTime());
  return (second ?? first).getTime();
}
