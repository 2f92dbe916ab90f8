/**
 * nginx writes local wall-clock time with no zone; Docker events are epoch. Joining them needs
 * the zone the log was written in (the host's by default, `--tz` for a log copied from elsewhere).
 * Offsets are computed with Intl and cached per local hour, so the per-line cost is a map lookup.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * UTC needs no zone data: most servers log in it, and skipping Intl there saves its start-up
 * (~30 ms) and a formatToParts per conversion.
 */
function isUtc(tz: string): boolean {
  return tz === 'UTC' || tz === 'Etc/UTC';
}

/** Throws a one-line error for a zone name Intl does not know. */
export function assertTimeZone(tz: string): void {
  if (isUtc(tz)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new Error(`unknown time zone "${tz}" (use an IANA name such as UTC or Europe/Berlin)`);
  }
}

export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Offset of `tz` from UTC at the instant `epochMs`, in ms (Berlin in winter: +3 600 000). */
export function zoneOffsetMs(epochMs: number, tz: string): number {
  if (isUtc(tz)) return 0;
  const parts = formatterFor(tz).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * Epoch ms of a local wall-clock time in `tz`. In the repeated hour of a DST change the earlier
 * instant is chosen; a time in the skipped hour maps forward, as clocks did.
 */
export function localToEpoch(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  tz: string,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // The zone's offsets a day before and a day after: around a DST change they differ. A candidate
  // instant is valid only if the zone really has that offset at that instant.
  const before = zoneOffsetMs(wall - 86_400_000, tz);
  const after = zoneOffsetMs(wall + 86_400_000, tz);
  const valid = [wall - before, wall - after].filter((e) => zoneOffsetMs(e, tz) === wall - e);
  if (valid.length > 0) return Math.min(...valid); // repeated hour: the earlier instant
  // Skipped hour (the wall time never existed): read it with the offset from before the jump,
  // which lands after the jump, as the clocks did.
  return wall - before;
}

/**
 * Converter for `YYYY/MM/DD HH:MM:SS` stamps that caches the epoch of each local hour, since a log
 * holds thousands of lines per hour and the offset can only change on an hour boundary in practice.
 */
export class LocalClock {
  /** Epoch of each local hour, keyed YYYYMMDDHH as a number. */
  private readonly hourCache = new Map<number, number>();

  constructor(readonly tz: string) {
    assertTimeZone(tz);
  }

  private lastStamp = '';
  private lastEpoch = NaN;

  /** `stamp` is the 19-character `2024/01/15 03:12:44`; returns NaN when it is not a valid time. */
  toEpoch(stamp: string): number {
    // Consecutive lines mostly share their second: one string compare instead of slices and a lookup.
    if (stamp === this.lastStamp) return this.lastEpoch;
    const epoch = this.compute(stamp);
    this.lastStamp = stamp;
    this.lastEpoch = epoch;
    return epoch;
  }

  private compute(stamp: string): number {
    // Read digit by digit (no substrings: this runs once per new second of a log).
    return this.epochOf(digitsAt(stamp, 0, 4), digitsAt(stamp, 5, 2), digitsAt(stamp, 8, 2), digitsAt(stamp, 11, 2), digitsAt(stamp, 14, 2), digitsAt(stamp, 17, 2));
  }

  /**
   * toEpoch of the stamp in the bytes `buf[at, at + 19)`, read as latin1 (the reader thread's
   * screen, once per new second of a log: no string, no copy). Its own cache of the last stamp is
   * the caller's (parse/nginx/screen.ts compares the bytes).
   */
  toEpochBytes(buf: Uint8Array, at: number): number {
    return this.epochOf(byteDigitsAt(buf, at, 4), byteDigitsAt(buf, at + 5, 2), byteDigitsAt(buf, at + 8, 2), byteDigitsAt(buf, at + 11, 2), byteDigitsAt(buf, at + 14, 2), byteDigitsAt(buf, at + 17, 2));
  }

  /** The epoch of a local time read from a stamp (NaN for a digit that was not one, or a time that is none). */
  private epochOf(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
    const hourKey = ((y * 100 + mo) * 100 + d) * 100 + h;
    let base = this.hourCache.get(hourKey);
    if (base === undefined) {
      // Day checked against the month's length: `2024/02/30` is not a time (Date.UTC would roll it to March 1).
      if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate() && h <= 23)) return NaN;
      base = localToEpoch(y, mo, d, h, 0, 0, this.tz);
      if (this.hourCache.size > 10_000) this.hourCache.clear();
      this.hourCache.set(hourKey, base);
    }
    if (!(mi <= 59 && s <= 60)) return NaN;
    return base + mi * 60_000 + s * 1000;
  }
}

/** The `n` decimal digits at `at` as a number; NaN if one of them is not a digit. */
function digitsAt(text: string, at: number, n: number): number {
  let v = 0;
  for (let k = at; k < at + n; k++) {
    const c = text.charCodeAt(k) - 48;
    if (!(c >= 0 && c <= 9)) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/** digitsAt on bytes (a latin1 character is its byte). */
function byteDigitsAt(buf: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let k = at; k < at + n; k++) {
    const c = buf[k]! - 48;
    if (!(c >= 0 && c <= 9)) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/** The largest |epoch ms| a Date can hold (ECMA-262 TimeClip). */
const MAX_DATE_MS = 8.64e15;

/** `2024/01/15 03:12:44` style rendering of an epoch in `tz`, for reports in the log's own terms. */
export function formatLocal(epochMs: number, tz: string): string {
  // A Date holds ±8.64e15 ms; past that (or NaN) toISOString and Intl throw RangeError. The
  // decoders reject such times, but no report may die formatting one: it says so instead.
  if (!(Math.abs(epochMs) <= MAX_DATE_MS)) return `(invalid time ${epochMs})`;
  if (isUtc(tz)) {
    // `2024-01-15T03:12:44.000Z` → `2024/01/15 03:12:44` (years 0-9999; Intl pads the same way).
    const iso = new Date(epochMs).toISOString();
    if (iso.length === 24) return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)} ${iso.slice(11, 19)}`;
  }
  const parts = formatterFor(tz).formatToParts(new Date(epochMs));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}/${get('month')}/${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}
