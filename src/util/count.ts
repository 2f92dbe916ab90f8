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

/**
 * `6,602 not-nginx, 1 binary`: each count of a record with its name, the biggest first (ties by
 * name), whatever order the record's keys came in; zeros left out.
 */
export function countsBiggestFirst(counts: Partial<Record<string, number>>): string {
  return Object.entries(counts)
    .filter((e): e is [string, number] => (e[1] ?? 0) > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([name, n]) => `${formatCount(n)} ${name}`)
    .join(', ');
}
