/** `500ms`, `5s`, `2m`, `1h`, `1m30s` → milliseconds; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000); // bare number: seconds
  let total = 0;
  let rest = t;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest);
    if (!m) return null;
    total += Number(m[1]) * unit[m[2]!]!;
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
