/**
 * Text helpers for the screen. `clean` is the only way text from outside (log lines, container
 * names, label values, health output, diffs of user files) reaches a component: it runs the
 * shared sanitiser, so no escape sequence or control character is ever drawn.
 */
import stringWidth from 'string-width';
import { sanitizeForTerminal } from '../util/sanitize.js';
import { formatDuration } from '../util/duration.js';

export function clean(text: string | null | undefined): string {
  return text ? sanitizeForTerminal(text) : '';
}

/**
 * Terminal columns of `text`: a CJK character or an emoji takes two, a combining or zero-width
 * mark none (string-width, what ink itself measures rows with). Counting code points instead let a
 * row of wide characters run past the pane, and ink cut it or pushed the screen up.
 */
export function columns(text: string): number {
  return stringWidth(text);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** `text` as its user-perceived characters, each with its columns. */
export function cells(text: string): { text: string; cols: number }[] {
  return Array.from(graphemes.segment(text), ({ segment }) => ({ text: segment, cols: stringWidth(segment) }));
}

/** Cuts to `width` columns with an ellipsis (the sanitiser already removed controls). */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  if (columns(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const c of cells(text)) {
    if (used + c.cols > width - 1) break;
    out += c.text;
    used += c.cols;
  }
  return `${out}…`;
}

export function pad(text: string, width: number): string {
  const t = fit(text, width);
  const len = columns(t);
  return len >= width ? t : t + ' '.repeat(width - len);
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** `HH:MM:SS` (or with milliseconds) of an epoch-ms time in the given zone. */
export function clockTime(ms: number, tz: string, withMs = false): string {
  let f = clockFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    clockFormats.set(tz, f);
  }
  const base = f.format(new Date(ms));
  if (!withMs) return base;
  return `${base}.${String(Math.floor(((ms % 1000) + 1000) % 1000)).padStart(3, '0')}`;
}

/** `+1.2 s` / `-450 ms`, relative to an incident's first error. */
export function offset(ms: number): string {
  return `${ms >= 0 ? '+' : '-'}${formatDuration(Math.abs(ms))}`;
}

export { formatCount as count } from '../util/count.js';

export { formatDuration };
