/**
 * `1573111` → `1,573,111`, as toLocaleString('en-US') writes integers, without Intl: its number
 * formatting costs ~25 ms to start, more than a whole small postmortem.
 */
export function formatCount(n: number): string {
  if (!Number.isInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? ',' : '') + digits.slice(Math.max(0, end - 3), end) + out;
  return n < 0 ? `-${out}` : out;
}
