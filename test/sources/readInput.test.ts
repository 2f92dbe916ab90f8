/**
 * The postmortem reader on a real file larger than its two 4 MB buffers: every line arrives
 * exactly once, in order, intact across chunk boundaries (lines of many lengths straddle them),
 * CRLF stripped, the last line without a newline kept, and progress reaching the file size.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { streamFileLines } from '../../src/sources/readInput.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rd-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Line i: its number, then a run whose length cycles 0..996, so boundaries fall everywhere. */
function lineText(i: number): string {
  return `${i} ${'x'.repeat((i * 7) % 997)}`;
}

describe('streamFileLines on a file of several chunks', () => {
  it('delivers every line once, in order and intact, with progress to the last byte', async () => {
    const n = 45_000; // ≈ 22 MB: five-plus reads through the two alternating buffers
    const parts: string[] = [];
    for (let i = 1; i <= n; i++) parts.push(lineText(i) + (i % 1000 === 0 ? '\r\n' : i === n ? '' : '\n'));
    const file = path.join(dir, 'big.log');
    writeFileSync(file, parts.join(''));
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(2 * 4 * 1024 * 1024 + 1);

    let expected = 1;
    let bad: string | null = null;
    let lastProgress = 0;
    const lines = await streamFileLines(
      file,
      (_source, lineNo, text) => {
        if (bad === null && (lineNo !== expected || text !== lineText(expected))) bad = `line ${lineNo}: ${text.slice(0, 40)}`;
        expected++;
      },
      (bytes) => {
        if (bytes < lastProgress) bad ??= `progress went back from ${lastProgress} to ${bytes}`;
        lastProgress = bytes;
      },
    );
    expect(bad).toBeNull();
    expect(lines).toBe(n);
    expect(expected - 1).toBe(n);
    expect(lastProgress).toBe(size);
  });
});
