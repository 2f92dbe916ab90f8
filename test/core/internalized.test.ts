/**
 * internalized() gives back a string of the same characters, whatever they are: names come from
 * log lines (attacker-controlled), and some are keys an object treats specially.
 */
import { describe, expect, it } from 'vitest';
import { internalized } from '../../src/util/internalized.js';

describe('internalized', () => {
  it('keeps every character of names an object key treats specially', () => {
    const names = ['172.18.0.5:3000', '', '__proto__', 'constructor', '123', '4294967295', '-0', '1.5', 'NaN', 'ünïcode→名', '\u0000\u001b[31m', 'x'.repeat(5000)];
    for (const name of names) {
      // A copy of its own first (a slice of a longer string), as a name cut from a line is.
      const copy = `(${name})`.slice(1, -1);
      const out = internalized(copy);
      expect(out).toBe(name);
      expect(out.length).toBe(name.length);
    }
  });
});
