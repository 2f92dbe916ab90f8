/**
 * The one duration grammar, for every flag that takes a duration (--burst-gap, --since 10m,
 * --time-to-ready, --wait-ready, drill's --timeout…) and the patterns' durations: a number and a
 * unit, repeated (`1m30s`, `1h 30m`), or a bare number of seconds. The units are Docker's and
 * Go's (`docker events --since 10m`), which is what on-call people type.
 */
import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** How the grammar is named in messages. */
const DURATION_EXAMPLES = '90s, 10m, 2h, 1d, 500ms or 1m30s';

/** `500ms`, `90s`, `10m`, `2h`, `1d`, `1m30s`, `45` (seconds) → milliseconds; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === '') return null;
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000); // bare number: seconds
  let total = 0;
  let rest = t;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)\s*/.exec(rest);
    if (!m) return null;
    total += Number(m[1]) * UNITS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/** 6100 → `6.1 s`, 95000 → `1 min 35 s`, 450 → `450 ms`: for sentences in reports. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(Math.round(abs / 100) / 10).toString()} s`;
  const min = Math.floor(abs / 60_000);
  const s = Math.round((abs % 60_000) / 1000);
  if (min < 60) return `${sign}${min} min${s ? ` ${s} s` : ''}`;
  const h = Math.floor(min / 60);
  return `${sign}${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/** A duration flag's value in ms: more than 0, and at most `maxMs` when given. */
export function readDuration(flag: string, text: string, maxMs?: number): number {
  const ms = parseDuration(text);
  if (ms === null) throw new UsageError(`${flag}: "${text}" is not a duration (use ${DURATION_EXAMPLES})`, null);
  if (ms <= 0) throw new UsageError(`${flag}: "${text}" must be more than 0`, null);
  if (maxMs !== undefined && ms > maxMs) throw new UsageError(`${flag}: "${text}" is more than the ${formatDuration(maxMs)} allowed`, null);
  return ms;
}
