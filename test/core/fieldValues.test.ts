/**
 * The byte readers of parse/fieldValues.ts find names and upstream keys seen a moment ago by a few
 * of their bytes (a slot of a small table), else by a hash of all of them. Values that pick the same
 * slot (same length, same first or host byte, same last byte) must each be found as themselves, in
 * turn: each answer is the text twin's for the decoded bytes.
 */
import { describe, expect, it } from 'vitest';
import { fieldNames, upstreamKeyAt, upstreamKeyOfBytes } from '../../src/parse/fieldValues.js';

/** `value` in the middle of a buffer, as a line's field lies in a read buffer. */
function placed(value: string): { buf: Buffer; from: number; to: number } {
  const buf = Buffer.from(`, x: "${value}", host: "y"`);
  const from = buf.indexOf('"') + 1;
  return { buf, from, to: from + Buffer.byteLength(value) };
}

describe('values found again by their bytes', () => {
  it('upstream keys of URLs that pick one slot, in turn', () => {
    // The outage bench log's four that share a slot, then nine that share another.
    const urls = ['http://172.18.0.7:9000/a', 'http://172.18.0.8:5000/b', 'http://172.18.0.6:8080/c', 'http://172.18.0.5:3000/d', ...Array.from({ length: 9 }, (_, i) => `http://10.0.0.${i + 1}:8000/x?i=${i}`)];
    const keys = new Set<string>();
    for (let round = 0; round < 20; round++) {
      for (const url of urls) {
        const { buf, from, to } = placed(url);
        const key = upstreamKeyOfBytes(buf, from, to, buf.length);
        expect(key, url).toBe(upstreamKeyAt(url, 0, url.length));
        keys.add(key);
      }
    }
    expect(keys.size).toBe(urls.length);
  });

  it('server and host names that pick one slot, in turn', () => {
    const names = Array.from({ length: 9 }, (_, i) => `a${i}.example.com`);
    for (let round = 0; round < 20; round++) {
      for (const name of names) {
        const { buf, from, to } = placed(name);
        expect(fieldNames.valueOfBytes(buf, from, to)).toBe(name);
      }
    }
  });
});
