/** Errors per second as a one-line bar chart: blank for 0, the lowest bar for any error at all. */
const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

export function sparkline(perSecond: readonly number[], width: number): string {
  if (width <= 0) return '';
  const values = perSecond.slice(-width);
  const max = Math.max(0, ...values);
  const out = values.map((v) => (v <= 0 || max === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.ceil((v / max) * BARS.length) - 1)]!));
  return ' '.repeat(Math.max(0, width - values.length)) + out.join('');
}
