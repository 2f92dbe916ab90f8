/**
 * nginx stamps are local wall time with no zone; the engine reads them in --tz. These pin the
 * conversion at UTC, in Berlin winter and summer, and across both DST changes of 2024.
 */
import { describe, expect, it } from 'vitest';
import { assertTimeZone, formatLocal, LocalClock, localToEpoch, zoneOffsetMs } from '../../src/parse/localTime.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('LocalClock', () => {
  it('reads UTC stamps as they are', () => {
    expect(iso(new LocalClock('UTC').toEpoch('2024/01/15 03:12:41'))).toBe('2024-01-15T03:12:41.000Z');
  });

  it('reads Berlin winter (CET, +1) and summer (CEST, +2) stamps', () => {
    const c = new LocalClock('Europe/Berlin');
    expect(iso(c.toEpoch('2024/01/15 03:12:41'))).toBe('2024-01-15T02:12:41.000Z');
    expect(iso(c.toEpoch('2024/07/15 03:12:41'))).toBe('2024-07-15T01:12:41.000Z');
  });

  it('crosses the spring-forward change (2024-03-31 02:00 CET → 03:00 CEST) without a gap or a jump back', () => {
    const c = new LocalClock('Europe/Berlin');
    expect(iso(c.toEpoch('2024/03/31 01:00:00'))).toBe('2024-03-31T00:00:00.000Z');
    expect(iso(c.toEpoch('2024/03/31 01:59:59'))).toBe('2024-03-31T00:59:59.000Z');
    expect(iso(c.toEpoch('2024/03/31 03:00:00'))).toBe('2024-03-31T01:00:00.000Z');
    // One second of wall time across the change is one real second.
    expect(c.toEpoch('2024/03/31 03:00:00') - c.toEpoch('2024/03/31 01:59:59')).toBe(1000);
  });

  it('maps a stamp in the skipped hour forward, as the clocks did', () => {
    expect(iso(localToEpoch(2024, 3, 31, 2, 30, 0, 'Europe/Berlin'))).toBe('2024-03-31T01:30:00.000Z');
  });

  it('crosses the fall-back change (2024-10-27 03:00 CEST → 02:00 CET) and picks the earlier instant in the repeated hour', () => {
    const c = new LocalClock('Europe/Berlin');
    expect(iso(c.toEpoch('2024/10/27 01:59:59'))).toBe('2024-10-26T23:59:59.000Z');
    expect(iso(localToEpoch(2024, 10, 27, 2, 30, 0, 'Europe/Berlin'))).toBe('2024-10-27T00:30:00.000Z');
    expect(iso(c.toEpoch('2024/10/27 03:00:00'))).toBe('2024-10-27T02:00:00.000Z');
  });

  it('returns NaN for impossible fields', () => {
    const c = new LocalClock('UTC');
    expect(c.toEpoch('2024/13/01 00:00:00')).toBeNaN();
    expect(c.toEpoch('2024/01/15 24:00:00')).toBeNaN();
    expect(c.toEpoch('2024/01/15 03:61:00')).toBeNaN();
    expect(c.toEpoch('2024/02/30 03:00:00')).toBeNaN(); // not rolled over to March 1
    expect(c.toEpoch('2023/02/29 03:00:00')).toBeNaN();
    expect(iso(c.toEpoch('2024/02/29 03:00:00'))).toBe('2024-02-29T03:00:00.000Z'); // leap day
  });

  it('reads a stamp\'s bytes (toEpochBytes, the reader thread\'s screen) as it reads the stamp, valid or not, in every zone', () => {
    // Seeded: stamps of 2023-2025 with each field a little past its range, a stray byte now and
    // then (a letter, a space, a high byte), at an offset in a bigger buffer; then both of 2024's
    // DST changes in Berlin's hours.
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    const two = (n: number) => String(n).padStart(2, '0');
    for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata']) {
      const bytesClock = new LocalClock(tz);
      const textClock = new LocalClock(tz);
      for (let i = 0; i < 3000; i++) {
        const chars = [...`${2023 + next(3)}/${two(next(14))}/${two(next(33))} ${two(next(26))}:${two(next(62))}:${two(next(62))}`];
        if (next(10) === 0) chars[next(19)] = ['x', ' ', '\u00e9', '/', ':'][next(5)]!;
        const stamp = chars.join('');
        const buf = Buffer.from(`pad ${stamp} tail`, 'latin1');
        const want = textClock.toEpoch(stamp);
        expect(bytesClock.toEpochBytes(buf, 4), `${tz} ${stamp}`).toBe(want);
      }
      expect(bytesClock.toEpochBytes(Buffer.from('2024/03/31 02:30:00'), 0)).toBe(textClock.toEpoch('2024/03/31 02:30:00'));
      expect(bytesClock.toEpochBytes(Buffer.from('2024/10/27 02:30:00'), 0)).toBe(textClock.toEpoch('2024/10/27 02:30:00'));
    }
  });

  it('refuses an unknown zone with one line naming it', () => {
    expect(() => new LocalClock('Mars/Olympus')).toThrow(/^unknown time zone "Mars\/Olympus"/);
    expect(() => assertTimeZone('Europe/Berlin')).not.toThrow();
  });
});

describe('offsets and formatting', () => {
  it('zoneOffsetMs gives Berlin +1 h in winter and +2 h in summer', () => {
    expect(zoneOffsetMs(Date.UTC(2024, 0, 15), 'Europe/Berlin')).toBe(3_600_000);
    expect(zoneOffsetMs(Date.UTC(2024, 6, 15), 'Europe/Berlin')).toBe(7_200_000);
    expect(zoneOffsetMs(Date.UTC(2024, 6, 15), 'UTC')).toBe(0);
  });

  it('formatLocal round-trips a stamp in its zone', () => {
    const c = new LocalClock('Europe/Berlin');
    for (const s of ['2024/01/15 03:12:41', '2024/07/15 23:59:59', '2024/03/31 03:00:00', '2024/10/27 01:59:59']) {
      expect(formatLocal(c.toEpoch(s), 'Europe/Berlin')).toBe(s);
    }
  });

  it('UTC takes no zone data and formats exactly as Intl does', () => {
    const intl = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const viaIntl = (t: number) => {
      const p = intl.formatToParts(new Date(t));
      const g = (type: string) => p.find((x) => x.type === type)!.value;
      return `${g('year')}/${g('month')}/${g('day')} ${g('hour')}:${g('minute')}:${g('second')}`;
    };
    for (let t = Date.UTC(1969, 11, 31, 23, 0, 0); t < Date.UTC(2100, 0, 1); t += 86_400_000 * 97 + 3_723_456) {
      expect(formatLocal(t, 'UTC')).toBe(viaIntl(t));
      expect(formatLocal(t, 'Etc/UTC')).toBe(viaIntl(t));
      expect(zoneOffsetMs(t, 'UTC')).toBe(0);
    }
    const c = new LocalClock('UTC');
    expect(c.toEpoch('2024/01/15 03:12:44')).toBe(Date.UTC(2024, 0, 15, 3, 12, 44));
    expect(c.toEpoch('2024/02/30 00:00:00')).toBeNaN();
  });
});
