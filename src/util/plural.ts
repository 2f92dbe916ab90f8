/**
 * Counted words for every report string: `countOf(1, 'line')` → "1 line", `countOf(2, 'line')` →
 * "2 lines", `countOf(1573111, 'line')` → "1,573,111 lines". The plural is the word plus "s"
 * unless given (`countOf(n, 'entry', 'entries')`); a word after the noun stays outside
 * (`${countOf(n, 'line')} read`).
 */
import { formatCount } from './count.js';

function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

export function countOf(n: number, one: string, many?: string): string {
  return `${formatCount(n)} ${plural(n, one, many)}`;
}
