/**
 * Live mode's history: the first line at or after `since` is found by time (binary search over a
 * real file), the same line a plain scan finds, for files of one probe and of many.
 */
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineTimeIn } from '../../src/parse/lineTime.js';
import { findHistoryStart, readLinesSync } from '../../src/sources/historyStart.js';
import { stamp } from '../core/helpers.js';

const T0 = Date.UTC(2026, 11, 2, 4, 0, 0);
const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-h15b-history-'));

function logOf(n: number, everyMs: number): { text: string; times: number[] } {
  const lines: string[] = [];
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = T0 + Math.floor((i * everyMs) / 1000) * 1000;
    // An untimed line now and then (a continuation): never where history starts.
    if (i % 97 === 5) lines.push('  continued without a stamp');
    lines.push(`${stamp(t)} [error] 7#7: *${i} connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: x, request: "GET /${i} HTTP/1.1", upstream: "http://10.0.0.2:3000/", host: "x"`);
    times.push(t);
  }
  return { text: lines.join('\n') + '\n', times };
}

function plainStart(text: string, since: number, timeOf: (l: string) => number | null): number {
  let at = 0;
  for (const line of text.split('\n').slice(0, -1)) {
    const t = timeOf(line);
    if (t !== null && t >= since) return at;
    at += Buffer.byteLength(line) + 1;
  }
  return Buffer.byteLength(text);
}

describe('findHistoryStart', () => {
  const timeOf = lineTimeIn('UTC');
  it.each([
    ['one probe', 50, 1000],
    ['many probes (≈20 MB)', 100_000, 50],
  ])('finds the first line at or after since: %s', (_name, n, every) => {
    const { text } = logOf(n, every);
    const file = path.join(dir, `error-${n}.log`);
    writeFileSync(file, text);
    const size = Buffer.byteLength(text);
    const fd = openSync(file, 'r');
    try {
      const span = Math.floor((n * every) / 1000) * 1000;
      for (const since of [T0 - 60_000, T0, T0 + 1500, T0 + Math.floor(span / 3), T0 + span - 1000, T0 + span + 60_000]) {
        const got = findHistoryStart(fd, size, since, timeOf);
        expect(got, `since +${since - T0} ms`).toBe(plainStart(text, since, timeOf));
      }
      // Reading back from there delivers exactly the lines from that time on.
      const from = findHistoryStart(fd, size, T0 + Math.floor(span / 2), timeOf);
      const read: string[] = [];
      readLinesSync(fd, from, size, (l) => read.push(l), 1 << 20);
      expect(read.length).toBeGreaterThan(0);
      expect(timeOf(read[0]!)).toBeGreaterThanOrEqual(T0 + Math.floor(span / 2));
    } finally {
      closeSync(fd);
    }
  });
});
